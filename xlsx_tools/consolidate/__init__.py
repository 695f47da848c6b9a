"""Batches consolidated (stage 5: may import ``format``, ``read``, ``check`` and ``write``).

Owns the roster and its personalised templates, ``nianbao merge``: every file classified and the
included ones summed, the cross-year checks against last year's summary, and the summary workbook.
"""
