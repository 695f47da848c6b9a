"""Benchmark: nianbao import. Prints figures and ratios; asserts nothing (these machines are noisy).

    python bench/import_bench.py [--reports 100] [--pdfs 100]

1. N published reports (the five seeds, copied under distinct names) imported by one `nianbao import
   DIR -o OUT` call: wall time including interpreter start. Target on this 2-core machine: ≤ 20 s for
   100. Baseline in the same run, in-process on 10 of them: a fresh template built for every report
   (what the importer did before it reused one template per batch) against the shipped reuse.
2. M PDFs (reports `nianbao report` generated from the samples, about five pages each, copied) imported
   by one call. Target: 100 ten-page PDFs ≤ 60 s (scale the per-page figure printed). Imports run in
   worker processes (one per core), each file under its time limit.
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


def nianbao(*args: object) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xlsx_tools.cli", *map(str, args)], capture_output=True, check=False)
    return time.perf_counter() - start


def per_report(sources: list[Path], folder: Path, reuse: bool) -> float:
    from xlsx_tools.published.conversion import import_one
    from xlsx_tools.write import template

    base = template.build() if reuse else None
    start = time.perf_counter()
    for n, source in enumerate(sources):
        import_one(source, folder / f"{n}.xlsx", base=base)
    return (time.perf_counter() - start) / len(sources)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--pdfs", type=int, default=100)
    args = parser.parse_args()
    seeds = sorted((ROOT / "samples" / "原文").iterdir())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "txt").mkdir()
        for n in range(args.reports):
            source = seeds[n % len(seeds)]
            shutil.copyfile(source, folder / "txt" / f"{n:04d}{source.suffix}")
        shipped = nianbao("import", folder / "txt", "-o", folder / "out")
        print(f"{args.reports} published reports imported (nianbao import, one call): {shipped:.1f} s "
              f"({shipped / args.reports * 1000:.0f} ms a report)")
        sample = sorted((folder / "txt").iterdir())[:10]
        (folder / "a").mkdir()
        (folder / "b").mkdir()
        fresh, reused = per_report(sample, folder / "a", False), per_report(sample, folder / "b", True)
        print(f"in-process per report: a fresh template each (baseline) {fresh * 1000:.0f} ms, one template "
              f"reused (shipped) {reused * 1000:.0f} ms; {fresh / reused:.1f}x")
        if args.pdfs:
            nianbao("report", ROOT / "samples" / "报表" / "2024", "-o", folder / "made", "--format", "pdf")
            made = sorted((folder / "made").glob("*.pdf"))
            if not made:
                print("no PDFs made (LibreOffice missing?): PDF import not measured")
                return
            (folder / "pdf").mkdir()
            pages = 0
            for n in range(args.pdfs):
                source = made[n % len(made)]
                shutil.copyfile(source, folder / "pdf" / f"{n:04d}.pdf")
                info = subprocess.run(["pdfinfo", str(source)], capture_output=True, text=True).stdout
                pages += int(next((ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")), "0"))
            seconds = nianbao("import", folder / "pdf", "-o", folder / "pdf-out")
            print(f"{args.pdfs} PDFs ({pages} pages) imported (one call): {seconds:.1f} s; "
                  f"{seconds / max(pages, 1) * 1000:.0f} ms a page → 100 ten-page PDFs ≈ "
                  f"{seconds / max(pages, 1) * 1000:.0f} s")


if __name__ == "__main__":
    main()
