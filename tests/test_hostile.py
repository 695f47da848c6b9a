"""Hostile use of `nianbao serve` and of the readers (issue 30), one test per situation of
docs/HOSTILE-USE.md. The in-process ones run in the quick tier; the ones that need a real server on
the loopback address (a heavy file, a flood, six hundred slow sockets, TLS, a reverse proxy) are in
the slow tier, and each stops by itself: every socket has a timeout, every server is stopped."""

from __future__ import annotations

import io
import re
import socket
import struct
import time
import zipfile
from pathlib import Path

import pytest
from collecting import YEAR, form_token, make_roster, workbook
from starlette.testclient import TestClient

from xlsx_tools.check.validate import validate_paths
from xlsx_tools.collect.app import create_app
from xlsx_tools.collect.checking import Checker
from xlsx_tools.collect.quotas import Quotas
from xlsx_tools.collect.security import LOGIN_COOKIE, SESSION_COOKIE, hash_password
from xlsx_tools.collect.service import Collection
from xlsx_tools.collect.state import Store
from xlsx_tools.collect.web import Settings
from xlsx_tools.consolidate.roster import read_roster
from xlsx_tools.read import pool

PASSWORD = "hostile-board-password"
ORIGIN = {"Origin": "http://testserver"}


# -- files that lie -------------------------------------------------------------------------------
def _lying(source: Path, target: Path, part: str, payload: bytes, declared: int,
           method: int = zipfile.ZIP_DEFLATED) -> Path:
    """``source`` with ``part`` replaced by ``payload``, its directory entries saying ``declared`` bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = payload if info.filename == part else zin.read(info)
            zout.writestr(info.filename, data, compress_type=method if info.filename == part else zipfile.ZIP_DEFLATED)
    data = bytearray(out.getvalue())
    name = part.encode()
    for signature, size_at, name_at in ((b"PK\x01\x02", 24, 46), (b"PK\x03\x04", 22, 30)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at:at + name_at + len(name)] == name:
                data[at + size_at:at + size_at + 4] = struct.pack("<I", declared)
            at = data.find(signature, at + 4)
    target.write_bytes(bytes(data))
    return target


def test_a_zip_that_lies_about_its_sizes_is_stopped_while_it_inflates(tmp_path):
    bomb = b"<workbook>" + b" " * (300 * 1024 * 1024)  # 300 MB of blanks, about 300 KB deflated
    path = _lying(workbook(tmp_path, 1), tmp_path / "说谎.xlsx", "xl/workbook.xml", bomb, declared=2000)
    assert path.stat().st_size < 2 * 1024 * 1024
    report = validate_paths([path])[0]
    codes = [f.code for f in report.findings]
    assert codes == ["F-TOO-BIG"] and "声明解压后为" in report.findings[0].message
    assert not report.readable


def test_an_honest_file_with_the_same_part_is_read(tmp_path):
    """The quiet side: a real workbook's parts, inflated the same bounded way, read clean."""
    report = validate_paths([workbook(tmp_path, 1)])[0]
    assert report.readable and not [f for f in report.findings if f.severity == "error"]


def test_a_compression_method_no_workbook_uses_is_refused(tmp_path):
    source = workbook(tmp_path, 1)
    with zipfile.ZipFile(source) as z:
        book = z.read("xl/workbook.xml")
    path = _lying(source, tmp_path / "lzma.xlsx", "xl/workbook.xml", book, len(book), zipfile.ZIP_LZMA)
    report = validate_paths([path])[0]
    assert [f.code for f in report.findings] == ["F-CORRUPT"] and "压缩方式" in report.findings[0].message


# -- in-process: sessions, the login form, quotas -------------------------------------------------
@pytest.fixture
def served(tmp_path):
    store = Store(tmp_path / "data")
    with pytest.MonkeyPatch.context() as mp:  # the Checker starts workers by a fork server, as a server does
        mp.setitem(pool._START, "method", pool._START["method"])
        collection = Collection(store, read_roster(make_roster(tmp_path, range(1, 4))), YEAR, checker=Checker(jobs=1),
                                limited=Quotas(uploads_per_hour=3, office_mb=0.5, data_gb=1.0, keep_unreadable=2))
        app = create_app(collection, Settings(hash_password(PASSWORD), store.secret(), 2 * 1024 * 1024))
        yield app, collection, tmp_path
    store.close()


def _login(app) -> TestClient:
    c = TestClient(app, follow_redirects=False)
    token = form_token(c.get("/login").text)
    assert c.post("/login", data={"csrf": token, "password": PASSWORD}, headers=ORIGIN).status_code == 303
    return c


def _hand_in(c: TestClient, link: str, name: str, data: bytes):
    token = form_token(c.get(link).text)
    return c.post(f"{link}/upload", data={"csrf": token}, files={"file": (name, data)}, headers=ORIGIN)


