"""Word documents (.docx, read with python-docx): paragraphs and table rows in reading order."""

from __future__ import annotations

import io
import zipfile

from ..format.findings import plain_detail
from ..read.container import MB
from .document import Line, Unreadable, clean, paragraph


def docx_lines(data: bytes, max_mb: float) -> list[Line]:
    """A Word document's body in order: paragraphs, and table rows with one cell per ``w:tc``.

    A cell continuing a vertical merge reads as empty (as in text copied out of Word), so a
    merged group label is not repeated on every row, and the line says which cells those are.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable(f"不是有效的 Word 文档（.docx）：{plain_detail(str(exc))}") from exc
    if total > max_mb * MB:
        raise Unreadable(f"Word 文档解压后有 {total / MB:.1f} MB，超过上限 {max_mb:g} MB（可用 --max-mb 提高上限）")
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Unreadable(f"不是有效的 Word 文档（.docx）：{plain_detail(str(exc))}") from exc
    out: list[Line] = []
    paragraphs = tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            paragraphs += 1
            line = paragraph(f"第{paragraphs}段", clean(block.text))
            if line is not None:
                out.append(line)
        elif isinstance(block, Table):
            tables += 1
            for r, row in enumerate(block.rows, 1):
                tcs = row._tr.tc_lst
                cells = tuple("" if tc.vMerge == "continue" else clean(_Cell(tc, block).text.replace("\n", ""))
                              for tc in tcs)
                merged = frozenset(i for i, tc in enumerate(tcs) if tc.vMerge == "continue")
                if any(cells):
                    out.append(Line(f"第{tables}个表格第{r}行", cells, merged=merged))
    return out
