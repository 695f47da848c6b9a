"""Workbooks written (stage 4: may import ``format``, ``read`` and ``check``).

Owns the master template (its form sheets, its 校验 sheet and the marks it drives), cell writing
that keeps agency text as text, styles, long sheets streamed as worksheet XML, marks and annotated
copies of checked workbooks, and atomic, verified output.
"""
