"""Benchmark: nianbao validate. Prints figures and ratios; asserts nothing (these machines are noisy).

    python bench/validate_bench.py [--files 1000]

1. One workbook from the command line, wall time including interpreter start (median of 5);
   target ≤ 0.8 s (issue 21). Baseline in the same run: `python -c "import pandera.pandas"` (the import
   floor), also without pandera's optional import of hypothesis, which `nianbao` blocks in its process.
2. N generated workbooks validated in one `nianbao validate DIR` call; target ≤ 3 s for 1,000.
   Baselines in the same run: reading every sheet part's bytes with zipfile (the floor), and
   openpyxl read-only loading of a sample (what a user would script), extrapolated to N.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from console import nianbao  # noqa: E402
from fills import correct_values, fill  # noqa: E402

from xlsx_tools.write import template  # noqa: E402


def generate(folder: Path, n: int) -> list[Path]:
    """N workbooks: one real fill, with 新收/自然人 varied per copy (some break R1 on purpose)."""
    buf = io.BytesIO()
    fill(template.build(), correct_values()).save(buf)
    good = buf.getvalue()
    files = []
    for i in range(n):
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "xl/worksheets/sheet5.xml":
                    data = re.sub(rb'(<c r="D6"[^>]*><v>)17(</v>)', rb"\g<1>%d\g<2>" % (17 + i % 3), data)
                dst.writestr(info.filename, data)
        path = folder / f"单位{i:04d}.xlsx"
        path.write_bytes(out.getvalue())
        files.append(path)
    return files


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    exe = nianbao()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        start = time.perf_counter()
        files = generate(folder, args.files)
        print(f"generated {len(files)} workbooks in {time.perf_counter() - start:.1f} s")

        one = wall([exe, "validate", str(files[0])], 5)
        floor = wall([sys.executable, "-c", "import pandera.pandas"], 5)
        blocked = "import sys; sys.modules['hypothesis'] = None; import pandera.pandas"
        floor_alone = wall([sys.executable, "-c", blocked], 5)
        print(f"validate one workbook (CLI, incl. interpreter start), median of 5: {one:.2f} s"
              f"  [target ≤ 0.8 s: {'met' if one <= 0.8 else 'MISSED'}]")
        print(f"  baseline: python -c 'import pandera.pandas': {floor:.2f} s  (validate = {one / floor:.1f}x that); "
              f"without pandera's optional hypothesis import (as nianbao starts): {floor_alone:.2f} s")

        many = wall([exe, "validate", str(folder), "--format", "json"], 3)
        print(f"validate {len(files)} workbooks in one call (CLI, 2 cores), median of 3: {many:.2f} s"
              f"  [target ≤ 3 s for 1,000: {'met' if many <= 3 * len(files) / 1000 else 'MISSED'}]")

        start = time.perf_counter()
        for path in files:
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.startswith("xl/worksheets/"):
                        z.read(name)
        zip_floor = time.perf_counter() - start
        print(f"  baseline: zipfile reading every sheet part of {len(files)}: {zip_floor:.2f} s"
              f"  (validate = {many / zip_floor:.1f}x the floor)")

        from openpyxl import load_workbook

        sample = files[:50]
        start = time.perf_counter()
        for path in sample:
            wb = load_workbook(path, read_only=True, data_only=True)
            for ws in wb.worksheets:
                for _ in ws.iter_rows(values_only=True):
                    pass
            wb.close()
        per_file = (time.perf_counter() - start) / len(sample)
        print(f"  baseline: openpyxl read-only load, {per_file * 1000:.0f} ms per file → {per_file * len(files):.1f} s"
              f" for {len(files)} in one process  (validate is {per_file * len(files) / many:.1f}x faster)")


if __name__ == "__main__":
    main()
