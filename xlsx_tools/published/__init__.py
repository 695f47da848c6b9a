"""Published reports read and written (stage 6: may import every stage above except ``excel``).

Owns ``nianbao import``: each published document (text, Word, web page) read by its front end into
lines of cells that name their place in the source, the lines matched to the declared format, and
the workbook written with its 导入记录 sheet and validated. Documents generated from a workbook
will live here too.
"""
