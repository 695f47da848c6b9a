"""read.pool.Service, the server's worker processes: each result back the moment it is ready, each
job under the time limit (reset by heartbeat), failures and crashes told to their caller only, and
nothing left running once the work is done."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest

from xlsx_tools.read import pool


def pause(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def beating(times: int, every: float) -> str:
    for _ in range(times):
        time.sleep(every)
        pool.heartbeat()
    return "done"


def fails() -> None:
    raise ValueError("不是工作簿")


def dies() -> None:
    os._exit(7)


def where() -> bool:
    return pool.in_worker()


@pytest.fixture
def service():
    return pool.Service(2, pool.Budget(seconds=0.6))


def test_a_quick_job_is_answered_while_a_slow_one_still_runs(service):
    slow = service.submit(pause, 0.5)
    start = time.monotonic()
    quick = service.submit(pause, 0.01)
    assert quick.result(timeout=5) == 0.01
    assert time.monotonic() - start < 0.4 and not slow.done()
    assert slow.result(timeout=5) == 0.5


def test_a_job_past_its_time_is_lost_and_the_next_one_runs(service):
    hung = service.submit(pause, 30)
    with pytest.raises(pool.Lost) as lost:
        hung.result(timeout=10)
    assert lost.value.reason == "timeout"
    assert service.submit(pause, 0.01).result(timeout=5) == 0.01


def test_a_heartbeat_keeps_long_work_alive(service):
    assert service.submit(beating, 5, 0.25).result(timeout=20) == "done"  # 1.25 s of work, 0.6 s budget


def test_failures_and_crashes_reach_only_their_caller(service):
    bad, dead, good = service.submit(fails), service.submit(dies), service.submit(where)
    with pytest.raises(pool.Failed, match="ValueError: 不是工作簿"):
        bad.result(timeout=10)
    with pytest.raises(pool.Lost) as lost:
        dead.result(timeout=10)
    assert lost.value.reason == "crash"
    assert good.result(timeout=10) is True and not pool.in_worker()


def test_nothing_is_left_running_once_the_work_is_done(service):
    before = {t.name for t in threading.enumerate()}
    assert [f.result(timeout=10) for f in [service.submit(pause, 0.05) for _ in range(6)]] == [0.05] * 6
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (multiprocessing.active_children()
                                           or "nianbao-workers" in {t.name for t in threading.enumerate()}):
        time.sleep(0.05)
    assert not multiprocessing.active_children()
    assert {t.name for t in threading.enumerate()} <= before | {"parent-watch"}
    assert service.submit(pause, 0.01).result(timeout=5) == 0.01  # and it starts again when asked
