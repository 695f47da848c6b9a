"""Hostile use of `nianbao serve` and of the readers (issue 30), one test per situation of
docs/HOSTILE-USE.md. The in-process ones run in the quick tier; the ones that need a real server on
the loopback address (a heavy file, a flood, six hundred slow sockets, TLS, a reverse proxy) are in
the slow tier, and each stops by itself: every socket has a timeout, every server is stopped."""

from __future__ import annotations

import io
import os
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


# -- a real server on the loopback address (slow tier) -------------------------------------------
def heavy(source: Path, target: Path, rows: int, salt: int = 0, part: str = "xl/worksheets/sheet2.xml") -> Path:
    """``source`` with ``rows`` × 40 numbers far below its tables: valid (one warning), quick to
    validate, slow and large for anything that loads every cell (as the issue's 3.3 million)."""
    columns = [chr(65 + i) if i < 26 else "A" + chr(39 + i) for i in range(40)]
    out = io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == part:
                extra = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{(r * 7 + salt) % 1000}</v></c>'
                                                           for c in columns) + "</row>"
                                for r in range(5001, 5001 + rows))
                data = data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
            zout.writestr(info.filename, data)
    target.write_bytes(out.getvalue())
    return target


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _timed_get(url: str, **kwargs) -> tuple[int, float]:
    import requests

    start = time.monotonic()
    r = requests.get(url, timeout=30, **kwargs)
    return r.status_code, time.monotonic() - start


@pytest.mark.slow
def test_a_heavy_workbook_never_holds_the_server(tmp_path):
    """The issue's freeze: an annotated copy of a million-cell workbook. It is made in a worker
    under the time limit (here 8 s: a 503 page in Chinese), the server process stays small, and
    other offices' pages and uploads are answered at once meanwhile."""
    import threading

    import requests
    from collecting import Server, upload

    server = Server(tmp_path, make_roster(tmp_path, range(1, 4)), max_upload_mb=20, timeout=8).start()
    try:
        links = list(server.links().values())
        big = heavy(workbook(tmp_path / "a", 1), tmp_path / "大文件.xlsx", 25_000)
        sent = upload(requests.Session(), links[0], big)
        assert sent.status_code == 200 and "S-DATA-OUTSIDE-TABLE" in sent.text  # valid, with its warning
        answer = {}

        def annotate():
            answer["r"] = requests.get(sent.url + "/annotated", timeout=120)

        worker = threading.Thread(target=annotate)
        worker.start()
        time.sleep(1)
        times = []
        while worker.is_alive():
            code, took = _timed_get(links[1])
            assert code == 200
            times.append(took)
            time.sleep(0.5)
        worker.join()
        ok = upload(requests.Session(), links[2], workbook(tmp_path / "c", 3))
        assert ok.status_code == 200 and "已通过" in ok.text
        assert requests.get(ok.url + "/annotated", timeout=60).status_code == 200
        assert times and max(times) < 2, times
        r = answer["r"]
        assert r.status_code == 503 and "标注副本暂时无法生成" in r.text and "8 秒" in r.text
        assert _rss_mb(server.process.pid) < 400  # the server itself: the workbook was loaded elsewhere
        again = time.monotonic()  # a copy that could not be made is not tried again
        assert requests.get(sent.url + "/annotated", timeout=30).status_code == 503
        assert time.monotonic() - again < 2
    finally:
        server.stop()


