"""Batches consolidated (stage 5: may import ``format``, ``read``, ``check`` and ``write``).

Owns the roster and its personalised templates (:mod:`roster`) and ``nianbao merge``: every file
classified and the included ones summed (:mod:`merge`, over the records of :mod:`submissions`), each
workbook judged in its context — year, roster, last year, level — the same at every door
(:mod:`context`), the
cross-year checks against last year's summary (:mod:`crossyear`), decisions on findings carried
over from the last summary (:mod:`reviewed`), and the summary workbook (:mod:`summary`) with its
概览 sheet and charts (:mod:`overview`).
"""
