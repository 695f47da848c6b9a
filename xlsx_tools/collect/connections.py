"""The server's connections under hostile use: a client must send its request's headers within a
few seconds and keep its body coming, and one address may hold only so many connections at once.

uvicorn times out only idle keep-alive connections, so a client that sends half a request line and
waits would hold its connection for ever, and six hundred of them would take the service away.
:func:`guarded` makes uvicorn's own HTTP protocol class watch each connection instead: a request
whose headers are not complete within ``header_seconds`` of its first byte (or of the connection),
or whose body stalls for ``body_seconds``, is closed; an address past ``per_client`` open
connections is closed at once. The trusted reverse proxy (``--trusted-proxy``) is never capped: it
carries every client's connections.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

TICK = 1.0  # how often a connection looks at its own clock (seconds)
LOG = logging.getLogger("nianbao.serve")
QUIET = 60.0  # one log line per address and kind of cut in this many seconds (a flood is one line)
_said: dict[tuple[str, str], float] = {}


@dataclass(frozen=True)
class Guard:
    header_seconds: float = 10.0  # from a request's first byte (or the connection) to its last header
    body_seconds: float = 30.0  # the longest pause while a request's body is coming in
    per_client: int = 64  # open connections one address may hold (browsers use six)
    exempt: frozenset[str] = frozenset()  # trusted reverse proxies: never capped


def guarded(guard: Guard) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol class, watching its connections as ``guard`` says."""

    class Guarded(H11Protocol):
        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._counted = ""
            self._started: float | None = self.loop.time()  # waiting for a request's headers since
            self._last = self.loop.time()  # the last bytes received
            self._tick = None
            host = self.client[0] if self.client else ""
            clients = _clients(self.server_state)
            if host and host not in guard.exempt:
                if clients.get(host, 0) >= guard.per_client:
                    transport.abort()  # no request read yet: nothing to answer
                    _say(host, f"来自 {host} 的连接超过 {guard.per_client} 个，多出的连接已断开")
                    return
                clients[host] = clients.get(host, 0) + 1
                self._counted = host
            self._tick = self.loop.call_later(TICK, self._watch)

        def connection_lost(self, exc) -> None:
            if self._tick is not None:
                self._tick.cancel()
                self._tick = None
            if self._counted:
                clients = _clients(self.server_state)
                clients[self._counted] -= 1
                if clients[self._counted] <= 0:
                    del clients[self._counted]
                self._counted = ""
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            now = self.loop.time()
            self._last = now
            if self._started is None and self.conn.their_state is h11.IDLE:
                self._started = now  # a new request begins
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._started = None  # its headers are in

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._started = None  # idle keep-alive: uvicorn's own timer closes it

        def _watch(self) -> None:
            self._tick = None
            if self.transport.is_closing():
                return
            now, their = self.loop.time(), self.conn.their_state
            slow_headers = (their is h11.IDLE and self._started is not None
                            and now - self._started > guard.header_seconds)
            stalled_body = (their is h11.SEND_BODY and not self.flow.read_paused
                            and now - self._last > guard.body_seconds)
            if slow_headers or stalled_body:
                self.transport.abort()
                host = self.client[0] if self.client else "?"
                _say(host, f"来自 {host} 的请求{'头' if slow_headers else '内容'}迟迟未送完，连接已断开")
                return
            self._tick = self.loop.call_later(TICK, self._watch)

    return Guarded


def _say(host: str, text: str) -> None:
    """A line in the server's log, at most once a minute for each address and kind of cut."""
    now, key = time.monotonic(), (host, text)
    if now - _said.get(key, -QUIET) >= QUIET:
        _said[key] = now
        if len(_said) > 10_000:  # addresses come and go: forget the old ones
            _said.clear()
        LOG.warning(text)


def _clients(server_state) -> dict[str, int]:
    """Open connections by address, kept with the server's own state."""
    if not hasattr(server_state, "nianbao_clients"):
        server_state.nianbao_clients = {}
    return server_state.nianbao_clients


def open_files_allowed(wanted: int = 8192) -> int:
    """Raise this process's open-file limit towards ``wanted`` (each connection is one); what it is."""
    try:
        import resource  # (not on Windows)

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        if soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        return soft
    except (ImportError, ValueError, OSError):
        return 1024
