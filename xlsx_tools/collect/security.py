"""The collection service's guards: the board's password (stored as an scrypt hash), its session
cookie (signed, HttpOnly, SameSite=Strict, expiring), form tokens against cross-site requests,
login attempts limited per client, and the security headers every response carries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque

SESSION_COOKIE = "nianbao_board"
LOGIN_COOKIE = "nianbao_login"  # a browser's own, binding its login form's token
SESSION_SECONDS = 8 * 3600
LOGIN_ATTEMPTS = 5  # failed logins allowed per client ...
LOGIN_WINDOW = 300  # ... in this many seconds

HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # an office's link holds its token: never sent on to another site
    "Cache-Control": "no-store",
}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(given.hex(), digest)


class Signer:
    """Signs and checks the session cookie and the form tokens with the data folder's secret; the
    password hash takes part, so setting a new password ends every session."""

    def __init__(self, secret: str, password_hash: str):
        self.key = hashlib.sha256(f"{secret}|{password_hash}".encode()).digest()

    def _mac(self, text: str) -> str:
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()

    def session(self, now: float | None = None) -> str:
        expires = int((time.time() if now is None else now) + SESSION_SECONDS)
        nonce = secrets.token_hex(16)
        return f"{expires}.{nonce}.{self._mac(f'session|{expires}|{nonce}')}"

    def session_nonce(self, cookie: str | None, now: float | None = None) -> str | None:
        """The session's nonce when the cookie is ours and unexpired, else None."""
        try:
            expires, nonce, mac = (cookie or "").split(".")
            alive = int(expires) > (time.time() if now is None else now)
        except ValueError:
            return None
        if alive and hmac.compare_digest(mac, self._mac(f"session|{expires}|{nonce}")):
            return nonce
        return None

    def form_token(self, subject: str) -> str:
        """The hidden field a page's forms carry: bound to the session (board) or to the office."""
        return self._mac(f"form|{subject}")

    def form_ok(self, subject: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.form_token(subject), token)


class LoginLimiter:
    """Failed logins counted per client over a sliding window."""

    def __init__(self, attempts: int = LOGIN_ATTEMPTS, window: float = LOGIN_WINDOW):
        self.attempts, self.window = attempts, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self.failures[client]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked(self, client: str, now: float | None = None) -> int:
        """Seconds the client must wait (0: it may try)."""
        now = time.monotonic() if now is None else now
        failures = self._recent(client, now)
        if len(failures) < self.attempts:
            return 0
        return int(failures[0] + self.window - now) + 1

    def failed(self, client: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._recent(client, now).append(now)

    def succeeded(self, client: str) -> None:
        self.failures.pop(client, None)
