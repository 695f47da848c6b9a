"""The ``nianbao`` command the benchmarks time, as an installed copy runs.

* The console script beside this interpreter, as a virtual environment or an installer puts it: a
  version manager's shim on PATH (pyenv's is a bash script) would add its own start-up, about
  0.1 s, to every figure.
* The package byte-compiled, as ``pip install`` leaves it: an editable checkout run with
  ``PYTHONDONTWRITEBYTECODE`` set (this machine sets it) compiles every module from source on
  every start, about 0.3 s of a command's start-up.
"""

from __future__ import annotations

import compileall
import shutil
import sys
from pathlib import Path

import xlsx_tools


def nianbao() -> str:
    compileall.compile_dir(str(Path(xlsx_tools.__file__).parent), quiet=1)
    beside = Path(sys.executable).with_name("nianbao")
    return str(beside) if beside.exists() else (shutil.which("nianbao") or "nianbao")
