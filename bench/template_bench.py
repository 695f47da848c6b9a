"""Benchmark: producing templates. Prints figures; asserts nothing (these machines are noisy).

    python bench/template_bench.py [--agencies 200] [--roster 500]

1. `nianbao template` from the command line, wall time including interpreter start (median of 5).
2. `nianbao template --roster` for a roster of R agencies (default 500), wall time including
   interpreter start. Target on this 2-core machine: ≤ 10 s for 500.
3. Personalised templates for N agencies in-process: the shipped path (the template saved once,
   each agency stamped into its package: `write.stamping.Stamper`) against two baselines in the
   same run, the previous path (built once, stamped in memory and saved by openpyxl per agency)
   and building every template from scratch.
4. What cached values cost a filled template: saved with every formula's value (shipped) against
   openpyxl's plain save of the same workbook (baseline), median of 20.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from console import nianbao
from openpyxl import Workbook

from xlsx_tools.format.uscc import complete
from xlsx_tools.write import cached, template
from xlsx_tools.write.stamping import Stamper


def cli_seconds(folder: Path, runs: int = 5) -> float:
    exe = nianbao()
    times = []
    for n in range(runs):
        start = time.perf_counter()
        subprocess.run([exe, "template", "-o", str(folder / f"cli{n}.xlsx")], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def roster_seconds(folder: Path, n: int) -> float:
    roster = folder / "名录.xlsx"
    wb = Workbook()
    wb.active.append(["单位名称", "统一社会信用代码", "单位类型", "所属地区"])
    for values in agencies(n):
        wb.active.append([values["name"], values["code"], values["kind"], "某省某市某区"])
    wb.save(roster)
    exe = nianbao()
    start = time.perf_counter()
    subprocess.run([exe, "template", "--roster", str(roster), "--outdir", str(folder / "各单位模板"), "--year", "2025"],
                   check=True, capture_output=True)
    return time.perf_counter() - start


def agencies(n: int) -> list[dict]:
    return [{"name": f"某区第{i}局", "code": complete(f"11410300MB{i:07d}"), "kind": "部门", "year": 2025}
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=200)
    parser.add_argument("--roster", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"nianbao template (CLI, incl. interpreter start), median of 5: {cli_seconds(folder):.2f} s")
        people = agencies(args.agencies)
        template.build()  # warm the declaration and layout caches for both paths alike

        start = time.perf_counter()
        for i, values in enumerate(people):
            template.write(folder / f"scratch{i}.xlsx", values)
        scratch = time.perf_counter() - start

        start = time.perf_counter()
        master = template.build()
        for i, values in enumerate(people):
            template.write(folder / f"saved{i}.xlsx", values, workbook=master)
        saved = time.perf_counter() - start

        start = time.perf_counter()
        stamper = Stamper()
        for i, values in enumerate(people):
            stamper.write(folder / f"stamped{i}.xlsx", values)
        stamped = time.perf_counter() - start

        n = args.agencies
        print(f"{n} personalised templates, built from scratch each (baseline): {scratch:.1f} s "
              f"({scratch / n * 1000:.0f} ms each)")
        print(f"{n} personalised templates, built once, saved by openpyxl each (previous): {saved:.1f} s "
              f"({saved / n * 1000:.0f} ms each)")
        print(f"{n} personalised templates, stamped into one saved package (shipped): {stamped:.1f} s "
              f"({stamped / n * 1000:.0f} ms each); {saved / stamped:.1f}x faster than the previous, "
              f"{scratch / stamped:.1f}x than scratch")
        wall = roster_seconds(folder, args.roster)
        print(f"nianbao template --roster, {args.roster} agencies (CLI, incl. interpreter start): {wall:.1f} s"
              f"  [target ≤ 10 s for 500: {'met' if wall <= 10 * args.roster / 500 else 'MISSED'}]")
        plain, with_values = cached_cost()
        print(f"a filled template saved by openpyxl alone (baseline): {plain * 1000:.0f} ms; with every formula's "
              f"cached value (shipped): {with_values * 1000:.0f} ms ({with_values / plain:.2f}x)")


def cached_cost(runs: int = 20) -> tuple[float, float]:
    import io

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from fills import correct_values, fill

    wb = fill(template.build(), correct_values())
    plain, shipped = [], []
    for _ in range(runs):
        start = time.perf_counter()
        wb.save(io.BytesIO())
        plain.append(time.perf_counter() - start)
        start = time.perf_counter()
        cached.workbook_bytes(wb)
        shipped.append(time.perf_counter() - start)
    return statistics.median(plain), statistics.median(shipped)


if __name__ == "__main__":
    main()
