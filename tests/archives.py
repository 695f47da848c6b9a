"""The databases the archive tests run against: an SQLite file, always; a real PostgreSQL server
too — NIANBAO_TEST_POSTGRES names it (``.ci/run`` installs, starts and exports it), else the
local default is tried. Without a server the PostgreSQL tests skip, and fail under CI=true. Each
test gets a database of its own on the server, dropped afterwards."""

from __future__ import annotations

import os
import uuid

import pytest

DEFAULT_POSTGRES = "postgresql+psycopg://nianbao:nianbao@127.0.0.1:5432/postgres"


def postgres_server() -> str | None:
    """The server's URL when one answers, else None."""
    from sqlalchemy import create_engine, text

    url = os.environ.get("NIANBAO_TEST_POSTGRES", DEFAULT_POSTGRES)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return url
    except Exception:  # noqa: BLE001 - any failure to connect means: no server here
        return None


def fresh_postgres(url: str):
    """A new, empty database on the server; returns its URL and a function that drops it."""
    from sqlalchemy import create_engine, text

    name = f"nianbao_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = url.rpartition("/")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return f"{base}/{name}", drop


def required_postgres() -> str:
    """The server's URL; a skip without one, a failure under CI=true (where .ci/run provides it)."""
    url = postgres_server()
    if url is None:
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is required under CI=true; .ci/run must install and start it")
        pytest.skip("no PostgreSQL server (set NIANBAO_TEST_POSTGRES or apt-get install postgresql)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """An empty archive's address: an SQLite file, or a fresh database on a PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "年报库.sqlite")
        return
    address, drop = fresh_postgres(required_postgres())
    yield address
    drop()
