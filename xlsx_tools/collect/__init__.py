"""Workbooks collected on an intranet page (stage 10: may import ``format``, ``read``, ``check``,
``write``, ``consolidate``, ``archive``, ``register``, ``published`` and ``excel``).

Owns ``nianbao serve``: :mod:`state` (the data folder: an SQLite database of offices, uploads and
settings, and the uploaded files stored by SHA-256, never modified), :mod:`upload` (a form streamed
to disk under a size limit), :mod:`checking` (uploads validated as ``nianbao validate`` does, in
batches of worker processes), :mod:`security` (password, session, form tokens, login limits,
headers), :mod:`service` (the collection: statuses, templates, annotated copies, the summary) and
:mod:`app` (the Starlette pages).
"""
