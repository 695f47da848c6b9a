"""Every route of `nianbao serve` in-process (Starlette's TestClient): what an office and the
consolidator get, each guard firing and staying quiet, the refusals and the error pages. The
real-server, load and browser tests (test_serve*.py) run the same application over HTTP."""

from __future__ import annotations

import io
import re

import pytest
from agencies import agency, write
from collecting import YEAR, form_token, make_roster, workbook
from openpyxl import load_workbook
from starlette.testclient import TestClient

from xlsx_tools.collect.app import ROUTES, create_app
from xlsx_tools.collect.checking import Checker
from xlsx_tools.collect.security import HEADERS, LOGIN_ATTEMPTS, SESSION_COOKIE, hash_password
from xlsx_tools.collect.service import Collection
from xlsx_tools.collect.state import Store
from xlsx_tools.collect.web import Settings
from xlsx_tools.consolidate.roster import read_roster
from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.read import pool

FMT = load()
PASSWORD = "in-process-password"
ORIGIN = {"Origin": "http://testserver"}
LIMIT = 200 * 1024  # bytes an upload may have here


class Recording(TestClient):
    """A client that notes every (method, path) it asked for, to show each route was tried."""

    asked: set[tuple[str, str]] = set()

    def request(self, method, url, *args, **kwargs):
        Recording.asked.add((method.upper(), str(url).split("?")[0].replace("http://testserver", "")))
        return super().request(method, url, *args, **kwargs)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("routes")
    store = Store(folder / "data")
    with pytest.MonkeyPatch.context() as mp:  # the Checker starts workers by a fork server, as a server
        mp.setitem(pool._START, "method", pool._START["method"])  # does: only for this module's tests
        collection = Collection(store, read_roster(make_roster(folder, range(1, 5))), YEAR, checker=Checker(jobs=1))
        app = create_app(collection, Settings(hash_password(PASSWORD), store.secret(), LIMIT))
        yield app, collection, folder
    store.close()


def client(served) -> Recording:
    return Recording(served[0], follow_redirects=False)


def office_link(served, n: int = 0) -> str:
    return f"/o/{served[1].offices[n].token}"


def hand_in(c: TestClient, link: str, path, name: str | None = None, **headers):
    token = form_token(c.get(link).text)
    return c.post(f"{link}/upload", data={"csrf": token}, files={"file": (name or path.name, path.read_bytes())},
                  headers={**ORIGIN, **headers})


def logged_in(served) -> Recording:
    c = client(served)
    token = form_token(c.get("/login").text)
    assert c.post("/login", data={"csrf": token, "password": PASSWORD}, headers=ORIGIN).status_code == 303
    return c


def stored(served) -> list:
    return sorted(p for p in (served[1].store.folder / "files").rglob("*") if p.is_file())


# -- an office ------------------------------------------------------------------------------------
def test_the_front_page_and_the_stylesheet(served):
    c = client(served)
    assert c.get("/").status_code == 200
    css = c.get("/static/site.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    js = c.get("/static/site.js")  # the file picker's chosen name (a script of our own origin only)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"] and "未选择文件" in js.text


def test_an_office_page_names_the_office_and_an_unknown_link_is_a_404_page(served):
    c = client(served)
    page = c.get(office_link(served))
    assert page.status_code == 200 and served[1].offices[0].name in page.text and "未报送" in page.text
    wrong = c.get("/o/" + "x" * 43)
    assert wrong.status_code == 404 and "页面不存在" in wrong.text


def test_an_office_downloads_its_template_with_its_identity(served):
    got = client(served).get(office_link(served, 1) + "/template")
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet, span = workbook_layout().locate("id.name")
    assert load_workbook(io.BytesIO(got.content))[sheet].cell(span.row, span.col).value == served[1].offices[1].name


def test_an_upload_is_checked_and_its_result_and_annotated_copy_are_the_offices(served):
    folder = served[2]
    c = client(served)
    link = office_link(served, 0)
    sent = hand_in(c, link, workbook(folder, 1, broken=True))
    assert sent.status_code == 303 and sent.headers["location"].startswith(f"{link}/u/")
    result = c.get(sent.headers["location"])
    assert result.status_code == 200 and "有错误" in result.text and "表三!" in result.text
    annotated = c.get(sent.headers["location"] + "/annotated")
    assert FMT.annotate["sheet"] in load_workbook(io.BytesIO(annotated.content)).sheetnames
    other = office_link(served, 1)
    upload_id = sent.headers["location"].rsplit("/", 1)[1]
    assert c.get(f"{other}/u/{upload_id}").status_code == 404  # another office's link
    assert c.get(f"{other}/u/{upload_id}/annotated").status_code == 404
    fixed = c.get(hand_in(c, link, workbook(folder, 1)).headers["location"])
    assert 'id="status">已通过' in fixed.text


