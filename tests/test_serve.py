"""`nianbao serve` (issue 20) over HTTP: a real server on the loopback address, requests as a
browser sends them. Offices hand in workbooks through their own links and see the validator's
findings at once; the board needs the login; the summary is `nianbao merge`'s; nothing an office
sends can reach another office or a path of its choosing; a restart loses nothing."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import pytest
import requests
from batches import nianbao, sheet_contents
from collecting import PASSWORD, Server, form_token, login, make_roster, upload, workbook
from openpyxl import load_workbook

from xlsx_tools.format.declaration import load
from xlsx_tools.read.reader import read_path

pytestmark = pytest.mark.slow  # a real server process (every route also runs in-process: test_serve_routes)

FMT = load()
AGENCIES = range(1, 9)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve")
    s = Server(folder, make_roster(folder, AGENCIES)).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def links(server):
    return list(server.links().values())


def test_the_links_list_names_every_roster_agency_with_its_own_unguessable_link(server, links):
    assert len(links) == len(AGENCIES) == len(set(links))
    tokens = [link.rsplit("/", 1)[1] for link in links]
    assert all(len(t) >= 32 for t in tokens)


def test_an_office_hands_in_a_broken_then_a_fixed_workbook(server, links, tmp_path):
    office = requests.Session()
    page = office.get(links[0])
    assert "某区教育局" in page.text and "未报送" in page.text and "2026-01-31" in page.text
    broken = upload(office, links[0], workbook(tmp_path, 1, broken=True))
    assert broken.status_code == 200 and "/u/" in broken.url
    assert "有错误" in broken.text and "表三!" in broken.text  # located to the sheet and cell
    annotated = office.get(broken.url + "/annotated")
    assert annotated.status_code == 200
    assert FMT.annotate["sheet"] in load_workbook(io.BytesIO(annotated.content)).sheetnames
    fixed = upload(office, links[0], workbook(tmp_path, 1))
    assert 'id="status">已通过' in fixed.text
    assert "校验通过，已计入汇总" in fixed.text


def test_the_findings_are_the_validators(server, links, tmp_path):
    path = workbook(tmp_path, 2, broken=True)
    shown = upload(requests.Session(), links[1], path)
    proc = nianbao("validate", path, "--format", "json")
    findings = json.loads(proc.stdout)["files"][0]["findings"]
    assert findings and any(f["severity"] == "error" for f in findings)
    for f in findings:  # each with its code, its place and its message, as validate says it
        assert f["code"] in shown.text and f"{f['sheet']}!{f['cell']}" in shown.text
        assert html.escape(f["message"], quote=False) in shown.text


def test_a_workbook_of_another_agency_is_refused_for_this_office(server, links, tmp_path):
    shown = upload(requests.Session(), links[2], workbook(tmp_path, 5))
    assert "COL-OTHER-AGENCY" in shown.text
    assert "上传的是“某区文化旅游局”的报表，不是本单位（某区财政局）的" in shown.text
    assert "有错误" in shown.text


def test_one_office_reaches_nothing_of_another(server, links, tmp_path):
    a, b = requests.Session(), requests.Session()
    shown = upload(a, links[3], workbook(tmp_path, 4))
    upload_id = shown.url.rsplit("/", 1)[1]
    assert b.get(f"{links[4]}/u/{upload_id}").status_code == 404
    assert b.get(f"{links[4]}/u/{upload_id}/annotated").status_code == 404
    assert b.get(f"{server.base}/o/{'x' * 32}").status_code == 404
    token_a = links[3].rsplit("/", 1)[1]
    assert b.get(f"{server.base}/o/{token_a[:-1]}{'A' if token_a[-1] != 'A' else 'B'}").status_code == 404
    # office B's form token does not work on office A's link
    token_b = form_token(b.get(links[4]).text)
    with open(workbook(tmp_path, 4), "rb") as fh:
        r = b.post(f"{links[3]}/upload", data={"csrf": token_b}, files={"file": ("x.xlsx", fh)},
                   headers={"Origin": server.base})
    assert r.status_code == 403


def test_the_board_and_its_downloads_need_the_login(server):
    anonymous = requests.Session()
    for path in ("/board", "/board/summary.xlsx", "/board/status.xlsx", "/board/office/1", "/board/u/1/file"):
        r = anonymous.get(server.base + path, allow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    forged = requests.Session()
    forged.cookies.set("nianbao_board", "9999999999.abcd.0123")
    assert forged.get(server.base + "/board", allow_redirects=False).status_code == 303


def test_login_sets_a_strict_httponly_cookie_and_the_board_lists_every_agency(server):
    board = requests.Session()
    r = login(board, server.base)
    assert r.status_code == 200 and r.url.endswith("/board")
    cookie = r.history[0].headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert all(f"某区{name}" in r.text for name in ("教育局", "某某街道办事处", "财政局"))


def test_login_attempts_are_limited(tmp_path):
    s = Server(tmp_path, make_roster(tmp_path, range(1, 3))).start()
    try:
        guesser = requests.Session()
        codes = [login(guesser, s.base, f"guess-{i}").status_code for i in range(7)]
        assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
        assert login(guesser, s.base).status_code == 429  # even the right password waits
    finally:
        s.stop()


def test_forms_without_their_token_or_from_another_site_are_refused(server, links, tmp_path):
    s = requests.Session()
    r = s.post(f"{server.base}/login", data={"password": PASSWORD}, headers={"Origin": server.base})
    assert r.status_code == 403
    before = server.stored_files()
    r = upload(s, links[5], workbook(tmp_path, 6), origin="http://evil.example")
    assert r.status_code == 403 and server.stored_files() == before


def test_an_upload_over_the_limit_is_refused_and_nothing_is_stored(server, links, tmp_path):
    big = tmp_path / "大文件.xlsx"
    big.write_bytes(b"PK" + b"\0" * int(server.max_upload_mb * 1024 * 1024 + 10))
    before = server.stored_files()
    r = upload(requests.Session(), links[5], big)
    assert r.status_code == 413 and "超过" in r.text
    assert server.stored_files() == before
    assert not list((server.data / "tmp").glob("*.part"))  # the partial file removed


def test_the_clients_file_name_is_never_a_path(server, links, tmp_path):
    r = upload(requests.Session(), links[6], workbook(tmp_path, 7), name="../../../outside.xlsx")
    assert r.status_code == 200 and "outside.xlsx" in r.text and "../" not in r.text
    assert not (server.folder / "outside.xlsx").exists() and not (server.data.parent / "outside.xlsx").exists()
    assert all(len(p.stem) == 64 for p in server.stored_files())  # stored by SHA-256 only


def test_every_response_carries_the_security_headers(server, links):
    for url in (server.base, links[0], f"{server.base}/login", f"{server.base}/static/site.css"):
        h = requests.get(url).headers
        policy = h["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"


def test_the_server_listens_on_loopback_only_by_default(server):
    """/proc/net/tcp lists the listening socket: 127.0.0.1 (0100007F), not 0.0.0.0."""
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    mine = [f[1] for f in listening if f[3] == "0A" and int(f[1].split(":")[1], 16) == server.port]
    assert mine == [f"0100007F:{server.port:04X}"]


def test_the_board_shows_statuses_exports_them_and_merges_the_accepted_uploads(server, links, tmp_path):
    office = requests.Session()
    upload(office, links[7], workbook(tmp_path, 8, broken=True))
    board = requests.Session()
    page = login(board, server.base).text
    assert "有错误" in page and "已通过" in page and "未报送" in page
    status = load_workbook(io.BytesIO(board.get(server.base + "/board/status.xlsx").content)).active
    rows = {r[1]: r[3] for r in status.iter_rows(min_row=3, values_only=True)}
    assert rows["某区某某街道办事处"] == "有错误" and rows["某区教育局"] == "已通过"
    summary = board.get(server.base + "/board/summary.xlsx")
    assert summary.status_code == 200
    got = tmp_path / "网页汇总.xlsx"
    got.write_bytes(summary.content)
    # the same files through nianbao merge: the uploads that count, as the board says
    accepted = tmp_path / "accepted"
    accepted.mkdir()
    for n, row in enumerate(status.iter_rows(min_row=3, values_only=True)):
        if row[3].startswith("已通过"):
            (accepted / f"{n}.xlsx").write_bytes(_counted_file(server, row[1]))
    merged = tmp_path / "命令汇总.xlsx"
    assert nianbao("merge", accepted, "-o", merged, "--roster", server.roster, "--year", "2025").returncode in (0, 1)
    a, b = sheet_contents(got), sheet_contents(merged)
    for table in ("t2", "t3", "t4"):
        name = FMT.table(table).sheet
        assert a[name] == b[name], name


def _counted_file(server: Server, agency: str) -> bytes:
    (sha,), = server.query("select u.sha256 from uploads u join offices o on o.id = u.office_id where o.name = ? "
                           "and u.readable and u.errors = 0 order by u.id desc limit 1", agency)
    return (server.data / "files" / sha[:2] / f"{sha}.xlsx").read_bytes()


def test_a_restart_loses_nothing(tmp_path):
    s = Server(tmp_path, make_roster(tmp_path, range(1, 4))).start()
    try:
        links = s.links()
        first = list(links.values())[0]
        upload(requests.Session(), first, workbook(tmp_path, 1))
        s.stop()
        s.start()
        assert s.links() == links  # the same links after a restart
        assert 'id="status">已通过' in requests.get(first).text
    finally:
        s.stop()


def test_the_same_file_twice_is_stored_once_and_counted_twice(server, links, tmp_path):
    path = workbook(tmp_path, 3)
    office = requests.Session()
    upload(office, links[2], path)
    before = server.stored_files()
    page = upload(office, links[2], path)
    assert server.stored_files() == before
    assert page.text.count(path.name) >= 3  # the result's heading, the counted file, and both rows of the list
    assert path.read_bytes() in {p.read_bytes() for p in before}  # stored exactly as sent


def test_the_board_opens_an_agency_its_files_and_adds_a_file_that_came_by_email(server, links, tmp_path):
    office = requests.Session()
    broken = workbook(tmp_path, 5, broken=True)
    upload(office, links[4], broken)
    board = requests.Session()
    login(board, server.base)
    (office_id,), = server.query("select id from offices where name = ?", "某区文化旅游局")
    page = board.get(f"{server.base}/board/office/{office_id}")
    assert "某区文化旅游局" in page.text and "表三!" in page.text and "R1" in page.text
    upload_id = re.search(r"/board/u/(\d+)/file", page.text)[1]
    original = board.get(f"{server.base}/board/u/{upload_id}/file")
    assert original.content == broken.read_bytes()  # the file exactly as the office sent it
    assert FMT.annotate["sheet"] in load_workbook(
        io.BytesIO(board.get(f"{server.base}/board/u/{upload_id}/annotated").content)).sheetnames
    # the fixed file arrives by e-mail; the consolidator adds it on the board
    with open(workbook(tmp_path, 5), "rb") as fh:
        added = board.post(f"{server.base}/board/office/{office_id}/upload", files={"file": ("邮件附件.xlsx", fh)},
                           data={"csrf": form_token(page.text)}, headers={"Origin": server.base})
    assert added.status_code == 200 and "汇总单位添加" in added.text and "已通过" in added.text
    assert 'id="status">已通过' in office.get(links[4]).text  # the office sees it too
    # an office's link reaches none of this
    assert office.get(f"{server.base}/board/office/{office_id}", allow_redirects=False).status_code == 303


def test_an_office_downloads_its_personalised_template(server, links, tmp_path):
    r = requests.get(f"{links[1]}/template")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / "模板.xlsx"
    path.write_bytes(r.content)
    values = read_path(path).values
    assert (values["id.name"], values["id.year"]) == ("某区某某街道办事处", 2025)
