"""Benchmark: nianbao assess. Prints figures and ratios; asserts nothing (these machines are noisy).

    python bench/assess_bench.py [--reports 100]

N published reports in mixed formats (the samples' five real texts as copied text, web pages, Word
documents and PDFs — a quarter each; the PDFs printed from the Word documents by LibreOffice, made
before the clock starts), with last year's reports of the same agencies as --previous and a roster,
assessed by one `nianbao assess` call: wall time including interpreter start. Target on this
2-core machine: ≤ 30 s for 100 (issue 31). Baseline in the same run: `nianbao import` of the same
reports (the import and the checks every assessment starts from), so the ratio is what judging,
comparing with last year and writing the workbook add.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def nianbao(*args: object) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "xlsx_tools.cli", *map(str, args)], capture_output=True,
                          check=False)
    return time.perf_counter() - start, proc.returncode


def region(folder: Path, count: int) -> tuple[Path, Path, Path]:
    """``count`` reports (distinct agencies, a quarter in each format) and last year's as text."""
    from openpyxl import Workbook
    from zoo import render_docx, render_html

    from xlsx_tools.write.libreoffice import convert

    seeds = sorted((ROOT / "samples" / "原文").glob("*2024*.txt"))
    now, before = folder / "本年", folder / "上年"
    for made in (now, before, folder / "docx", folder / "pdf"):
        made.mkdir()
    names, docx_for_pdf = [], []
    for n in range(count):
        seed = seeds[n % len(seeds)]
        text = seed.read_text(encoding="utf-8")
        old = seed.name.split("2024")[0]
        name = f"第{n:03d}街道办事处"
        names.append(name)
        mine = text.replace(old, name)
        (before / f"{name}2023.txt").write_text(mine.replace("2025", "2024x").replace("2024", "2023")
                                                .replace("2024x", "2024"), encoding="utf-8")
        kind = ("txt", "html", "docx", "pdf")[n % 4]
        if kind == "txt":
            (now / f"{name}.txt").write_text(mine, encoding="utf-8")
        elif kind == "html":
            (now / f"{name}.html").write_bytes(render_html(mine))
        elif kind == "docx":
            render_docx(mine, now / f"{name}.docx")
        else:
            docx_for_pdf.append(render_docx(mine, folder / "docx" / f"{name}.docx"))
    printed = convert(docx_for_pdf, folder / "pdf", target="pdf", timeout=1200)
    for made in printed.values():
        shutil.move(made, now / made.name)
    wb = Workbook()
    wb.active.append(["序号", "单位名称", "统一社会信用代码", "单位类型", "所属地区"])
    for n, name in enumerate(names + ["未报送的街道办事处"], 1):
        wb.active.append([n, name, "", "乡镇街道", "某区"])
    wb.save(folder / "名录.xlsx")
    return now, before, folder / "名录.xlsx"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        now, before, roster = region(folder, args.reports)
        kinds = sorted({p.suffix for p in now.iterdir()})
        print(f"made {len(list(now.iterdir()))} reports ({'、'.join(kinds)}) and {args.reports} of last year "
              f"in {time.perf_counter() - start:.1f} s (not timed below)")
        imported, _ = nianbao("import", now, "-o", folder / "导入")
        assessed, code = nianbao("assess", now, "-o", folder / "评估.xlsx", "--previous", before,
                                 "--roster", roster, "--html", folder / "评估.html")
        written = (folder / "评估.xlsx").exists()
        print(f"baseline: nianbao import of the {args.reports} reports (one call): {imported:.1f} s")
        print(f"nianbao assess of the {args.reports} reports, last year's {args.reports} as --previous, roster, "
              f"--html (one call): {assessed:.1f} s, exit {code}, workbook written: {written}; "
              f"{assessed / imported:.2f}x the import")
        target = 30 * args.reports / 100
        print(f"target ≤ {target:.0f} s: {'met' if assessed <= target else 'missed'}")


if __name__ == "__main__":
    main()
