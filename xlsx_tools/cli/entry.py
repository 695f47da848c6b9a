"""The ``nianbao`` console command, and ``python -m xlsx_tools.cli``."""

from __future__ import annotations

import os
import sys

#: commands people wait for that hold nothing open when they end (no database, no server): their
#: process leaves without tearing down what it built (see :func:`run`)
QUICK_EXIT = frozenset({"merge", "validate", "template"})


def run() -> None:
    """Run the command.

    pandera imports hypothesis whenever it is installed (for data synthesis, which no command
    uses): on a machine with the test extra that is 0.3 s of every start, a third of a one-file
    ``nianbao validate``. The command's own process blocks that import; code calling :func:`main`
    in-process (tests, the add-in) is unaffected.

    When one of :data:`QUICK_EXIT` has finished (every output written atomically and synced, the
    workers stopped), the process ends at once, its output flushed, instead of freeing every object
    of a 1,000-file consolidation one by one first (about 0.1 s).
    """
    sys.modules.setdefault("hypothesis", None)
    from . import main

    quick = len(sys.argv) > 1 and sys.argv[1] in QUICK_EXIT
    try:
        main()
    except SystemExit as exc:
        if not quick:
            raise
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if not isinstance(exc.code, (int, type(None))):
            print(exc.code, file=sys.stderr)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a reader that went away (| head), a closed stream
                code = code or 1
        os._exit(code)
