"""Benchmark: `nianbao serve` under hostile use, each figure against the same thing on the idle server
in the same run. Prints figures and ratios; asserts nothing (these machines are noisy).

    python bench/serve_bench.py

A real server on the loopback address, a roster of 20 offices:

* a normal page with 600 slow sockets open (half a request line each, from 30 loopback addresses)
  against the same page idle — target: under 2 s;
* another office's upload while one office floods 8 distinct million-cell workbooks, against the
  same upload idle — target: under 10 s;
* the server process's memory while a million-cell workbook's annotated copy is made (in a worker);
* the board's summary of 20 counted uploads (made in one worker) against ``nianbao merge`` over the
  same files on the command line.
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import requests  # noqa: E402
from collecting import Server, login, make_roster, upload, workbook  # noqa: E402
from console import nianbao  # noqa: E402
from test_hostile import _rss_mb, heavy  # noqa: E402

OFFICES = 20


def page_times(url: str, seconds: float) -> list[float]:
    out, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.monotonic()
        requests.get(url, timeout=60)
        out.append(time.monotonic() - start)
        time.sleep(0.2)
    return out


def _spread(times: list[float]) -> str:
    return f"median {statistics.median(times) * 1000:7.1f} ms, max {max(times) * 1000:7.1f} ms ({len(times)} pages)"


def timed_upload(link: str, path: Path) -> float:
    start = time.monotonic()
    r = upload(requests.Session(), link, path)
    assert r.status_code == 200, r.status_code
    return time.monotonic() - start


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="serve-bench-"))
    server = Server(folder, make_roster(folder, range(1, OFFICES + 1)), max_upload_mb=20,
                    extra=["--max-uploads-per-hour", "0"]).start()
    try:
        links = list(server.links().values())
        files = [workbook(folder / "ok", n) for n in range(1, OFFICES + 1)]
        idle = page_times(server.base + "/", 4)
        slow = []
        for n in range(600):
            s = socket.socket()
            s.settimeout(30)
            s.bind((f"127.0.{1 + n // 20}.{1 + n % 20}", 0))
            s.connect(("127.0.0.1", server.port))
            s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(s)
        held = page_times(server.base + "/", 8)
        for s in slow:
            s.close()
        print(f"page, idle:             {_spread(idle)}")
        print(f"page, 600 slow sockets: {_spread(held)}  (max ×{max(held) / max(idle):.1f} idle; target < 2 s)")

        quiet = [timed_upload(links[n], files[n]) for n in (1, 2, 3)]  # distinct bytes: each one read
        source = workbook(folder / "heavy", 1)
        floods = [heavy(source, folder / f"flood{n}.xlsx", 25_000, salt=n) for n in range(8)]
        with ThreadPoolExecutor(len(floods)) as pool:
            started = time.monotonic()
            flooding = [pool.submit(timed_upload, links[0], f) for f in floods]
            time.sleep(2)
            during = timed_upload(links[4], files[4])
            [f.result() for f in flooding]
            flood_took = time.monotonic() - started
        print(f"upload, idle:               median {statistics.median(quiet):7.2f} s")
        print(f"upload, one office flooding: {during:7.2f} s  (×{during / statistics.median(quiet):.1f} idle; "
              f"the 8 heavy uploads took {flood_took:.1f} s; target < 10 s)")

        before = _rss_mb(server.process.pid)
        sent = upload(requests.Session(), links[5], heavy(source, folder / "annotate.xlsx", 25_000, salt=99))
        peak, done = before, threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _rss_mb(server.process.pid))
                time.sleep(0.1)

        watcher = threading.Thread(target=watch)
        watcher.start()
        start = time.monotonic()
        answer = requests.get(sent.url + "/annotated", timeout=300)
        took = time.monotonic() - start
        done.set()
        watcher.join()
        print(f"annotated copy of 1,000,000 cells: {answer.status_code} in {took:.1f} s; server process "
              f"{before:.0f} MB before, {peak:.0f} MB at most while it was made")

        for n in range(6, OFFICES):
            upload(requests.Session(), links[n], files[n])
        board = requests.Session()
        login(board, server.base)
        start = time.monotonic()
        summary = board.get(server.base + "/board/summary.xlsx", timeout=600)
        by_board = time.monotonic() - start
        newest = {}  # the very files the board counts: each office's newest upload without errors
        for office, sha, errors, readable in server.query("select office_id, sha256, errors, readable from uploads"
                                                          " order by id"):
            if readable and not errors:
                newest[office] = server.data / "files" / sha[:2] / f"{sha}.xlsx"
        counted = list(newest.values())
        start = time.monotonic()
        subprocess.run([nianbao(), "merge", *map(str, counted), "-o", str(folder / "cli.xlsx")], check=False,
                       capture_output=True)
        by_cli = time.monotonic() - start
        print(f"summary of {OFFICES} offices: board {by_board:.1f} s ({summary.status_code}), "
              f"nianbao merge {by_cli:.1f} s (×{by_board / by_cli:.2f})")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