@pytest.mark.slow
def test_one_office_flooding_heavy_files_does_not_delay_another(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from collecting import Server, upload

    server = Server(tmp_path, make_roster(tmp_path, range(1, 3)), max_upload_mb=20).start()
    try:
        links = list(server.links().values())
        source = workbook(tmp_path / "a", 1)
        floods = [heavy(source, tmp_path / f"洪水{n}.xlsx", 25_000, salt=n) for n in range(8)]  # distinct bytes
        with ThreadPoolExecutor(len(floods)) as flooders:
            flooding = [flooders.submit(upload, requests.Session(), links[0], f) for f in floods]
            time.sleep(2)  # the flood is in
            start = time.monotonic()
            mine = upload(requests.Session(), links[1], workbook(tmp_path / "b", 2))
            took = time.monotonic() - start
            assert all(f.result().status_code == 200 for f in flooding)
        assert mine.status_code == 200 and "已通过" in mine.text
        assert took < 10, took
        assert len(server.query("select id from uploads")) == len(floods) + 1
    finally:
        server.stop()


@pytest.mark.slow
def test_six_hundred_slow_sockets_do_not_take_the_service_away(tmp_path):
    """Slow clients on many loopback addresses each send half a request line and wait: a normal
    page is answered in under 2 s throughout, and the server closes every slow socket once its
    header time is up. One address opening more than its share is cut off at once."""
    from collecting import Server

    server = Server(tmp_path, make_roster(tmp_path, range(1, 3))).start()
    slow: list[socket.socket] = []
    try:
        for n in range(600):
            s = socket.socket()
            s.settimeout(30)
            s.bind((f"127.0.{1 + n // 20}.{1 + n % 20}", 0))  # 20 per address: under the per-address cap
            s.connect(("127.0.0.1", server.port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(s)
        opened = time.monotonic()
        times = []
        while time.monotonic() - opened < 8:
            code, took = _timed_get(server.base + "/")
            assert code == 200
            times.append(took)
            time.sleep(0.5)
        assert max(times) < 2, times
        closed = 0
        for s in slow:  # the header time (10 s) is up by now, or soon: each reads its end
            s.settimeout(max(0.1, opened + 20 - time.monotonic()))
            try:
                closed += s.recv(1024) == b""
            except ConnectionResetError:
                closed += 1
        assert closed == len(slow)
        greedy = []
        for _ in range(80):  # one address: 64 connections at most
            s = socket.socket()
            s.settimeout(10)
            s.bind(("127.0.99.99", 0))
            s.connect(("127.0.0.1", server.port))
            greedy.append(s)
        time.sleep(1)
        cut = 0
        for s in greedy:
            s.setblocking(False)
            try:
                cut += s.recv(1) == b""
            except BlockingIOError:  # still open: waiting for its request
                pass
            except ConnectionResetError:
                cut += 1
        assert cut == 80 - 64
        for s in greedy:
            s.close()
        assert _timed_get(server.base + "/")[0] == 200
        said = (tmp_path / "serve.log").read_text(encoding="utf-8")
        assert "来自 127.0.99.99 的连接超过 64 个" in said and "的请求头迟迟未送完" in said  # each said, not flooded
        assert said.count("127.0.99.99") == 1
    finally:
        for s in slow:
            s.close()
        server.stop()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key (PEM)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return certfile, keyfile


def _guess(session, base: str, forwarded: str, **kwargs) -> int:
    page = session.get(f"{base}/login", timeout=30, **kwargs)
    return session.post(f"{base}/login", data={"csrf": form_token(page.text), "password": "wrong-guess"},
                        headers={"Origin": base, "X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"},
                        timeout=30, **kwargs).status_code


@pytest.mark.slow
def test_https_secure_cookies_and_a_limiter_no_header_can_fool(tmp_path):
    import requests
    from collecting import PASSWORD, Server

    certfile, keyfile = _certificate(tmp_path)
    server = Server(tmp_path, make_roster(tmp_path, range(1, 3)), scheme="https",
                    extra=["--certfile", str(certfile), "--keyfile", str(keyfile)]).start()
    try:
        session = requests.Session()
        page = session.get(f"{server.base}/login", verify=str(certfile), timeout=30)
        assert page.status_code == 200 and "Secure" in page.headers["set-cookie"]
        r = session.post(f"{server.base}/login", data={"csrf": form_token(page.text), "password": PASSWORD},
                         headers={"Origin": server.base}, verify=str(certfile), allow_redirects=False, timeout=30)
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]
        assert server.links()[next(iter(server.links()))].startswith("https://")
        guesser = requests.Session()  # a new X-Forwarded-For each time: no proxy is trusted, so it is ignored
        codes = [_guess(guesser, server.base, f"10.0.0.{n}", verify=str(certfile)) for n in range(6)]
        assert codes == [401] * 5 + [429]
        assert "登录尝试过多" in server.query("select text from events")[0][0]
    finally:
        server.stop()


def _trusting(certfile: Path):
    """A session that trusts ``certfile`` (and not the environment's CA bundle, which would win)."""
    import requests

    session = requests.Session()
    session.trust_env, session.verify = False, str(certfile)
    return session


def _guess_from(source: str, port: int, forwarded: str) -> int:
    """A wrong password from the loopback address ``source``, claiming to be ``forwarded``."""
    import http.client
    from urllib.parse import urlencode

    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        c.request("GET", "/login")
        r = c.getresponse()
        html, cookie = r.read().decode(), r.getheader("set-cookie").split(";")[0]
        c.request("POST", "/login", urlencode({"csrf": form_token(html), "password": "wrong-guess"}),
                  {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                   "Origin": f"http://127.0.0.1:{port}", "X-Forwarded-For": forwarded})
        answer = c.getresponse()
        answer.read()
        return answer.status
    finally:
        c.close()


NGINX = """
{user}daemon off; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/nginx-error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy; fastcgi_temp_path {folder}/fcgi;
  uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert}; ssl_certificate_key {key};
    client_max_body_size 25m;
    location / {{
      proxy_pass http://127.0.0.1:{upstream};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_read_timeout 300s;
    }}
  }}
}}
"""


@pytest.mark.slow
def test_behind_nginx_with_tls_as_docs_serving_says(tmp_path):
    """docs/SERVING.md's nginx set-up, for real: TLS at nginx, `--trusted-proxy 127.0.0.1` at
    nianbao. Cookies are Secure, an upload goes through, the limiter keys on the client nginx saw
    (a forged X-Forwarded-For is overwritten by nginx), and the direct port still trusts nobody."""
    import shutil
    import subprocess

    import requests
    from collecting import PASSWORD, Server, free_port, upload

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (.ci/run installs it)")
        pytest.skip("nginx is not installed")
    certfile, keyfile = _certificate(tmp_path)
    server = Server(tmp_path, make_roster(tmp_path, range(1, 3)), extra=["--trusted-proxy", "127.0.0.1"])
    port = free_port()
    server.extra += ["--url", f"https://127.0.0.1:{port}"]
    server.start()
    conf = tmp_path / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # (as root, its workers would be nobody: no temp files)
    conf.write_text(NGINX.format(user=user, folder=tmp_path, port=port, upstream=server.port, cert=certfile,
                                 key=keyfile))
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-p", str(tmp_path)], stderr=subprocess.DEVNULL)
    try:
        base = f"https://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base, verify=str(certfile), timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        session, office = _trusting(certfile), _trusting(certfile)
        page = session.get(f"{base}/login", timeout=30)
        r = session.post(f"{base}/login", data={"csrf": form_token(page.text), "password": PASSWORD},
                         headers={"Origin": base}, allow_redirects=False, timeout=30)
        assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]
        link = next(iter(server.links().values()))
        assert link.startswith(base)
        sent = upload(office, link, workbook(tmp_path / "a", 1))
        assert sent.status_code == 200 and "已通过" in sent.text
        codes = [_guess(requests.Session(), base, f"10.9.9.{n}", verify=str(certfile)) for n in range(6)]
        assert codes == [401] * 5 + [429]  # nginx replaced the forged header with the real client
        direct = [_guess_from("127.0.0.2", server.port, f"10.8.8.{n}") for n in range(6)]
        assert direct == [401] * 5 + [429]  # another address straight to the port: its header not believed
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        server.stop()