def test_a_file_that_could_not_be_read_has_no_annotated_copy(served):
    c = client(served)
    bad = served[2] / "坏文件.xlsx"
    bad.write_bytes(b"not a workbook at all")
    link = office_link(served, 2)
    where = hand_in(c, link, bad).headers["location"]
    assert "F-NOT-XLSX" in c.get(where).text
    assert c.get(where + "/annotated").status_code == 404


@pytest.mark.parametrize("case", ["no-token", "other-office-token", "other-site", "no-file", "not-a-form",
                                  "two-files", "too-large", "bad-length"])
def test_an_upload_form_is_refused_and_nothing_is_stored(served, case):
    c = client(served)
    link, other = office_link(served, 3), office_link(served, 2)
    path = workbook(served[2], 4)
    token = form_token(c.get(link).text)
    before = stored(served)
    files = {"file": (path.name, path.read_bytes())}
    headers, data = dict(ORIGIN), {"csrf": token}
    if case == "no-token":
        data = {}
    elif case == "other-office-token":
        data = {"csrf": form_token(c.get(other).text)}
    elif case == "other-site":
        headers = {"Origin": "http://evil.example"}
    elif case == "no-file":
        files = {"file": ("", b"")}
    elif case == "too-large":
        files = {"file": ("大.xlsx", b"PK" + b"\0" * (LIMIT + 10))}
    if case == "not-a-form":
        r = c.post(f"{link}/upload", content=b"csrf=" + token.encode(), headers={**headers,
                   "Content-Type": "application/x-www-form-urlencoded"})
    elif case == "two-files":
        r = c.post(f"{link}/upload", data=data, files=[("file", ("a.xlsx", b"1")), ("file", ("b.xlsx", b"2"))],
                   headers=headers)
    elif case == "bad-length":
        r = c.post(f"{link}/upload", data=data, files=files, headers={**headers, "Content-Length": "lots"})
    else:
        r = c.post(f"{link}/upload", data=data, files=files, headers=headers)
    expected = {"no-token": 403, "other-office-token": 403, "other-site": 403, "too-large": 413}.get(case, 400)
    assert r.status_code == expected
    assert "<h1>" in r.text or "<title>" in r.text  # a page, not a trace
    assert stored(served) == before
    assert not list((served[1].store.folder / "tmp").glob("upload.*"))  # no temporary file left


# -- the board ------------------------------------------------------------------------------------
BOARD_PAGES = ["/board", "/board/summary.xlsx", "/board/status.xlsx", "/board/office/1", "/board/u/1/original"]


@pytest.mark.parametrize("path", BOARD_PAGES)
def test_the_board_needs_the_login(served, path):
    c = client(served)
    r = c.get(path)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    c.cookies.set(SESSION_COOKIE, "9999999999.abcd.0123")  # a forged session
    assert c.get(path).status_code == 303


def test_login_refuses_a_wrong_password_a_stale_form_and_then_a_guesser(served):
    c = client(served)
    token = form_token(c.get("/login").text)
    assert c.post("/login", data={"csrf": "0" * 64, "password": PASSWORD}, headers=ORIGIN).status_code == 403
    assert c.post("/login", data={"csrf": token, "password": PASSWORD},
                  headers={"Origin": "http://evil.example"}).status_code == 403
    served[0].state.limiter.failures.clear()
    codes = [c.post("/login", data={"csrf": token, "password": f"guess-{n}"}, headers=ORIGIN).status_code
             for n in range(LOGIN_ATTEMPTS + 1)]
    assert codes == [401] * LOGIN_ATTEMPTS + [429]
    assert c.post("/login", data={"csrf": token, "password": PASSWORD}, headers=ORIGIN).status_code == 429
    served[0].state.limiter.failures.clear()


def test_login_sets_a_strict_httponly_session_and_logout_ends_it(served):
    c = client(served)
    token = form_token(c.get("/login").text)
    r = c.post("/login", data={"csrf": token, "password": PASSWORD}, headers=ORIGIN)
    cookie = r.headers["set-cookie"]
    assert r.headers["location"] == "/board" and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    board = c.get("/board")
    assert board.status_code == 200 and all(o.name in board.text for o in served[1].offices)
    assert c.post("/logout", data={"csrf": "0" * 64}, headers=ORIGIN).status_code == 403
    out = c.post("/logout", data={"csrf": form_token(board.text)}, headers=ORIGIN)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert c.get("/board").status_code == 303


