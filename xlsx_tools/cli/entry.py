"""The ``nianbao`` console command, and ``python -m xlsx_tools.cli``."""

from __future__ import annotations

import sys


def run() -> None:
    """Run the command. pandera imports hypothesis whenever it is installed (for data synthesis, which
    no command uses): on a machine with the test extra that is 0.3 s of every start, a third of a
    one-file ``nianbao validate``. The command's own process blocks that import; code calling
    :func:`main` in-process (tests, the add-in) is unaffected."""
    sys.modules.setdefault("hypothesis", None)
    from . import main

    main()
