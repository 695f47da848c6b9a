"""What the collection service keeps, all in its data folder: an embedded SQLite database (the
archive's engine: WAL, writers one at a time) of offices, uploads and settings, and the uploaded
files themselves, stored by their SHA-256 and never modified.

An upload is counted once its row is committed, and its row is written only after its file is
whole in place (written beside it, fsynced, renamed). A server killed mid-upload therefore leaves
at most a stray temporary file or an uncounted stored file, never a half-written file counted.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    select,
)

from ..archive.records import decode_findings, encode_findings
from ..archive.schema import engine_for
from ..format.findings import Finding

metadata = MetaData()

offices = Table(
    "offices", metadata,
    Column("id", Integer, primary_key=True),  # the roster row
    Column("name", String(300), nullable=False),
    Column("code", String(40)),
    Column("token", String(64), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # looked up by hash, compared in constant time
)

uploads = Table(
    "uploads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office_id", Integer, ForeignKey("offices.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False),
    Column("name", String(200), nullable=False),  # the client's file name: shown, never a path
    Column("size", Integer, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("by_board", Boolean, nullable=False),  # added by the consolidator (arrived another way)
    Column("readable", Boolean, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("findings", Text, nullable=False),  # JSON: the findings as nianbao validate gives them
)

sessions = Table(  # the board's logins: a cookie counts only while its row is here
    "sessions", metadata,
    Column("nonce", String(64), primary_key=True),
    Column("expires_at", Integer, nullable=False),  # Unix time
)

events = Table(  # the board's log: what the server refused, and why
    "events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("office_id", Integer),  # None: the server as a whole
    Column("text", Text, nullable=False),
)

settings = Table(
    "settings", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

#: statuses, as the board shows them
MISSING, FAILING, PASSED, PASSED_WITH_WARNINGS = "未报送", "有错误", "已通过", "已通过（有警告）"


@dataclass
class Office:
    id: int
    name: str
    code: str | None
    token: str


@dataclass
class Upload:
    id: int
    office_id: int
    sha256: str
    name: str
    size: int
    received_at: dt.datetime
    by_board: bool
    readable: bool
    errors: int
    warnings: int
    findings_json: str  # decoded only when the findings are shown: the board lists every upload

    @functools.cached_property
    def findings(self) -> list[Finding]:
        return decode_findings(self.findings_json)

    @property
    def accepted(self) -> bool:
        return self.readable and self.errors == 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Store:
    """The data folder: its database and its files."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.files = self.folder / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        (self.folder / "tmp").mkdir(exist_ok=True)
        self._sweep()
        self.engine = engine_for(f"sqlite:///{(self.folder / 'collect.sqlite').resolve()}")
        with self.engine.begin() as conn:
            metadata.create_all(conn)

    def _sweep(self, older_than: float = 3600) -> None:
        """Remove temporary files an earlier run left when it was stopped mid-upload (never counted;
        an hour old, so a second server on the same folder keeps its uploads in progress)."""
        now = time.time()
        for part in (self.folder / "tmp").iterdir():
            try:
                if now - part.stat().st_mtime > older_than:
                    part.unlink()
            except OSError:
                pass

    def close(self) -> None:
        self.engine.dispose()

    # settings -----------------------------------------------------------------------------
    def setting(self, key: str) -> str | None:
        with self.engine.begin() as conn:
            return conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar()

    def set_setting(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(settings.delete().where(settings.c.key == key))
            conn.execute(settings.insert().values(key=key, value=value))

    def secret(self) -> str:
        """The key that signs sessions and form tokens: made once, kept across restarts."""
        value = self.setting("secret")
        if value is None:
            value = secrets.token_hex(32)
            self.set_setting("secret", value)
        return value

    # the board's sessions ----------------------------------------------------------------
    def open_session(self, nonce: str, expires: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(sessions.delete().where(sessions.c.expires_at < int(time.time())))
            conn.execute(sessions.insert().values(nonce=nonce, expires_at=expires))

    def session_open(self, nonce: str) -> bool:
        with self.engine.begin() as conn:
            expires = conn.execute(select(sessions.c.expires_at).where(sessions.c.nonce == nonce)).scalar()
        return expires is not None and expires > time.time()

    def end_sessions(self, nonce: str | None = None) -> None:
        """End one session (logging out), or every one (a new password)."""
        with self.engine.begin() as conn:
            conn.execute(sessions.delete() if nonce is None else sessions.delete().where(sessions.c.nonce == nonce))

    # the board's log ----------------------------------------------------------------------
    def log(self, text: str, office_id: int | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(events.insert().values(at=dt.datetime.now().replace(microsecond=0), office_id=office_id,
                                                text=text))

    def events(self, limit: int = 100) -> list[tuple[dt.datetime, int | None, str]]:
        """The newest lines of the log first."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(events).order_by(events.c.id.desc()).limit(limit))
            return [(r.at, r.office_id, r.text) for r in rows]

    # offices ------------------------------------------------------------------------------
    def sync_offices(self, roster: list[tuple[int, str, str | None]]) -> list[Office]:
        """Every roster agency as an office, each with its own unguessable token (kept on restart;
        a new roster row gets a new one)."""
        with self.engine.begin() as conn:
            known = {r.id: r for r in conn.execute(select(offices))}
            for row, name, code in roster:
                if row in known:
                    if (known[row].name, known[row].code) != (name, code):
                        conn.execute(offices.update().where(offices.c.id == row).values(name=name, code=code))
                    continue
                token = secrets.token_urlsafe(24)
                conn.execute(offices.insert().values(id=row, name=name, code=code, token=token,
                                                     token_hash=token_hash(token)))
        return self.offices()

    def offices(self) -> list[Office]:
        with self.engine.begin() as conn:
            return [Office(r.id, r.name, r.code, r.token) for r in conn.execute(select(offices).order_by(offices.c.id))]

    def office(self, id: int) -> Office | None:
        if not 0 < id <= MAX_ID:  # a number the database cannot hold is no office (a 404, not an error)
            return None
        with self.engine.begin() as conn:
            r = conn.execute(select(offices).where(offices.c.id == id)).first()
        return Office(r.id, r.name, r.code, r.token) if r else None

    def office_by_token(self, token: str) -> Office | None:
        """The office whose token this is: found by the token's hash, then compared in constant time."""
        with self.engine.begin() as conn:
            r = conn.execute(select(offices).where(offices.c.token_hash == token_hash(token))).first()
        if r is None or not hmac.compare_digest(r.token.encode(), token.encode()):
            return None
        return Office(r.id, r.name, r.code, r.token)

    # files and uploads --------------------------------------------------------------------
    def temporary(self, prefix: str = "upload.", suffix: str = ".part") -> Path:
        """A new empty temporary file in the data folder (so storing an upload is a rename); downloads
        being written use ``prefix="download."``."""
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=self.folder / "tmp")
        os.close(fd)
        return Path(name)

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256")
        return self.files / sha256[:2] / f"{sha256}.xlsx"

    def keep(self, tmp: Path) -> tuple[str, int]:
        """Move a whole temporary file into the store under its SHA-256 (a file already there is
        left as it is); its digest and size."""
        digest, size = hashlib.sha256(), 0
        with open(tmp, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
                size += len(block)
            os.fsync(fh.fileno())
        sha = digest.hexdigest()
        target = self.path_of(sha)
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            tmp.unlink()
        else:
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        return sha, size

    def record(self, office_id: int, sha256: str, name: str, size: int, by_board: bool, readable: bool,
               findings: list[Finding]) -> int:
        """Count an upload (its file already stored); its id."""
        errors = sum(f.severity == "error" for f in findings)
        warnings = sum(f.severity == "warning" for f in findings)
        with self.engine.begin() as conn:
            return conn.execute(uploads.insert().values(
                office_id=office_id, sha256=sha256, name=name[:200], size=size,
                received_at=dt.datetime.now().replace(microsecond=0), by_board=by_board, readable=readable,
                errors=errors, warnings=warnings, findings=encode_findings(findings),
            )).inserted_primary_key[0]

    def uploads(self, office_id: int | None = None) -> list[Upload]:
        query = select(uploads).order_by(uploads.c.id)
        if office_id is not None:
            query = query.where(uploads.c.office_id == office_id)
        with self.engine.begin() as conn:
            return [_upload(r) for r in conn.execute(query)]

    def uploads_since(self, office_id: int, since: dt.datetime) -> list[dt.datetime]:
        """When the office's own uploads (not the board's additions) arrived since ``since``, oldest first."""
        query = (select(uploads.c.received_at).where(uploads.c.office_id == office_id, ~uploads.c.by_board,
                                                      uploads.c.received_at >= since).order_by(uploads.c.id))
        with self.engine.begin() as conn:
            return list(conn.execute(query).scalars())

    def stored_bytes(self, office_id: int | None = None) -> int:
        """Bytes of the files still stored for ``office_id`` (None: for everyone), each file once."""
        query = select(uploads.c.sha256, uploads.c.size).distinct()
        if office_id is not None:
            query = query.where(uploads.c.office_id == office_id)
        with self.engine.begin() as conn:
            return sum(size for sha, size in conn.execute(query) if self.path_of(sha).exists())

    def prune_unreadable(self, office_id: int, keep: int) -> int:
        """Remove the stored files of the office's unreadable uploads but the newest ``keep`` (their
        rows and findings stay; a file another upload still needs stays); how many were removed."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(uploads.c.id, uploads.c.office_id, uploads.c.sha256, uploads.c.readable)
                                .order_by(uploads.c.id.desc())).all()
        unreadable = [r for r in rows if r.office_id == office_id and not r.readable]
        needed = {r.sha256 for r in rows if r.readable} | {r.sha256 for r in unreadable[:keep]}
        needed |= {r.sha256 for r in rows if not r.readable and r.office_id != office_id}
        removed = 0
        for sha in {r.sha256 for r in unreadable[keep:]} - needed:
            path = self.path_of(sha)
            if path.exists():
                path.unlink()
                removed += 1
        return removed

    def upload(self, id: int) -> Upload | None:
        if not 0 < id <= MAX_ID:
            return None
        with self.engine.begin() as conn:
            r = conn.execute(select(uploads).where(uploads.c.id == id)).first()
        return _upload(r) if r else None


MAX_ID = 2**63 - 1  # SQLite's largest integer


def _upload(r) -> Upload:
    return Upload(r.id, r.office_id, r.sha256, r.name, r.size, r.received_at, r.by_board, r.readable, r.errors,
                  r.warnings, r.findings)


def counted(files: list[Upload]) -> Upload | None:
    """The upload that counts for an office: its newest without errors."""
    return next((u for u in reversed(files) if u.accepted), None)


def status(files: list[Upload]) -> str:
    chosen = counted(files)
    if chosen is not None:
        return PASSED_WITH_WARNINGS if chosen.warnings else PASSED
    return FAILING if files else MISSING
