"""`nianbao serve` under load and faults (issue 20), on the loopback address only and bounded: 300
uploads from 50 concurrent clients are all stored and counted exactly once; a server killed in the
middle of uploads and started again has lost no accepted upload and counts no half-written file;
every hostile file of the bad-input corpus uploaded through the page gets the validator's finding
and the server stays up."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from collecting import Server, login, make_roster, upload, workbook
from corpus import TIMEOUT

from xlsx_tools.check.validate import validate_paths
from xlsx_tools.read.pool import Budget

pytestmark = pytest.mark.slow  # a server under load and killed mid-upload

CLIENTS = 50
EACH = 6


def uploads_in_db(server: Server) -> list[tuple]:
    return server.query("select id, office_id, sha256, errors from uploads order by id")


def test_300_uploads_from_50_clients_are_stored_and_counted_once(tmp_path):
    server = Server(tmp_path, make_roster(tmp_path, range(1, CLIENTS + 1))).start()
    try:
        links = list(server.links().values())
        files = {n: (workbook(tmp_path / "ok", n), workbook(tmp_path / "bad", n, broken=True))
                 for n in range(1, CLIENTS + 1)}

        def client(n: int) -> list[str]:
            session = requests.Session()
            seen = []
            for i in range(EACH):  # broken, fixed, broken … the last one fixed
                r = upload(session, links[n - 1], files[n][i % 2 == 0])
                assert r.status_code == 200, r.text[:300]
                seen.append(r.url.rsplit("/", 1)[1])
            return seen

        with ThreadPoolExecutor(CLIENTS) as pool:
            ids = [i for seen in pool.map(client, range(1, CLIENTS + 1)) for i in seen]
        assert len(ids) == len(set(ids)) == CLIENTS * EACH
        rows = uploads_in_db(server)
        assert sorted(str(r[0]) for r in rows) == sorted(ids)  # every answered upload counted, once
        assert {r[1] for r in rows} == set(range(2, CLIENTS + 2))  # roster rows, one office each
        assert len(server.stored_files()) == 2 * CLIENTS  # the same bytes stored once
        board = requests.Session()
        page = login(board, server.base).text
        counts = re.findall(r'<td class="num">(\d+)</td>', page)
        assert counts == [str(EACH)] * CLIENTS  # the board's counts equal the files
        assert f"已通过 {CLIENTS}" in page
    finally:
        server.stop()


def test_a_server_killed_mid_upload_loses_no_accepted_upload(tmp_path):
    server = Server(tmp_path, make_roster(tmp_path, range(1, 21))).start()
    links = list(server.links().values())
    answered: list[tuple[str, str]] = []  # (upload id, sha256 of what was sent)
    stop = threading.Event()

    def client(n: int) -> None:
        session = requests.Session()
        for i in range(20):
            if stop.is_set():
                return
            path = workbook(tmp_path / f"c{n}" / str(i), n + 1, broken=i % 2 == 0)
            try:
                r = upload(session, links[n], path)
            except requests.RequestException:
                return
            if r.status_code == 200 and "/u/" in r.url:
                answered.append((r.url.rsplit("/", 1)[1], hashlib.sha256(path.read_bytes()).hexdigest()))

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while len(answered) < 15 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.stop(kill=True)  # SIGKILL, in the middle of uploads
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert len(answered) >= 15
        server.start()
        rows = {str(r[0]): r[2] for r in uploads_in_db(server)}
        for upload_id, sha in answered:
            assert rows.get(upload_id) == sha  # every answered upload is there, with the bytes sent
        for sha in rows.values():  # every counted upload's file is whole
            stored = server.data / "files" / sha[:2] / f"{sha}.xlsx"
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
        assert requests.get(server.base, timeout=10).status_code == 200
    finally:
        stop.set()
        server.stop()


def test_the_bad_input_corpus_through_the_page(tmp_path, bad_corpus):
    cases = [c for c in bad_corpus.cases.values() if c.validate and bad_corpus.path(c).is_file()
             and not c.name.startswith("~$") and c.code not in ("F-LOCKFILE", "F-IGNORED")]
    expected = {Path(r.file).resolve(): {(f.code, f.severity) for f in r.findings}
                for r in validate_paths([bad_corpus.path(c) for c in cases], budget=Budget(seconds=TIMEOUT))}
    server = Server(tmp_path, make_roster(tmp_path, range(1, 3)), max_upload_mb=20, timeout=TIMEOUT,
                    extra=["--max-uploads-per-hour", "0"]).start()  # the whole corpus through one link
    try:
        link = list(server.links().values())[0]

        def send(c) -> tuple:
            r = upload(requests.Session(), link, bad_corpus.path(c))
            return c, r.status_code, set(re.findall(r'<span class="code">([^<]+)</span>', r.text))

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(send, cases))
        for c, status, shown in results:
            assert status == 200, c.path
            found = expected[bad_corpus.path(c).resolve()]
            want = {code for code, severity in found if severity in ("error", "warning")}
            assert want <= shown, (c.path, want - shown)  # what nianbao validate says of the file
            assert c.code == "OK" or c.code in shown or c.severity == "info", c.path  # the case's own code
            assert "F-CRASH" not in shown
        assert requests.get(server.base, timeout=10).status_code == 200  # still up
    finally:
        server.stop()
