"""``python -m xlsx_tools.cli``: the ``nianbao`` command."""

from . import main

main()
