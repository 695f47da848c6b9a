"""Imported once by the fork server that starts the collection's worker processes: the declaration,
the layouts and the validation schemas built here are inherited by every worker, so a worker starts
ready to read (as workers forked from ``nianbao validate`` do)."""

from __future__ import annotations

from ..check import schemas
from ..format.declaration import load
from ..format.layout import workbook_layout

load(), workbook_layout(), workbook_layout(load(), True), schemas.cell_schema(), schemas.report_schema()