def test_the_board_opens_an_office_adds_a_file_and_serves_the_stored_files(served):
    c = logged_in(served)
    office = served[1].offices[3]
    page = c.get(f"/board/office/{office.id}")
    assert page.status_code == 200 and office.name in page.text
    assert c.get("/board/office/999").status_code == 404
    path = workbook(served[2], 4)
    sent = c.post(f"/board/office/{office.id}/upload", data={"csrf": form_token(page.text)},
                  files={"file": (path.name, path.read_bytes())}, headers=ORIGIN)
    assert sent.status_code == 303 and sent.headers["location"] == f"/board/office/{office.id}"
    assert c.post(f"/board/office/{office.id}/upload", data={"csrf": "0" * 64},
                  files={"file": (path.name, path.read_bytes())}, headers=ORIGIN).status_code == 403
    added = served[1].store.uploads(office.id)[-1]
    assert added.by_board
    original = c.get(f"/board/u/{added.id}/original")
    assert original.content == path.read_bytes()
    marked = c.get(f"/board/u/{added.id}/annotated")
    assert FMT.annotate["sheet"] in load_workbook(io.BytesIO(marked.content)).sheetnames
    assert c.get("/board/u/99999/original").status_code == 404


def test_the_board_downloads_the_summary_and_the_status_list(served):
    c = logged_in(served)
    hand_in(c, office_link(served, 1), workbook(served[2], 2))
    summary = load_workbook(io.BytesIO(c.get("/board/summary.xlsx").content))
    assert summary.sheetnames[0] == FMT.summary["overview"]["sheet"]
    status = load_workbook(io.BytesIO(c.get("/board/status.xlsx").content)).active
    names = [row[1] for row in status.iter_rows(min_row=3, values_only=True)]
    assert names == [o.name for o in served[1].offices]
    assert not list((served[1].store.folder / "tmp").glob("download.*"))  # removed once sent


