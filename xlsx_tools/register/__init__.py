"""The application register counted (stage 7: may import ``format``, ``read``, ``check``,
``write``, ``consolidate`` and ``archive``).

Owns ``nianbao register`` and ``nianbao tally``: the 依申请公开台账 staff keep all year (one row per
application, one per review or litigation case). :mod:`layout` is the register's declared layout
with its entries taken from the tables' own labels, :mod:`book` writes the workbook staff fill (with
its live 统计 sheet), :mod:`rows` reads a register as untrusted input into rows and findings located
to its cells, :mod:`limits` holds each reply against its time limit in working days, :mod:`count`
counts a year with the rows behind every number, and :mod:`tally` writes the numbers into an
agency's report workbook with a 统计依据 sheet.
"""
