"""Workbooks written (stage 4: may import ``format``, ``read`` and ``check``).

Owns the master template (:mod:`template`, its form sheets :mod:`form` and its 校验 sheet
:mod:`checksheet`), personalised copies stamped into one saved package (:mod:`stamping`), cell
writing that keeps agency text as text (:mod:`cells`), styles (:mod:`style`), every formula's cached
value (:mod:`cached`), long sheets streamed as worksheet XML (:mod:`sheetxml`), marks and annotated
copies of checked workbooks (:mod:`marking`, :mod:`annotate`), atomic, verified output
(:mod:`output`) and documents converted by LibreOffice (:mod:`libreoffice`).
"""