def test_a_workbook_of_another_year_is_refused_on_the_page_as_the_summary_refuses_it(served):
    """The issue's case: a 2024 workbook on its office's link in a 2025 collection. The page says
    有错误 with C5 (no server path, no command-line option); the board does not count it; the
    summary does not include it and shows no server path either."""
    c = logged_in(served)
    office = served[1].offices[3]
    v = agency(4, {"id.year": 2024})
    sent = hand_in(c, office_link(served, 3), write(served[2] / "上年的报表.xlsx", v))
    page = c.get(sent.headers["location"]).text
    assert "本次上传未计入汇总" in page and "C5" in page and "报告年度为 2024" in page
    assert "--" not in _text_of(page) and str(served[1].store.folder) not in page
    upload_id = int(sent.headers["location"].rsplit("/", 1)[1])
    row = next(r for r in served[1].rows() if r.office.id == office.id)
    assert row.counted is None or row.counted.id != upload_id  # the board does not count it
    summary = load_workbook(io.BytesIO(c.get("/board/summary.xlsx").content))
    texts = " ".join(str(v) for ws in summary for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "上年的报表" not in texts  # not in the summary, not even as a rejected file
    assert str(served[1].store.folder) not in texts and "/tmp" not in texts


def _text_of(html: str) -> str:
    """The page's visible text (tags, attributes and the style sheet's comments left out)."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", html, flags=re.S))


# -- every response ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/login", "/board", "/o/nothing", "/static/site.css"])
def test_every_response_carries_the_security_headers(served, path):
    r = client(served).get(path)
    for name, value in HEADERS.items():
        assert r.headers[name] == value, (path, name)


def test_every_route_was_tried(request):
    """Each route of the table was asked for by a test above (when the whole module runs)."""
    here = [i for i in request.session.items if i.module is request.module and i.name != request.node.name]
    if len(here) < len([i for i in request.module.__dict__ if i.startswith("test_")]) - 1:
        pytest.skip("only part of the module was selected")
    untried = []
    for route in ROUTES:
        if not hasattr(route, "methods"):  # the static files' mount
            continue
        if not any(method in route.methods and route.path_regex.match(path) for method, path in Recording.asked):
            untried.append(route.path)
    assert untried == []


@pytest.mark.parametrize("key, facts", [("F-TIMEOUT", {"seconds": "60"}),
                                        ("C5/resubmitted", {"agency": "甲", "others": "乙"}),
                                        ("F-TOO-MANY-PARTS", {"count": 9, "limit": 5, "flag": "--max-parts"})])
def test_a_page_never_tells_an_office_to_use_a_command_line_option(key, facts):
    from xlsx_tools.collect.web import located
    from xlsx_tools.format.findings import registered

    finding = registered(key, file="甲.xlsx", **facts)
    assert "--" in finding.hint  # the command line's hint …
    (shown,) = located([finding])
    assert "--" not in shown["hint"] + shown["message"] and shown["hint"].endswith("。")  # … not the page's


@pytest.mark.parametrize("path", ["/o/{token}/u/99999999999999999999", "/o/{token}/u/99999999999999999999/annotated",
                                  "/board/office/99999999999999999999", "/board/u/99999999999999999999/original"])
def test_an_id_too_large_for_the_database_is_a_404_page(served, path):
    c = logged_in(served)
    got = c.get(path.format(token=served[1].offices[0].token))
    assert got.status_code == 404 and "页面不存在" in got.text


@pytest.mark.parametrize("sent, kept", [("报表\u202excod.exe.xlsx", "报表xcod.exe.xlsx"),  # a right-to-left override
                                        ("科技局\u200b年报.xlsx", "科技局年报.xlsx"),  # a zero-width space
                                        ("..\\..\\科技局.xlsx", "科技局.xlsx")])
def test_format_and_control_characters_and_folders_leave_the_shown_file_name(sent, kept):
    from xlsx_tools.collect.upload import shown_name

    assert shown_name(sent) == kept


def test_a_macro_workbook_is_refused_and_never_handed_out(served):
    import corpus

    c = logged_in(served)
    path = served[2] / "带宏.xlsm"
    path.write_bytes(corpus.bytes_of("F-MACRO__macro-enabled.xlsm"))
    where = hand_in(c, office_link(served, 2), path).headers["location"]
    assert "F-MACRO" in c.get(where).text
    upload_id = where.rsplit("/", 1)[1]
    refused = c.get(f"/board/u/{upload_id}/original")
    assert refused.status_code == 403 and "含有宏" in refused.text
    assert c.get(f"/board/u/{upload_id}/annotated").status_code == 404  # nothing read: no annotated copy


@pytest.mark.parametrize("where", ["receiving", "keeping"])
def test_a_data_folder_that_cannot_take_the_file_is_a_chinese_503_and_a_log_line(served, monkeypatch, caplog, where):
    """The disk full (or read-only) while the file arrives or while it is kept: a page that says
    so, a line in the log, nothing half-stored, never a bare 500 or "表单不完整"."""
    import errno

    store = served[1].store

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "temporary" if where == "receiving" else "keep", full)
    c = client(served)
    before = stored(served)
    with caplog.at_level("ERROR", logger="nianbao.serve"):
        got = hand_in(c, office_link(served, 1), workbook(served[2], 2))
    assert got.status_code == 503 and "暂时无法保存" in got.text and "磁盘空间已满" in got.text
    assert "表单不完整" not in got.text and "No space" not in got.text
    assert any("收集目录无法写入" in r.getMessage() for r in caplog.records)
    assert stored(served) == before


def test_identical_bytes_are_checked_once_and_each_upload_still_judged(served, monkeypatch):
    """The same file sent again (by this office or another) is not read again; its result page is
    the same, under its own name, and another office sending it is told it is not theirs."""
    from xlsx_tools.collect import checking

    reads = []
    real = checking.Checker._read

    async def counting(self, path, name):
        reads.append(name)
        return await real(self, path, name)

    monkeypatch.setattr(checking.Checker, "_read", counting)
    c = client(served)
    path = workbook(served[2], 3)
    first = c.get(hand_in(c, office_link(served, 2), path).headers["location"]).text
    again = c.get(hand_in(c, office_link(served, 2), path, name="再传一次.xlsx").headers["location"]).text
    other = c.get(hand_in(c, office_link(served, 0), path).headers["location"]).text
    assert len(reads) <= 1  # read at most once (an earlier test may have sent these very bytes)
    assert 'id="status">已通过' in first and "再传一次.xlsx" in again and "本次上传未计入汇总" not in again
    assert "COL-OTHER-AGENCY" in other  # the cached report is still judged for whoever sends it
