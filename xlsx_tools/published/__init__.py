"""Published reports read (stage 8: may import ``format``, ``read``, ``check``, ``write``,
``consolidate``, ``archive`` and ``register``).

Owns ``nianbao import`` and ``nianbao assess``, in the order its data flows: a published file is
read by the front end its suffix names (:mod:`sources` → :mod:`plaintext`, :mod:`word`,
:mod:`webpage`, :mod:`pdfdoc`; a PDF page with no text layer is a scan, and a web page's table may
be a picture: made upright by :mod:`picture`, recognised by :mod:`ocr` and cut into table cells by
its ruling lines in :mod:`scan`) into a
:class:`document.Document` (:mod:`document`) of lines of cells, each naming its place in the source; :mod:`matcher`
walks the lines — :mod:`headings`, :mod:`tablerows` (:mod:`rowlabels` names a row, :mod:`columns`
a column), :mod:`texts` and :mod:`metadata` (the page's 发布日期、索引号 …), comparing labels as
:mod:`labels` says — into an
:class:`imported.Imported` (:mod:`imported`), where :mod:`suspects` names a recognised digit the
tables' identities say was misread; :mod:`record` writes it into the template with its 导入记录 sheet, and
:mod:`conversion` runs the whole batch and validates what it wrote. ``nianbao assess`` judges a
region's published reports on top of that: :mod:`assessment` sorts each report's findings into the
kinds an evaluator counts, locates them in the original, finds the sentences copied from the year
before and gives a verdict; :mod:`assessbook` writes the workbook (and page) of it. Writing a
report is the next stage's (``report``).
"""
