"""Workbooks collected on an intranet page (stage 11: may import ``format``, ``read``, ``check``,
``write``, ``consolidate``, ``archive``, ``register``, ``published``, ``report`` and ``excel``).

Owns ``nianbao serve``: :mod:`state` (the data folder: an SQLite database of offices, uploads and
settings, and the uploaded files stored by SHA-256, never modified), :mod:`upload` (a form streamed
to disk under a size limit), :mod:`checking` (uploads validated as ``nianbao validate`` does, in
batches of worker processes, each started from :mod:`workers` with the declaration and schemas
built), :mod:`security` (password, session, form tokens, login limits, headers), :mod:`service`
(the collection: statuses, templates, annotated copies, the summary), and the web application:
:mod:`app` (the route table), :mod:`office` (an office's pages), :mod:`board` (the consolidator's
pages) and :mod:`web` (what the pages share).
"""
