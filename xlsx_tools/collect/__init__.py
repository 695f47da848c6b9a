"""Workbooks collected on an intranet page (stage 11: may import ``format``, ``read``, ``check``,
``write``, ``consolidate``, ``archive``, ``register``, ``published``, ``report`` and ``excel``).

Owns ``nianbao serve``: :mod:`state` (the data folder: an SQLite database of offices, uploads,
sessions, the board's log and settings, and the uploaded files stored by SHA-256, never modified),
:mod:`upload` (a form streamed to disk under a size limit), :mod:`quotas` (uploads per hour, bytes
per office and for the folder, unreadable files kept), :mod:`checking` (uploads validated as ``nianbao
validate`` does, in a service of worker processes started from :mod:`workers` with the declaration
and schemas built), :mod:`jobs` (what those workers make besides: annotated copies, the summary, the
lists), :mod:`security` (password, session, form tokens, login limits, headers), :mod:`connections`
(slow and greedy clients cut off), :mod:`service` (the collection: statuses, templates, each office's
work in its turn), and the web application: :mod:`app` (the route table), :mod:`office` (an office's
pages), :mod:`board` (the consolidator's pages) and :mod:`web` (what the pages share).
"""
