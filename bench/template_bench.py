"""Benchmark: producing templates. Prints figures; asserts nothing (these machines are noisy).

    python bench/template_bench.py [--agencies 200]

1. `nianbao template` from the command line, wall time including interpreter start (median of 5).
2. Personalised templates for a roster of N agencies: the shipped path (build once, stamp and save
   per agency) against the baseline of building every template from scratch, in the same run.
3. What cached values cost a filled template: saved with every formula's value (shipped) against
   openpyxl's plain save of the same workbook (baseline), median of 20.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xlsx_tools.format.uscc import complete
from xlsx_tools.write import cached, template


def cli_seconds(folder: Path, runs: int = 5) -> float:
    exe = shutil.which("nianbao") or str(Path(sys.executable).with_name("nianbao"))
    times = []
    for n in range(runs):
        start = time.perf_counter()
        subprocess.run([exe, "template", "-o", str(folder / f"cli{n}.xlsx")], check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def agencies(n: int) -> list[dict]:
    return [{"name": f"某区第{i}局", "code": complete(f"11410300MB{i:07d}"), "kind": "部门", "year": 2025}
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=200)
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
            template.write(folder / f"stamped{i}.xlsx", values, workbook=master)
        stamped = time.perf_counter() - start

        n = args.agencies
        print(f"{n} personalised templates, built from scratch each (baseline): {scratch:.1f} s "
              f"({scratch / n * 1000:.0f} ms each)")
        print(f"{n} personalised templates, built once and stamped (shipped):  {stamped:.1f} s "
              f"({stamped / n * 1000:.0f} ms each)")
        print(f"speed-up: {scratch / stamped:.1f}x; projected for 500 agencies: {stamped / n * 500:.0f} s")
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
