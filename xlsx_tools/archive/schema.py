"""The archive's tables (SQLAlchemy Core), the database they live in, and the migrations that
create and upgrade them.

``--db`` is a file path (an embedded SQLite database, created on first use: nothing to install) or
a database URL (``postgresql+psycopg://user@host/db``: a city's or a province's shared server).
The tool keeps the schema itself: ``schema_version`` holds the version the database is at, and
opening it applies the migrations it lacks, each in its own transaction. SQLite runs in WAL mode
with a busy timeout, and every writing transaction begins IMMEDIATE, so two writers wait for each
other instead of failing or corrupting; on PostgreSQL writers take one advisory lock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.engine import Connection

metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # add | merge
    Column("started_at", DateTime, nullable=False),
    Column("files", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("source", Text, nullable=False),  # what the run was given (folders, files)
)

reports = Table(
    "reports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("agency", String(400), nullable=False),  # who: "code:<统一社会信用代码>", a summary "name:<地区|名称>"
    Column("name", String(300), nullable=False),
    Column("code", String(40)),
    Column("region", String(200)),
    Column("year", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("current", Boolean, nullable=False),
    Column("superseded_at", DateTime),
    Column("file", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("added_at", DateTime, nullable=False),
    Column("run", Integer, ForeignKey("runs.id"), nullable=False),
    Column("field_values", Text, nullable=False),  # every field, texts too (records.encode)
    Column("findings", Text, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("infos", Integer, nullable=False),
    UniqueConstraint("agency", "year", "revision", name="reports_revision"),
    Index("reports_year", "year"),
)

reviews = Table(
    "reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False),
    Column("code", String(40), nullable=False),
    Column("sheet", String(100), nullable=False),
    Column("cell", String(40), nullable=False),
    Column("verdict", String(20), nullable=False),  # 已核实 | 需修改
    Column("note", Text, nullable=False),
    Column("reviewed_at", DateTime, nullable=False),
    Column("source", Text, nullable=False),  # the summary the decision was read from
    UniqueConstraint("sha256", "code", "sheet", "cell", name="reviews_finding"),
)


def _v1(conn: Connection) -> None:
    """Reports and the runs that stored them."""
    metadata.create_all(conn, tables=[runs, reports])


def _v2(conn: Connection) -> None:
    """Decisions taken on findings (核实结果, 说明), kept across runs."""
    metadata.create_all(conn, tables=[reviews])


#: the migrations, in order: the database is at version N when the first N have run
MIGRATIONS: tuple[Callable[[Connection], None], ...] = (_v1, _v2)
LATEST = len(MIGRATIONS)


def url_of(db: str | Path) -> str:
    """A database URL as given, or a file path as an SQLite URL."""
    db = str(db)
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


def shown(db: str | Path) -> str:
    """A database as people may see it (console, log, JSON, workbook, page): a URL's password
    replaced by ***, a file path as given."""
    db = str(db)
    if "://" not in db:
        return db
    try:
        from sqlalchemy.engine import make_url

        return make_url(db).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy reads: hide everything between :// and @
        return re.sub(r"(://[^/@]*?):[^/@]*@", r"\1:***@", db)


def connect(db: str | Path, upgrade_to: int = LATEST) -> Engine:
    """An engine on the archive at ``db``, its schema brought to ``upgrade_to`` (the latest)."""
    engine = engine_for(url_of(db))
    try:
        migrate(engine, upgrade_to)
    except BaseException:
        engine.dispose()
        raise
    return engine


def engine_for(url: str) -> Engine:
    """An engine whose SQLite connections run in WAL mode with a busy timeout and whose writing
    transactions begin IMMEDIATE (other servers as they are)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite(dbapi, _record) -> None:
            dbapi.isolation_level = None  # transactions are begun below, IMMEDIATE
            cursor = dbapi.cursor()
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _immediate(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def lock(conn: Connection) -> None:
    """Serialise writers: SQLite's IMMEDIATE transaction already does; PostgreSQL takes a lock."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(20211030)"))


def version(conn: Connection) -> int:
    """The schema version the database is at (0: empty)."""
    if not conn.dialect.has_table(conn, "schema_version"):
        return 0
    return conn.execute(select(schema_version.c.version)).scalar() or 0


def migrate(engine: Engine, upgrade_to: int = LATEST) -> int:
    """Apply the migrations the database lacks, each in one transaction; the version reached."""
    while True:
        with engine.begin() as conn:
            lock(conn)
            if not conn.dialect.has_table(conn, "schema_version"):
                metadata.create_all(conn, tables=[schema_version])
                conn.execute(schema_version.insert().values(version=0))
            at = version(conn)
            if at > LATEST:
                raise ArchiveError(f"年报库的结构版本为 {at}，比本程序支持的 {LATEST} 新；请升级 nianbao 后再使用。")
            if at >= upgrade_to:
                return at
            MIGRATIONS[at](conn)
            conn.execute(schema_version.update().values(version=at + 1))


class ArchiveError(Exception):
    """The archive cannot be used (a newer schema, a server that refuses): the message says why."""
