"""Benchmark: a scanned report imported (OCR). Prints figures and ratios; asserts nothing.

    python bench/ocr_bench.py

A sample's report as `nianbao report` prints it (the 2023 sample: five pages), rasterised at 200 dpi into an
image-only PDF, imported by one `nianbao import` call: wall time including interpreter start.
Target on this 2-core machine: ≤ 20 s for a 5-page scan (issue 32). Baseline in the same run: the
text PDF of the same report imported the same way. Needs the `ocr` extra, LibreOffice and pdftoppm.

Then whether pages should be recognised in parallel: the same pages read by one engine using both
cores (as the import does) against two threads, each with its own engine on one core.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def nianbao(*args: object) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "xlsx_tools.cli", *map(str, args)], capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    from PIL import Image

    sample = sorted((ROOT / "samples" / "报表" / "2023").glob("*.xlsx"))[0]  # five pages printed
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        nianbao("report", sample, "-o", work / "pdf", "--format", "pdf")
        (pdf,) = (work / "pdf").glob("*.pdf")
        subprocess.run(["pdftoppm", "-r", "200", "-png", str(pdf), str(work / "page")], check=True)
        pages = []
        for path in sorted(work.glob("page-*.png")):
            with Image.open(path) as page:
                pages.append(page.convert("RGB"))
        scan = work / "scan" / "扫描件.pdf"
        scan.parent.mkdir()
        pages[0].save(scan, save_all=True, append_images=pages[1:], resolution=200)
        text = nianbao("import", pdf, "-o", work / "text.xlsx")
        scanned = nianbao("import", scan, "-o", work / "scan.xlsx")
        print(f"baseline: the text PDF ({len(pages)} pages) imported: {text:.1f} s")
        print(f"the same report scanned at 200 dpi ({len(pages)} pages) imported with OCR: {scanned:.1f} s "
              f"({scanned / len(pages):.1f} s a page; {scanned / text:.1f}x the text PDF)")
        five = scanned / len(pages) * 5
        measured = "measured" if len(pages) == 5 else f"estimated from {len(pages)} pages"
        print(f"a 5-page scan: {five:.1f} s ({measured}); target ≤ 20 s: {'met' if five <= 20 else 'missed'}")
        parallel(pages)


def parallel(pages) -> None:
    """The pages recognised one after another by one engine on both cores, and by two threads."""
    import numpy as np
    from rapidocr_onnxruntime import RapidOCR

    arrays = [np.asarray(p) for p in pages]
    one = RapidOCR()
    one(arrays[0][:200])  # loaded and warmed before timing
    start = time.perf_counter()
    for page in arrays:
        one(page, use_cls=False)
    serial = time.perf_counter() - start
    engines = [RapidOCR(intra_op_num_threads=1) for _ in range(2)]
    for engine in engines:
        engine(arrays[0][:200])

    def share(k: int) -> None:
        for page in arrays[k::2]:
            engines[k](page, use_cls=False)

    start = time.perf_counter()
    threads = [threading.Thread(target=share, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    both = time.perf_counter() - start
    print(f"recognition alone: one engine on both cores {serial:.1f} s; two pages at a time, one core each "
          f"{both:.1f} s ({serial / both:.2f}x): {'parallel pages pay' if both < serial else 'one engine is faster'}")


if __name__ == "__main__":
    main()
