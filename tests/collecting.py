"""A real `nianbao serve` on the loopback address for the collection tests: a roster of test agencies,
a data folder, the board password from the environment, and a requests session per person."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import requests
from agencies import agency, write
from batches import roster
from openpyxl import load_workbook

PASSWORD = "board-password-2025"
YEAR = 2025


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    folder: Path
    roster: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    max_upload_mb: float = 2.0
    timeout: float = 60.0
    extra: list[str] = field(default_factory=list)  # more options for nianbao serve
    scheme: str = "http"

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def data(self) -> Path:
        return self.folder / "收集目录"

    def start(self) -> Server:
        env = {**os.environ, "NIANBAO_BOARD_PASSWORD": PASSWORD}
        self.log = open(self.folder / "serve.log", "ab")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xlsx_tools.cli", "serve", "--roster", str(self.roster), "--year", str(YEAR),
             "--data", str(self.data), "--port", str(self.port), "--deadline", "2026-01-31",
             "--max-upload-mb", str(self.max_upload_mb), "--timeout", str(self.timeout), *self.extra],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"nianbao serve exited: {(self.folder / 'serve.log').read_text()}")
            try:
                with warnings.catch_warnings():  # (a test certificate: whether it answers is all we ask here)
                    warnings.simplefilter("ignore")
                    requests.get(self.base, timeout=2, verify=False)
                return self
            except requests.RequestException:  # not listening yet
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("nianbao serve did not answer within 60 s")

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
        self.log.close()

    def links(self) -> dict[str, str]:
        """Agency name → its personal link, from the 上传链接.xlsx the server wrote."""
        rows = list(load_workbook(self.data / "上传链接.xlsx").active.iter_rows(min_row=3, values_only=True))
        return {r[1]: r[3] for r in rows}

    def query(self, sql: str, *args) -> list[tuple]:
        """Rows of the server's own database, read as they are on disk."""
        db = sqlite3.connect(self.data / "collect.sqlite")
        try:
            return db.execute(sql, args).fetchall()
        finally:
            db.close()

    def stored_files(self) -> list[Path]:
        return sorted(p for p in (self.data / "files").rglob("*") if p.is_file())


def make_roster(folder: Path, members: range) -> Path:
    return roster(folder / "名录.xlsx", list(members))


def workbook(folder: Path, n: int, broken: bool = False) -> Path:
    """Agency n's report: correct, or with 表三's identity broken (an error at its cell)."""
    v = agency(n)
    if broken:
        v = agency(n, {"t3.new.natural": v["t3.new.natural"] + 5})
    return write(folder / f"{v['id.name']}{'_有错' if broken else ''}.xlsx", v)


def form_token(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html)[1]


def upload(session: requests.Session, link: str, path: Path, name: str | None = None,
           origin: str | None = None) -> requests.Response:
    """What the office page's form sends: the form token, then the file."""
    page = session.get(link, timeout=30)
    base = link.split("/o/")[0]
    headers = {"Origin": origin or base}
    with open(path, "rb") as fh:
        return session.post(f"{link}/upload", data={"csrf": form_token(page.text)},
                            files={"file": (name or path.name, fh)}, headers=headers, timeout=120)


def login(session: requests.Session, base: str, password: str = PASSWORD) -> requests.Response:
    page = session.get(f"{base}/login", timeout=30)
    return session.post(f"{base}/login", data={"csrf": form_token(page.text), "password": password},
                        headers={"Origin": base}, timeout=30)
