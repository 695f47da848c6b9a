"""Work on many files in worker processes, each file under a time limit.

``concurrent.futures`` cannot stop a task that hangs, and one dead worker breaks its whole pool.
Here each worker is a process of our own: it takes a chunk of files, says which file it is on, and
the parent kills it when that file overruns its time. A hang, a native crash or an exhausted
memory limit then costs that one file, and the rest of its chunk goes to a fresh worker.

:func:`run` works through a list and returns when all is done (the batch commands);
:class:`Service` takes work at any time and hands each result back the moment it is ready (the
collection server: a heavy file delays only itself).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

#: the index a worker reports while it works on its chunk as a whole (after the files one by one)
WHOLE_CHUNK = -1


@dataclass(frozen=True)
class Budget:
    """What one file may cost: wall-clock seconds, and memory per worker process (where the system
    lets us set it; Linux does)."""

    seconds: float = 60.0
    memory_mb: int = 2048


#: A task runs in a worker over a chunk of items. It calls ``beat(i)`` before working on item i
#: and ``beat(WHOLE_CHUNK)`` before work on the chunk as a whole, and returns one result per item.
Task = Callable[[Sequence[Any], Callable[[int], None]], list[Any]]
#: Makes the result of an item that was lost: ``fail(item, "timeout" | "crash")``.
Fail = Callable[[Any, str], Any]


#: in a worker process: whether it is one, and how the work it is on says it is still going
_HERE: dict[str, Any] = {"worker": False, "beat": None}


def in_worker() -> bool:
    """Whether this process is one of our workers (which work inline rather than start their own)."""
    return _HERE["worker"]


def heartbeat() -> None:
    """Said by long work inside a :class:`Service` job (a summary reading file after file): it is
    progressing, so its time limit starts again. Elsewhere it does nothing."""
    if _HERE["beat"] is not None:
        _HERE["beat"]()


def _serve(conn: Connection, task: Task, memory_mb: int, owner: int | None = None) -> None:  # in the worker
    die_with_parent(owner)
    _limit_memory(memory_mb)
    _HERE["worker"] = True
    while True:
        message = conn.recv()
        if message is None:
            return
        chunk_id, items = message

        def beat(index: int, _id=chunk_id) -> None:
            conn.send(("beat", _id, index))

        conn.send(("done", chunk_id, task(items, beat)))


def die_with_parent(owner: int | None = None) -> None:
    """Make this worker end when the process that started it ends, however it ends (kill -9 too):
    on Linux the kernel's parent-death signal; everywhere, a thread that sees the worker handed to
    another parent, or ``owner`` (the process whose batch it serves, when a fork server is the
    parent: every worker holds the fork server's lifeline, so it would never end) gone. A worker
    left behind would hold its memory, and the parent's database connection, for ever."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):  # no prctl here: the thread below still watches
            pass
    if os.getppid() != parent or (owner is not None and not _alive(owner)):  # gone before the signal was set
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent and (owner is None or _alive(owner)):
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # os.kill would end it there; a spawned worker's parent is the owner
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _limit_memory(memory_mb: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: no rlimits; the time limit still holds
        return
    limit = memory_mb * 1024 * 1024
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # not permitted here: go on without it
        pass


@dataclass
class _Worker:
    process: Any
    conn: Connection
    chunk: int | None = None  # the chunk it works on
    index: int = 0  # which item of it (WHOLE_CHUNK: the chunk as a whole)
    deadline: float = 0.0


@dataclass
class _Run:
    items: Sequence[Any]
    task: Task
    fail: Fail
    budget: Budget
    done: Callable[[int], None] | None
    each: Callable[[int, Any], None] | None = None  # told each result as it comes
    results: dict[int, Any] = field(default_factory=dict)
    chunks: dict[int, list[int]] = field(default_factory=dict)  # chunk id → item positions
    queue: deque[int] = field(default_factory=deque)  # chunk ids waiting for a worker
    next_id: int = 0

    def add_chunk(self, positions: list[int]) -> None:
        if positions:
            self.chunks[self.next_id] = positions
            self.queue.append(self.next_id)
            self.next_id += 1

    def finish(self, position: int, result: Any) -> None:
        self.results[position] = result
        if self.done is not None:
            self.done(1)
        if self.each is not None:
            self.each(position, result)


_START: dict[str, str | None] = {"method": None}


def start_workers_by(method: str, preload: Sequence[str] = ()) -> None:
    """Start worker processes by ``method`` from now on. A server uses "forkserver": a forked worker
    would inherit the server's threads and its listening socket, and a worker outliving a killed
    server would keep its port; ``preload`` are modules the fork server imports once for all workers."""
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(list(preload))
    _START["method"] = method


def _context() -> multiprocessing.context.BaseContext:
    if _START["method"]:
        return multiprocessing.get_context(_START["method"])
    # fork where it exists (workers inherit the imported modules and caches: no start-up cost)
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def run(items: Sequence[Any], task: Task, fail: Fail, jobs: int, budget: Budget = Budget(),
        chunk_size: int = 16, done: Callable[[int], None] | None = None) -> list[Any]:
    """Apply ``task`` to ``items`` in ``jobs`` worker processes; results in the items' order.

    ``done(n)`` is called as items finish (for a progress bar).
    """
    state = _Run(items, task, fail, budget, done)
    for start in range(0, len(items), chunk_size):
        state.add_chunk(list(range(start, min(start + chunk_size, len(items)))))
    ctx = _context()
    workers: list[_Worker] = []
    try:
        while state.queue or any(w.chunk is not None for w in workers):
            _step(state, workers, ctx, jobs)
    finally:
        for w in workers:
            _stop(w)
    return [state.results[i] for i in range(len(items))]


def _step(state: _Run, workers: list[_Worker], ctx, jobs: int, wake: Connection | None = None) -> None:
    """Give queued chunks to idle workers, wait for a message, a death, a deadline (or ``wake``),
    take what came and kill what overran."""
    busy = [w for w in workers if w.chunk is not None]
    while state.queue and len(busy) < jobs:
        idle = next((w for w in workers if w.chunk is None), None) or _start(ctx, state.task, state.budget, workers)
        _assign(idle, state)
        busy.append(idle)
    now = time.monotonic()
    timeout = max(0.0, min(w.deadline for w in busy) - now) if busy else None
    ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy] + ([wake] if wake else []), timeout)
    if wake is not None and wake in ready:
        while wake.poll():
            wake.recv()
    for w in busy:
        if w.conn in ready or w.process.sentinel in ready:
            _receive(w, state, workers)
    now = time.monotonic()
    for w in [w for w in workers if w.chunk is not None and w.deadline <= now]:
        _lose(w, state, workers, "timeout")


