"""Benchmark: what the worst files of the bad-input corpus cost the reader. Prints figures and ratios;
asserts nothing (these machines are noisy).

    python bench/limits_bench.py

Each file is read by ``xlsx_tools.reader.read_path`` in a fresh process (median of 3 runs), which
reports its read time and peak RSS; the baseline is a correct workbook read the same way in the same
run. Targets: zip bombs, part floods and hostile XML refused in milliseconds with no more memory than
a correct file; a cell at XFD1048576 no dearer than a correct file; the 99 MB comment (under every
size limit) is what the per-file time limit is for.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import corpus  # noqa: E402

CASES = ["OK__whole-number-as-float.xlsx", "F-TOO-BIG__zip-bomb.xlsx", "F-TOO-BIG__sheet-part-bomb.xlsx",
         "F-TOO-MANY-PARTS__part-flood.xlsx", "F-UNSAFE-XML__billion-laughs-shared-strings.xlsx",
         "F-UNSAFE-XML__xxe-in-sheet.xlsx", "S-DATA-OUTSIDE-TABLE__cell-at-XFD1048576.xlsx",
         "OK__dimension-A1-XFD1048576.xlsx", "OK__large-image.xlsx", "F-TIMEOUT__huge-xml-comment.xlsx"]

PROBE = """
import json, resource, sys, time
from pathlib import Path
from xlsx_tools.read.reader import read_path
start = time.perf_counter()
report = read_path(Path(sys.argv[1]))
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "codes": [f.code for f in report.findings]}))
"""
IMPORT_ONLY = ("import resource; import xlsx_tools.read.reader; "
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")


def probe(path: Path, runs: int) -> dict:
    results = []
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout))
    return {"seconds": statistics.median(r["seconds"] for r in results),
            "rss_mb": statistics.median(r["rss_mb"] for r in results), "codes": results[0]["codes"]}


def main() -> None:
    floor = float(subprocess.run([sys.executable, "-c", IMPORT_ONLY], capture_output=True, text=True,
                                 check=True).stdout)
    with tempfile.TemporaryDirectory() as tmp:
        rows = []
        for name in CASES:
            path = Path(tmp) / name
            path.write_bytes(corpus.bytes_of(name))
            runs = 1 if name.startswith("F-TIMEOUT") else 3
            rows.append((name, path.stat().st_size, probe(path, runs)))
    base = rows[0][2]
    print(f"process floor (interpreter + reader imported): {floor:.0f} MB peak RSS")
    print(f"{'file':52} {'size':>9} {'read':>9} {'× base':>7} {'peak RSS':>9} {'× base':>7}  codes")
    for name, size, r in rows:
        print(f"{name:52} {size / 1024:8.0f}K {r['seconds'] * 1000:7.1f}ms {r['seconds'] / base['seconds']:7.2f}"
              f" {r['rss_mb']:7.0f}MB {r['rss_mb'] / base['rss_mb']:7.2f}  {','.join(r['codes']) or '-'}")


if __name__ == "__main__":
    main()
