"""Gnumeric's ``ssconvert --recalc`` as a second, independent spreadsheet client for the tests.

It opens a workbook, recalculates every formula with its own engine and saves the result, so the
template's formulas are shown to agree between two clients, not just with LibreOffice.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def find_ssconvert() -> str | None:
    return shutil.which("ssconvert")


class Gnumeric:
    def __init__(self, binary: str, home: Path):
        self.binary = binary
        self.home = home

    def convert(self, files: list[Path], outdir: Path) -> list[Path]:
        """Recalculate and save each file as .xlsx in ``outdir``; every output must exist."""
        outdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "HOME": str(self.home)}

        def one(f: Path) -> Path:
            out = outdir / f"{f.stem}.xlsx"
            proc = subprocess.run([self.binary, "--recalc", str(f), str(out)], capture_output=True,
                                  text=True, timeout=300, env=env)
            if not out.exists():
                raise RuntimeError(f"Gnumeric did not convert {f.name}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
            return out

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            return list(pool.map(one, files))
