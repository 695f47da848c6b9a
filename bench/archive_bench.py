"""Benchmark: nianbao archive and nianbao compare. Prints figures and ratios; asserts nothing.

    python bench/archive_bench.py [--files 20000] [--agencies 500]

1. N realistic agency workbooks (merge_bench's mix: distinct names and codes, about 5 % with an
   error, 1 % truncated, a few encrypted) added to a fresh SQLite archive by one `nianbao archive
   add` call: wall time including interpreter start, and peak memory of the whole process tree.
   Targets on this 2-core machine: ≤ 60 s and ≤ 600 MB for 20,000. Baseline in the same run:
   `nianbao merge` of the same files (the reading and validating both do) — the archive's own cost is
   the difference.
2. A district of A agencies over two years in an archive, then `nianbao compare --db --year` of the
   whole district (a workbook): target ≤ 5 s for 500.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from merge_bench import BASES, CODE, NAME, generate, run_merge  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from agencies import agency  # noqa: E402
from console import nianbao  # noqa: E402
from fills import fill  # noqa: E402

from xlsx_tools.write import template  # noqa: E402


def year_bases(year: int) -> list[bytes]:
    """merge_bench's bases for one year (the last one breaks R1), texts that repeat year to year."""
    import io

    out = []
    for n in range(BASES):
        changes = {"id.name": NAME, "id.code": CODE, "id.year": year}
        if n == BASES - 1:
            changes["t3.new.natural"] = 999
        buf = io.BytesIO()
        fill(template.build(), agency(n, changes)).save(buf)
        out.append(buf.getvalue())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--agencies", type=int, default=500)
    args = parser.parse_args()
    exe = nianbao()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.files:
            folder = tmp / "in"
            folder.mkdir()
            start = time.perf_counter()
            generate(folder, args.files, year_bases(2025))
            print(f"generated {args.files} workbooks in {time.perf_counter() - start:.1f} s")
            db = tmp / "年报库.sqlite"
            added, tree, main_mb = run_merge([exe, "archive", "add", str(folder), "--db", str(db)])
            print(f"nianbao archive add {args.files} workbooks: {added:.1f} s, peak memory (PSS) of the process tree"
                  f" {tree} MB (main {main_mb} MB)  [targets ≤ 60 s and ≤ 600 MB for 20,000];"
                  f" archive {db.stat().st_size / 1e6:.0f} MB")
            merged, tree, _ = run_merge([exe, "merge", str(folder), "-o", str(tmp / "汇总.xlsx")])
            print(f"baseline: nianbao merge of the same files {merged:.1f} s ({tree} MB); the archive adds"
                  f" {added - merged:+.1f} s ({added / merged:.2f}x)")
        if args.agencies:
            db = tmp / "两年.sqlite"
            for year in (2024, 2025):
                folder = tmp / f"district{year}"
                folder.mkdir()
                generate(folder, args.agencies, year_bases(year))
                run_merge([exe, "archive", "add", str(folder), "--db", str(db)])
            seconds, tree, _ = run_merge([exe, "compare", "--db", str(db), "--year", "2025",
                                          "-o", str(tmp / "同比.xlsx"), "--html", str(tmp / "同比.html")])
            print(f"nianbao compare of a {args.agencies}-agency district (workbook and page): {seconds:.2f} s,"
                  f" {tree} MB  [target ≤ 5 s for 500]")


if __name__ == "__main__":
    main()
