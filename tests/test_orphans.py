"""Workers end with their parent: a batch whose parent is killed with SIGKILL leaves no worker
behind (one left alive would keep its memory, and the parent's database connection, for ever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from xlsx_tools.read import pool

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the workers")

HANGING = textwrap.dedent("""
    import sys, time
    from xlsx_tools.read import pool

    def task(items, beat):
        time.sleep(600)  # a file that takes for ever
        return []

    if __name__ == "__main__":
        if len(sys.argv) > 1:
            pool.start_workers_by(sys.argv[1])
        print("started", flush=True)
        pool.run(list(range(4)), task, lambda item, why: None, jobs=2, budget=pool.Budget(seconds=600), chunk_size=1)
""")


def descendants(pid: int) -> set[int]:
    """Every living process under ``pid`` (children, and theirs)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    out = set()
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(p)
    return out


@pytest.mark.parametrize("method", ["", "forkserver"])  # the CLI's way, and the server's
def test_killing_the_parent_leaves_no_worker(tmp_path, method):
    script = tmp_path / "hang.py"
    script.write_text(HANGING, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script), *([method] if method else [])],
                              stdout=subprocess.PIPE, text=True, cwd=Path(pool.__file__).parents[2])
    workers: set[int] = set()
    try:
        assert parent.stdout.readline().strip() == "started"
        deadline = time.monotonic() + 30
        while len(descendants(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = descendants(parent.pid)
        assert len(workers) >= 2, workers
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 5
        while alive(workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = {p: (Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")[:80],
                    Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()[:2]) for p in alive(workers)}
        assert not left, f"workers left behind: {left}"
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait(10)
        parent.stdout.close()
        for p in alive(workers):  # whatever this test may have left behind
            os.kill(p, signal.SIGKILL)
