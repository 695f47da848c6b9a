"""``python -m xlsx_tools.cli``: the ``nianbao`` command."""

from .entry import run

run()
