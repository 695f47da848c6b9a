"""Benchmark: nianbao report. Prints figures and ratios; asserts nothing (these machines are noisy).

    python bench/report_bench.py [--files 100] [--pdf 20]

1. N distinct filled workbooks (a district's agencies) → .docx + .html by one `nianbao report DIR -o
   OUT --format docx,html` call: wall time including interpreter start. Target on this 2-core
   machine: ≤ 15 s for 100. Baseline in the same run: `nianbao validate DIR` over the same files
   (the report must check each workbook exactly as validate does, so that is its floor).
2. With --pdf M (LibreOffice installed): M workbooks → .pdf, converted in one LibreOffice call,
   against the same M converted one call per file (what a script looping over soffice does).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from agencies import agency, write  # noqa: E402

from xlsx_tools.write import libreoffice  # noqa: E402


def nianbao(*args: object) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xlsx_tools.cli", *map(str, args)], capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--pdf", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for n in range(args.files):
            write(folder / "in" / f"{n:04d}.xlsx", agency(n))
        floor = nianbao("validate", folder / "in")
        shipped = nianbao("report", folder / "in", "-o", folder / "out", "--format", "docx,html")
        written = len(list((folder / "out").glob("*.docx"))) + len(list((folder / "out").glob("*.html")))
        print(f"{args.files} workbooks → .docx + .html (nianbao report, one call): {shipped:.1f} s "
              f"({written} files; {shipped / args.files * 1000:.0f} ms a workbook)")
        print(f"baseline, nianbao validate over the same workbooks: {floor:.1f} s; report / validate = "
              f"{shipped / floor:.2f}")
        if args.pdf and libreoffice.soffice():
            docs = sorted((folder / "out").glob("*.docx"))[: args.pdf]
            (folder / "batched").mkdir()
            start = time.perf_counter()
            libreoffice.convert(docs, folder / "batched")
            batched = time.perf_counter() - start
            (folder / "single").mkdir()
            start = time.perf_counter()
            for doc in docs:
                libreoffice.convert([doc], folder / "single")
            single = time.perf_counter() - start
            print(f"{len(docs)} .docx → .pdf in one LibreOffice call: {batched:.1f} s; one call per file "
                  f"(baseline): {single:.1f} s; {single / batched:.1f}x")
        elif args.pdf:
            print("LibreOffice is not installed: PDF conversion not measured")
        shutil.rmtree(folder / "out", ignore_errors=True)


if __name__ == "__main__":
    main()
