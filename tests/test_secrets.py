"""A database password is never shown: ``nianbao merge --archive``, ``archive add`` and ``compare``
against a real PostgreSQL server under a role whose password the test plants; every console line,
the JSON report and every cell of the summary are searched for it. A wrong password's refusal
does not repeat it either."""

from __future__ import annotations

import json
import uuid
import zipfile

import pytest
from agencies import agency, write
from archives import fresh_postgres, required_postgres
from batches import nianbao

from xlsx_tools.archive.schema import shown


def test_shown_masks_a_url_password_and_leaves_a_file_path():
    assert shown("postgresql+psycopg://user:Pl4nted@host:5432/db") == "postgresql+psycopg://user:***@host:5432/db"
    assert shown("年报库.sqlite") == "年报库.sqlite"
    assert "s3cr3t" not in shown("weird+scheme://u:s3cr3t@[::1")  # not a URL SQLAlchemy reads: masked anyway


@pytest.fixture
def secret_role():
    """A database on the server and a role of its own, with a planted password (dropped afterwards)."""
    from sqlalchemy import create_engine, text

    url = required_postgres()

    address, drop = fresh_postgres(url)
    role, password = f"nianbao_{uuid.uuid4().hex[:8]}", f"Pl4nted-{uuid.uuid4().hex}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = address.rpartition("/")[2]
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        conn.execute(text(f"GRANT {role} TO CURRENT_USER"))  # so the database can be handed to it
        conn.execute(text(f'ALTER DATABASE "{name}" OWNER TO {role}'))
    scheme, _, rest = address.partition("://")
    yield f"{scheme}://{role}:{password}@{rest.partition('@')[2]}", password
    drop()
    with admin.connect() as conn:
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


@pytest.mark.slow  # a real PostgreSQL server
def test_a_planted_password_appears_in_no_output(secret_role, tmp_path):
    url, password = secret_role
    for year, n in ((2024, 1), (2025, 2)):
        write(tmp_path / str(year) / f"{n}.xlsx", agency(n, {"id.year": year}))
    runs = [nianbao("archive", "add", tmp_path / "2024", "--db", url),
            nianbao("merge", tmp_path / "2025", "-o", tmp_path / "汇总.xlsx", "--archive", url,
                    "--report", tmp_path / "问题.json"),
            nianbao("archive", "list", "--db", url),
            nianbao("compare", "--db", url, "--year", "2025", "-o", tmp_path / "同比.xlsx"),
            nianbao("archive", "list", "--db", url.replace(password, "wrong-" + password[::-1]))]
    assert all(r.returncode in (0, 1) for r in runs[:4]), [r.stderr for r in runs]
    assert runs[4].returncode != 0 and "无法打开年报库" in runs[4].stderr
    printed = "".join(r.stdout + r.stderr for r in runs)
    assert "***" in printed and password not in printed and password[::-1] not in printed
    report = json.loads((tmp_path / "问题.json").read_text(encoding="utf-8"))
    assert password not in json.dumps(report, ensure_ascii=False)
    for book in (tmp_path / "汇总.xlsx", tmp_path / "同比.xlsx"):
        with zipfile.ZipFile(book) as z:
            assert not [n for n in z.namelist() if password.encode() in z.read(n)], book.name
    assert "***" in json.dumps(report, ensure_ascii=False)  # the database is named, its password masked
