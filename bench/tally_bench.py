"""Benchmark: nianbao tally over a large register. Prints figures and ratios; asserts nothing.

    python bench/tally_bench.py [--rows 100000]

A register of N application rows (random dates over three years, every 申请人类型 and 办理结果, some
open) and N/50 cases, tallied for the middle year (2024) into a new report workbook by one `nianbao tally`
call: wall time including interpreter start. Target on this 2-core machine: ≤ 5 s for 100,000.
Run on the register as openpyxl writes it (inline strings) and as LibreOffice saves it (shared
strings, what Excel and WPS files look like). Baseline in the same run: the same counts done by a
pandas script reading the register with `read_excel` (what a person would write); floor: unzipping
the register and scanning its XML with expat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from xlsx_tools.format.declaration import load
from xlsx_tools.register.layout import register_layout


def write(path: Path, n: int) -> None:
    fmt, layout = load(), register_layout()
    spec = fmt.register
    rnd = random.Random(7)
    wb = Workbook(write_only=True)
    applicants, results = list(layout.applicants), list(layout.results)
    ws = wb.create_sheet(spec["applications"])
    ws.append(["依申请公开台账"])
    ws.append([c["label"] for c in spec["columns"]])
    for i in range(n):
        received = dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randrange(3 * 365 - 60))
        answered = rnd.random() < 0.9
        replied = received + dt.timedelta(days=rnd.randrange(0, 30)) if answered else None
        ws.append([f"{i:06d}", received, rnd.choice(applicants), "张某", "申请公开某项信息", None, None, None,
                   rnd.choice(results) if answered else None, replied])
    cases = wb.create_sheet(spec["cases"])
    cases.append(["复议诉讼"])
    cases.append([c["label"] for c in spec["case_columns"]])
    for i in range(n // 50):
        received = dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randrange(3 * 365 - 120))
        cases.append([f"C{i:05d}", rnd.choice(list(layout.case_types)), received,
                      rnd.choice(list(layout.case_results)), received + dt.timedelta(days=90)])
    wb.save(path)


def pandas_count(path: Path) -> float:
    import pandas as pd

    start = time.perf_counter()
    frame = pd.read_excel(path, sheet_name=load().register["applications"], header=1, engine="openpyxl")
    year = frame[(frame["收到日期"] >= "2024-01-01") & (frame["收到日期"] <= "2024-12-31")]
    year.groupby("申请人类型").size()
    return time.perf_counter() - start


def xml_floor(path: Path) -> float:
    """Unzip the register's sheets and scan their XML with expat, doing nothing with it: the floor."""
    import xml.parsers.expat
    import zipfile

    start = time.perf_counter()
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml":
                xml.parsers.expat.ParserCreate().Parse(z.read(name), True)
    return time.perf_counter() - start


def libreoffice_copy(path: Path, folder: Path) -> Path | None:
    """The register as a spreadsheet client saves it (shared strings, as Excel and WPS files are)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return None
    folder.mkdir()
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(folder), str(path)],
                   capture_output=True, timeout=600)
    out = folder / path.name
    return out if out.exists() else None


def tally_wall(path: Path, out: Path, runs: int = 3) -> tuple[float, subprocess.CompletedProcess]:
    """Median wall time of whole `nianbao tally` processes (interpreter start included)."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "xlsx_tools.cli", "tally", str(path), "--year", "2024",
                               "-o", str(out)], capture_output=True, text=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), proc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "台账.xlsx"
        start = time.perf_counter()
        write(path, args.rows)
        print(f"wrote a register of {args.rows} rows in {time.perf_counter() - start:.1f} s"
              f" ({path.stat().st_size / 1e6:.1f} MB, inline strings as openpyxl writes them)")
        saved = libreoffice_copy(path, Path(tmp) / "lo")
        for label, register in (("openpyxl-written", path), ("LibreOffice-saved", saved)):
            if register is None:
                print(f"{label}: soffice not found, skipped")
                continue
            wall, proc = tally_wall(register, Path(tmp) / "年报.xlsx")
            floor = xml_floor(register)
            print(f"nianbao tally of {args.rows} rows, {label} ({register.stat().st_size / 1e6:.1f} MB):"
                  f" {wall:.2f} s median of 3 (exit {proc.returncode})  [target ≤ 5 s for 100,000]")
            print(f"  floor: unzip and expat scan of its XML {floor:.2f} s (tally is {wall / floor:.1f}x the floor)")
            print("  " + (proc.stdout or proc.stderr).strip()[-300:], flush=True)
        baseline = pandas_count(path)
        print(f"baseline: pandas.read_excel of the register and one count, {baseline:.1f} s"
              f" (tally is {baseline / wall:.1f}x faster)")


if __name__ == "__main__":
    main()
