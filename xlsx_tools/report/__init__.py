"""The published report written (stage 9: may import ``format``, ``read``, ``check``, ``write``,
``consolidate``, ``archive``, ``register`` and ``published``).

Owns ``nianbao report``: a checked workbook becomes the report an agency publishes. :mod:`batch`
checks each workbook exactly as ``nianbao validate`` does (refused, or drafted, on errors),
:mod:`composition` composes the report once (title, the six sections, the tables as grids laid out
from the declaration), :mod:`docxfile` writes it as a GB/T 9704 Word document, :mod:`htmlfile` as
one self-contained web page, and :mod:`pdffile` has LibreOffice turn the documents into PDFs.
"""