class Lost(Exception):
    """Work a :class:`Service` worker could not finish: it overran its time (``reason`` "timeout")
    or died ("crash": a native crash, the memory limit)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Failed(Exception):
    """Work that raised in its worker: the exception's type and text (the worker itself goes on)."""


def _call(items: Sequence[tuple[Callable, tuple]], beat: Callable[[int], None]) -> list:  # in the worker
    """The service workers' task: call each function on its arguments, telling how each ended."""
    out = []
    for i, (function, args) in enumerate(items):
        beat(i)
        _HERE["beat"] = lambda i=i: beat(i)
        try:
            out.append(("ok", function(*args)))
        except Exception as exc:  # said to the caller, the worker stays
            out.append(("failed", f"{type(exc).__name__}: {exc}"[:500]))
        finally:
            _HERE["beat"] = None
    return out


class Service:
    """Worker processes for a server: ``submit`` a module-level function and its arguments at any
    time; it runs in a worker under the budget (time, reset by :func:`heartbeat`; memory), and its
    future is settled the moment it ends — with its value, :class:`Failed`, or :class:`Lost`.

    At most ``jobs`` run at once; the workers and their thread exist only while there is work
    (a burst starts fresh workers, so no worker keeps the memory of a heavy file)."""

    def __init__(self, jobs: int, budget: Budget = Budget()):
        self.jobs, self.budget = max(1, jobs), budget
        self._lock = threading.Lock()
        self._incoming: deque[tuple[Callable, tuple, concurrent.futures.Future]] = deque()
        self._futures: dict[int, concurrent.futures.Future] = {}
        self._running = False
        self._wake_read, self._wake_write = multiprocessing.Pipe(duplex=False)

    def submit(self, function: Callable, *args: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            self._incoming.append((function, args, future))
            if not self._running:
                self._running = True
                threading.Thread(target=self._loop, name="nianbao-workers", daemon=True).start()
            else:
                self._wake_write.send(None)
        return future

    def _loop(self) -> None:
        state = _Run({}, _call, lambda item, reason: Lost(reason), self.budget, None)

        def settle(position: int, result: Any) -> None:  # nothing kept once its caller has it
            del state.items[position], state.results[position]
            self._settle(self._futures.pop(position), result)

        state.each = settle
        ctx = _context()
        workers: list[_Worker] = []
        try:
            while True:
                with self._lock:
                    while self._incoming:
                        function, args, future = self._incoming.popleft()
                        position = state.next_id
                        state.items[position] = (function, args)
                        self._futures[position] = future
                        state.add_chunk([position])
                    if not state.queue and not any(w.chunk is not None for w in workers):
                        self._running = False
                        return
                _step(state, workers, ctx, self.jobs, self._wake_read)
        except BaseException as exc:  # our environment failing (no processes): every waiting caller hears it
            with self._lock:
                self._running = False
                for future in self._futures.values():
                    future.set_exception(exc)
                self._futures.clear()
            raise
        finally:
            for w in workers:
                _stop(w)

    @staticmethod
    def _settle(future: concurrent.futures.Future, result: Any) -> None:
        if isinstance(result, Lost):
            future.set_exception(result)
        elif result[0] == "failed":
            future.set_exception(Failed(result[1]))
        else:
            future.set_result(result[1])


def _start(ctx, task: Task, budget: Budget, workers: list[_Worker]) -> _Worker:
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, task, budget.memory_mb, os.getpid()), daemon=True)
    process.start()
    child.close()
    worker = _Worker(process, parent)
    workers.append(worker)
    return worker


