"""The application register counted (stage 7: may import ``format``, ``read``, ``check``,
``write``, ``consolidate`` and ``archive``).

Owns ``nianbao tally``: the 依申请公开台账 staff keep all year (one row per application, one per
review or litigation case) read as untrusted input and counted into 表三 and 表四 as
shared/REGISTER.md says. :mod:`layout` is the register's declared layout with its entries taken
from the tables' own labels, :mod:`rows` reads a register into rows and findings located to its
cells, :mod:`count` counts a year with the rows behind every number, and :mod:`tally` writes the
numbers into an agency's report workbook with a 统计依据 sheet.
"""