def test_logging_out_ends_the_session_on_the_server_not_only_in_the_browser(served):
    app, collection, _ = served
    c = _login(app)
    stolen = c.cookies.get(SESSION_COOKIE)
    board = c.get("/board")
    assert board.status_code == 200
    assert c.post("/logout", data={"csrf": form_token(board.text)}, headers=ORIGIN).status_code == 303
    thief = TestClient(app, follow_redirects=False, cookies={SESSION_COOKIE: stolen})
    assert thief.get("/board").status_code == 303  # a copy of the cookie is dead too
    other = _login(app)  # a session that was not logged out lives …
    assert other.get("/board").status_code == 200
    collection.store.end_sessions()  # … until a new password ends every session (serve --new-password)
    assert other.get("/board").status_code == 303


def test_each_browser_gets_its_own_login_form_token(served):
    app = served[0]
    a, b = TestClient(app, follow_redirects=False), TestClient(app, follow_redirects=False)
    token_a, token_b = form_token(a.get("/login").text), form_token(b.get("/login").text)
    assert token_a != token_b and a.cookies.get(LOGIN_COOKIE) != b.cookies.get(LOGIN_COOKIE)
    assert b.post("/login", data={"csrf": token_a, "password": PASSWORD}, headers=ORIGIN).status_code == 403
    assert b.post("/login", data={"csrf": token_b, "password": PASSWORD}, headers=ORIGIN).status_code == 303


def test_an_office_past_its_hourly_uploads_gets_a_chinese_page_and_the_board_a_log_line(served):
    app, collection, folder = served
    c = TestClient(app, follow_redirects=False)
    link = f"/o/{collection.offices[0].token}"
    data = workbook(folder, 1).read_bytes()
    codes = [_hand_in(c, link, f"第{n}次.xlsx", data).status_code for n in range(4)]
    assert codes == [303, 303, 303, 429]
    refused = _hand_in(c, link, "再来.xlsx", data)
    assert refused.status_code == 429 and "一小时内最多上传 3 次" in refused.text
    assert len(collection.store.uploads(collection.offices[0].id)) == 3  # nothing of the refused kept
    other = f"/o/{collection.offices[1].token}"  # another office is not touched
    assert _hand_in(c, other, "乙.xlsx", workbook(folder, 2).read_bytes()).status_code == 303
    board = _login(app).get("/board").text
    assert "服务器日志" in board and "一小时内最多上传 3 次" in board and collection.offices[0].name in board


def test_an_office_past_its_stored_bytes_is_refused_and_nothing_is_kept(served):
    app, collection, folder = served
    c = TestClient(app, follow_redirects=False)
    link = f"/o/{collection.offices[0].token}"
    noise = [bytes([n]) * 300 * 1024 for n in range(2)]  # 300 KB each of bytes no reader takes
    assert _hand_in(c, link, "一.xlsx", noise[0]).status_code == 303
    refused = _hand_in(c, link, "二.xlsx", noise[1])  # 600 KB > 0.5 MB
    assert refused.status_code == 429 and "0.5 MB 的上限" in refused.text
    assert len([p for p in (collection.store.folder / "files").rglob("*") if p.is_file()]) == 1
    assert not list((collection.store.folder / "tmp").iterdir())


def test_the_data_folder_cap_holds_for_every_office(served, monkeypatch):
    app, collection, folder = served
    monkeypatch.setattr(collection, "quotas", Quotas(uploads_per_hour=0, office_mb=100, data_gb=0.0005))
    c = TestClient(app, follow_redirects=False)
    data = workbook(folder, 1).read_bytes()
    assert _hand_in(c, f"/o/{collection.offices[0].token}", "甲.xlsx", data).status_code == 303
    pad = bytes(520 * 1024)  # with the first file, past 0.5 MB
    refused = _hand_in(c, f"/o/{collection.offices[1].token}", "乙.xlsx", pad)
    assert refused.status_code == 429 and "总容量上限" in refused.text


def test_only_the_newest_unreadable_files_of_an_office_are_kept(served, monkeypatch):
    app, collection, _ = served
    monkeypatch.setattr(collection, "quotas", Quotas(uploads_per_hour=0, office_mb=100, data_gb=1,
                                                     keep_unreadable=2))
    c = TestClient(app, follow_redirects=False)
    office = collection.offices[0]
    for n in range(4):
        assert _hand_in(c, f"/o/{office.token}", f"乱码{n}.xlsx", f"not a workbook {n}".encode()).status_code == 303
    files = collection.store.uploads(office.id)
    kept = [collection.store.path_of(u.sha256).exists() for u in files]
    assert kept == [False, False, True, True]  # the rows and their findings stay, the oldest files go
    board = _login(app)
    gone = board.get(f"/board/u/{files[0].id}/original")
    assert gone.status_code == 410 and "文件已清理" in gone.text
    assert board.get(f"/board/u/{files[3].id}/original").status_code == 200