def _assign(worker: _Worker, state: _Run) -> None:
    chunk_id = state.queue.popleft()
    worker.chunk, worker.index = chunk_id, 0
    worker.deadline = time.monotonic() + state.budget.seconds
    worker.conn.send((chunk_id, [state.items[i] for i in state.chunks[chunk_id]]))


def _receive(worker: _Worker, state: _Run, workers: list[_Worker]) -> None:
    """Take every message the worker has sent; a dead worker loses the item it was on."""
    try:
        while worker.chunk is not None and worker.conn.poll():
            kind, chunk_id, payload = worker.conn.recv()
            if kind == "beat":
                worker.index = payload
                worker.deadline = time.monotonic() + state.budget.seconds
            else:
                for position, result in zip(state.chunks.pop(chunk_id), payload, strict=True):
                    state.finish(position, result)
                worker.chunk = None
    except (EOFError, OSError):
        pass
    if worker.chunk is not None and not worker.process.is_alive():
        _lose(worker, state, workers, "crash")


def _lose(worker: _Worker, state: _Run, workers: list[_Worker], reason: str) -> None:
    """The worker hung or died: the item it was on fails, the rest of its chunk is queued again."""
    positions = state.chunks.pop(worker.chunk)
    if worker.index == WHOLE_CHUNK and len(positions) > 1:
        for p in positions:  # it failed on the chunk as a whole: find the culprit one file at a time
            state.add_chunk([p])
    else:
        culprit = positions[0] if worker.index == WHOLE_CHUNK else positions[worker.index]
        state.finish(culprit, state.fail(state.items[culprit], reason))
        state.add_chunk([p for p in positions if p != culprit])
    worker.process.kill()
    _stop(worker)
    workers.remove(worker)


def _stop(worker: _Worker) -> None:
    if worker.process.is_alive() and worker.chunk is None:
        try:
            worker.conn.send(None)  # an idle worker leaves by itself
            worker.process.join(1)
        except OSError:
            pass
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join()
    worker.conn.close()


def default_jobs() -> int:
    return os.cpu_count() or 1
