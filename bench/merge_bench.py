"""Benchmark: nianbao merge. Prints figures, ratios and targets; asserts nothing (these machines are noisy).

    python bench/merge_bench.py [--files 1000] [--memory-files 20000] [--clients openpyxl,libreoffice]

For each kind of file (``--clients``): as openpyxl writes them (inline strings, no cached values)
and as a real spreadsheet client saves them (LibreOffice: shared strings and cached formula values,
which is what Excel and WPS files look like), N realistic agency workbooks (distinct names, codes
and numbers; about 5 % with an arithmetic error, 1 % truncated, a few encrypted):

1. ``nianbao merge DIR -o 汇总.xlsx`` as one command, wall time including interpreter start, median
   of ``--runs`` whole processes. Target on this 2-core machine: ≤ 3 s for 1,000.
2. Floor in the same run, on one core: unzipping the same files' worksheets and shared strings,
   and also scanning that XML with expat (no callbacks); merge's ratio to each.
3. Baseline in the same run: what a user would script, a loop of ``pandas.read_excel(f,
   sheet_name=None)`` per file plus summing the three tables, timed on a sample and extrapolated to
   N. Target: merge ≥ 12× faster.
4. With ``--memory-files M``: M workbooks merged once, wall time and peak memory of the whole
   process tree (the command and its workers, summed as PSS so pages shared after fork count
   once). Targets for 20,000: ≤ 90 s and ≤ 400 MB.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from agencies import agency  # noqa: E402
from console import nianbao  # noqa: E402
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


def run_merge(cmd: list[str], quiet: bool = False, measure_memory: bool = True) -> tuple[float, int, int]:
    """Wall seconds, peak PSS of the process tree and of the main process (MB), sampled every 50 ms.
    Without ``measure_memory`` nothing is sampled (the sampler's /proc walks take CPU from the
    command it times) and both peaks are 0."""
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
    if measure_memory:
        watcher.start()
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if measure_memory:
        watcher.join()
    if not quiet:
        print("  " + out.decode().strip().splitlines()[-1])
    if proc.returncode not in (0, 1) or not out:
        raise SystemExit(f"merge failed ({proc.returncode}):\n{err.decode()[-3000:]}")
    return elapsed, peak_tree // 1024, peak_main // 1024


def floor(files: list[Path]) -> tuple[float, float]:
    """Seconds to unzip every file's worksheets and shared strings, and to also scan their XML with
    expat (no callbacks), on one core: the least any reader of these files does."""
    from xml.parsers import expat

    times = []
    for scan in (False, True):
        start = time.perf_counter()
        for path in files:
            try:
                with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
                    for name in z.namelist():
                        if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml":
                            data = z.read(name)
                            if scan:
                                expat.ParserCreate().Parse(data, True)
            except (zipfile.BadZipFile, expat.ExpatError, EOFError):
                continue  # truncated and encrypted files: a reader stops at them too
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def speed(exe: str, folder: Path, out: Path, n: int, runs: int, sample: int) -> None:
    times = []
    for _ in range(runs):
        elapsed, _tree, _main = run_merge([exe, "merge", str(folder), "-o", str(out)], quiet=bool(times),
                                          measure_memory=False)
        times.append(elapsed)
    wall = statistics.median(times)
    files = sorted(folder.iterdir())
    unzip, scan = floor(files)
    per_file = baseline(files[:sample])
    projected = per_file * n
    runs_text = ", ".join(f"{t:.2f}" for t in times)
    print(f"  nianbao merge {n} workbooks (CLI, 2 cores, incl. interpreter start), median of {runs}: {wall:.2f} s"
          f"  (runs: {runs_text})  [target ≤ 3 s for 1,000: {verdict(wall <= 3 * n / 1000)}]")
    print(f"  floor, one core: unzipping the same files' sheet XML {unzip:.2f} s (merge is {wall / unzip:.1f}x);"
          f" unzipping and scanning it with expat {scan:.2f} s (merge is {wall / scan:.1f}x)")
    print(f"  baseline: pandas.read_excel + summing, {per_file * 1000:.0f} ms per file on {sample} files"
          f" → {projected:.1f} s for {n}  (merge is {projected / wall:.1f}x faster)"
          f"  [target ≥ 12x: {verdict(projected / wall >= 12)}]")


def memory(exe: str, folder: Path, out: Path, n: int) -> None:
    elapsed, tree, main_mb = run_merge([exe, "merge", str(folder), "-o", str(out)])
    print(f"  nianbao merge {n} workbooks: {elapsed:.1f} s  [target ≤ 90 s for 20,000:"
          f" {verdict(elapsed <= 90 * n / 20000)}]")
    print(f"  peak memory (PSS): whole process tree {tree} MB, main process {main_mb} MB"
          f"  [target ≤ 400 MB for 20,000: {verdict(tree <= 400)}]; summary file {out.stat().st_size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000, help="0 skips the speed run")
    parser.add_argument("--memory-files", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3, help="whole-process runs of the speed merge (median)")
    parser.add_argument("--sample", type=int, default=100, help="files the pandas baseline reads")
    parser.add_argument("--clients", default="openpyxl,libreoffice",
                        help="whose files: openpyxl (as written) and/or libreoffice (as a spreadsheet client saves)")
    args = parser.parse_args()
    exe = nianbao()
    for client in args.clients.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            base = bases(client == "libreoffice", tmp)
            print(f"{'LibreOffice-saved' if client == 'libreoffice' else 'openpyxl-written'} workbooks"
                  f" ({'shared strings, cached values' if client == 'libreoffice' else 'inline strings'}):")
            for n, job in ((args.files, "speed"), (args.memory_files, "memory")):
                if not n:
                    continue
                folder = tmp / f"in{n}"
                folder.mkdir()
                start = time.perf_counter()
                generate(folder, n, base)
                print(f"  generated {n} workbooks in {time.perf_counter() - start:.1f} s")
                out = tmp / f"汇总{n}.xlsx"
                if job == "speed":
                    speed(exe, folder, out, n, args.runs, min(args.sample, n))
                else:
                    memory(exe, folder, out, n)
                shutil.rmtree(folder)


if __name__ == "__main__":
    main()
