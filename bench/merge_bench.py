"""Benchmark: nianbao merge. Prints figures and ratios; asserts nothing (these machines are noisy).

    python bench/merge_bench.py [--files 1000] [--memory-files 20000] [--lo]

1. N realistic agency workbooks (distinct names, codes and numbers; about 5 % with an arithmetic
   error, 1 % truncated, a few encrypted) merged by one `nianbao merge DIR -o 汇总.xlsx` call: wall
   time including interpreter start. Target on this 2-core machine: ≤ 3 s for 1,000.
   Baseline in the same run: what a user would script — a loop of `pandas.read_excel(f,
   sheet_name=None)` per file plus summing the three tables — timed on a sample, extrapolated to N.
   Target: merge ≥ 8× faster than the baseline.
2. With --memory-files M: M workbooks merged, peak memory of the whole process tree (the command and
   its worker processes, summed as PSS so pages shared after fork count once). Target ≤ 600 MB
   for 20,000.

--lo saves the base workbooks through LibreOffice first, so they carry cached formula values and
shared strings as files saved by Excel/WPS do (otherwise they are as openpyxl writes them).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from agencies import agency  # noqa: E402
from fills import fill  # noqa: E402

from xlsx_tools.format.uscc import complete  # noqa: E402
from xlsx_tools.write import template  # noqa: E402

NAME, CODE = "@@AGENCY-NAME@@", "@@AGENCY-CODE@@"  # ASCII: openpyxl writes CJK as &#...; references
BASES = 8


def bases(use_lo: bool, tmp: Path) -> list[bytes]:
    """Distinct filled workbooks with placeholder identities (the last one breaks R1)."""
    out = []
    for n in range(BASES):
        changes = {"id.name": NAME, "id.code": CODE}
        if n == BASES - 1:
            changes["t3.new.natural"] = 999
        buf = io.BytesIO()
        fill(template.build(), agency(n, changes)).save(buf)
        out.append(buf.getvalue())
    if use_lo:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from libreoffice import LibreOffice, find_soffice

        src = tmp / "lo-in"
        src.mkdir()
        paths = []
        for n, data in enumerate(out):
            paths.append(src / f"base{n}.xlsx")
            paths[-1].write_bytes(data)
        converted = LibreOffice(find_soffice(), tmp / "lo-profile").convert(paths, tmp / "lo-out")
        out = [p.read_bytes() for p in converted]
    return out


def generate(folder: Path, n: int, base: list[bytes]) -> None:
    """N files: identities patched into the bases' XML; 5 % errors, 1 % truncated, some encrypted."""
    parts = []
    for data in base:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts.append([(i, z.read(i.filename)) for i in z.infolist()])
    name_b, code_b = NAME.encode(), CODE.encode()
    encrypted = 0
    for i in range(n):
        k = BASES - 1 if i % 20 == 7 else i % (BASES - 1)
        name = f"某区第{i:05d}号单位".encode()
        code = complete(f"114103{i:011d}").encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            for info, body in parts[k]:
                if name_b in body or code_b in body:
                    body = body.replace(name_b, name).replace(code_b, code)
                dst.writestr(info.filename, body)
        data = out.getvalue()
        if i % 100 == 42:
            data = data[: len(data) // 2]
        elif i % 250 == 99 and encrypted < 4:
            from msoffcrypto.format.ooxml import OOXMLFile

            enc = io.BytesIO()
            OOXMLFile(io.BytesIO(data)).encrypt("口令", enc)
            data, encrypted = enc.getvalue(), encrypted + 1
        (folder / f"单位{i:05d}.xlsx").write_bytes(data)


def baseline(files: list[Path]) -> float:
    """Seconds per file for the script a user would write: pandas.read_excel per file, then sum."""
    import pandas as pd

    start = time.perf_counter()
    totals: dict[str, object] = {}
    for path in files:
        try:
            sheets = pd.read_excel(path, sheet_name=None)
        except Exception:  # broken files: a script would skip them
            continue
        for name in ("表二", "表三", "表四"):
            frame = sheets[name].apply(pd.to_numeric, errors="coerce").fillna(0)
            totals[name] = frame if name not in totals else totals[name].add(frame, fill_value=0)
    return (time.perf_counter() - start) / len(files)


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def run_merge(cmd: list[str]) -> tuple[float, int, int]:
    """Wall seconds, peak PSS of the process tree and of the main process (MB), sampled every 50 ms."""
    peak_tree = peak_main = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def sample() -> None:
        nonlocal peak_tree, peak_main
        while proc.poll() is None:
            pids = _tree(proc.pid)
            peak_tree = max(peak_tree, sum(_pss_kb(p) for p in pids))
            peak_main = max(peak_main, _pss_kb(proc.pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    watcher.join()
    print("  " + out.decode().strip().replace("\n", "\n  "))
    if proc.returncode not in (0, 1) or not out:
        raise SystemExit(f"merge failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return elapsed, peak_tree // 1024, peak_main // 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000, help="0 skips the speed run")
    parser.add_argument("--memory-files", type=int, default=0)
    parser.add_argument("--sample", type=int, default=100, help="files the pandas baseline reads")
    parser.add_argument("--lo", action="store_true", help="save the base workbooks through LibreOffice")
    args = parser.parse_args()
    exe = shutil.which("nianbao") or str(Path(sys.executable).with_name("nianbao"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = bases(args.lo, tmp)
        for n in [k for k in (args.files, args.memory_files) if k]:
            folder = tmp / f"in{n}"
            folder.mkdir()
            start = time.perf_counter()
            generate(folder, n, base)
            print(f"generated {n} workbooks in {time.perf_counter() - start:.1f} s"
                  f" ({'LibreOffice-saved' if args.lo else 'openpyxl-written'} bases)")
            out = tmp / f"汇总{n}.xlsx"
            elapsed, tree, main_mb = run_merge([exe, "merge", str(folder), "-o", str(out)])
            print(f"nianbao merge {n} workbooks (CLI, 2 cores, incl. interpreter start): {elapsed:.2f} s"
                  f"  [target ≤ 3 s for 1,000]")
            print(f"  peak memory (PSS): whole process tree {tree} MB, main process {main_mb} MB"
                  f"  [target ≤ 600 MB for 20,000]; summary file {out.stat().st_size / 1e6:.1f} MB")
            if n == args.files:
                files = sorted(folder.iterdir())[: args.sample]
                per_file = baseline(files)
                projected = per_file * n
                print(f"  baseline: pandas.read_excel + summing, {per_file * 1000:.0f} ms per file on {len(files)}"
                      f" files → {projected:.1f} s for {n}  (merge is {projected / elapsed:.1f}x faster;"
                      f" target ≥ 8x)")


if __name__ == "__main__":
    main()
