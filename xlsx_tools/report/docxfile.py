"""The report as a Word document (python-docx), set as GB/T 9704-2012 sets government documents.

A4 with the declared margins, 3号 仿宋 body at a fixed line pitch with two-character first-line
indents, a 2号 title, 黑体 and 楷体 headings, tables in 小五 宋体 across the text width with their
header rows repeated and no row split across pages, and 「— 1 —」 page numbers (odd pages right,
even pages left). Every run names its East Asian font (``w:eastAsia``), or Word would show the
Latin one. A draft carries 「草稿（未通过校验）」 in every page header and its errors as an appendix.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from ..format.declaration import Format
from .composition import Block, Composition, Grid

_ALIGN = {"left": 0, "center": 1, "right": 2}


def docx_bytes(doc: Composition, fmt: Format) -> bytes:
    """The report as the bytes of a .docx file."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    spec = fmt.report
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = (Mm(v) for v in spec["paper_mm"])
    margins = spec["margins_mm"]
    section.top_margin, section.bottom_margin = Mm(margins["top"]), Mm(margins["bottom"])
    section.left_margin, section.right_margin = Mm(margins["left"]), Mm(margins["right"])
    section.footer_distance = Mm(margins["bottom"] - 7 - 5)  # the number about 7 mm below the text block
    _style(document.styles["Normal"], spec["fonts"]["body"], spec["sizes_pt"]["body"])
    body = document.styles["Normal"].paragraph_format
    body.line_spacing, body.space_before, body.space_after = Pt(spec["line_pitch_pt"]), Pt(0), Pt(0)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for n, line in enumerate(doc.title_lines or (doc.title,)):
        run = _run(title, line, spec["fonts"]["title"], spec["sizes_pt"]["title"])
        if n:
            run._element.addprevious(_break())
    title.paragraph_format.space_after = Pt(spec["line_pitch_pt"])
    previous = None
    for block in doc.blocks:
        if block.kind == "table" and previous is not None and tall(block.grid):
            previous.paragraph_format.page_break_before = True  # its heading starts the page
        previous = _block(document, block, spec)
    if doc.signature:
        document.add_paragraph()  # a blank line above the 落款
        for text in doc.signature:
            p = document.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            p.paragraph_format.right_indent = Pt(spec["sizes_pt"]["body"] * 4)
            _run(p, text, spec["fonts"]["body"], spec["sizes_pt"]["body"])
    if doc.draft:
        _appendix(document, doc, fmt)
    _page_numbers(document, spec, doc.draft)
    _properties(document.core_properties, doc)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _properties(core, doc: Composition) -> None:
    """The document's own properties (and so the PDF's): the agency, the report's title, today —
    not the library's template (python-docx, 2013)."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    core.author = core.last_modified_by = doc.agency or "nianbao"
    core.title, core.subject = doc.title, "政府信息公开工作年度报告"
    core.keywords, core.comments, core.category = "政府信息公开", "由 nianbao 从年报工作簿生成", ""
    core.created = core.modified = now
    core.revision = 1


def _break():
    from docx.oxml import OxmlElement

    run = OxmlElement("w:r")
    run.append(OxmlElement("w:br"))
    return run


def _style(style, font: str, size: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = font
    style.font.size = Pt(size)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def _table_style(document, font: str, size: float):
    """The paragraph style of every table cell: the table's font and size, single spacing, no
    indent — so that an empty cell is not as tall as a line of body text (a table that fits a page
    would otherwise not)."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    name = "表格文字"
    if name in [st.name for st in document.styles]:
        return document.styles[name]
    look = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    look.base_style = document.styles["Normal"]
    _style(look, font, size)
    form = look.paragraph_format
    form.line_spacing, form.space_before, form.space_after, form.first_line_indent = 1.0, Pt(0), Pt(0), Pt(0)
    return look


def _run(paragraph, text: str, font: str, size: float, bold: bool = False):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run = paragraph.add_run(text)
    run.font.name = font
    run.font.size = Pt(size)
    run.font.bold = bold or None
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def tall(grid: Grid) -> bool:
    """A table with labels running down several rows (表三): it starts a page, which it fits, so that
    no such label is cut by a page break (Word keeps a table with its heading by keep-with-next;
    LibreOffice, which makes the PDFs, does not inside tables)."""
    return any(cell is not None and cell.kind == "stub" and cell.rowspan > 1 for row in grid.rows for cell in row)


def _block(document, block: Block, spec: dict[str, Any]):
    """Add one block; the paragraph it added (None for a table)."""
    from docx.shared import Pt

    fonts, sizes = spec["fonts"], spec["sizes_pt"]
    if block.kind == "table":
        _table(document, block.grid, spec)
        return None
    p = document.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(sizes["body"] * spec["indent_chars"])
    if block.kind == "heading1":
        _run(p, block.text, fonts["heading1"], sizes["heading1"])
        p.paragraph_format.keep_with_next = True
    elif block.kind == "heading2":
        _run(p, block.text, fonts["heading2"], sizes["heading2"])
        p.paragraph_format.keep_with_next = True
    else:
        _run(p, block.text, fonts["body"], sizes["body"])
    return p


def _table(document, grid: Grid, spec: dict[str, Any]) -> None:
    """A statutory table across the text width: merges as the grid has them, headings centred."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    rows, cols = len(grid.rows), len(grid.widths)
    table = document.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    margins = spec["margins_mm"]
    text_width = spec["paper_mm"][0] - margins["left"] - margins["right"]
    total = sum(grid.widths)
    widths = [Mm(text_width * w / total) for w in grid.widths]
    for c, column in enumerate(table.columns):
        column.width = widths[c]
    font, size = spec["fonts"]["table"], spec["sizes_pt"]["table"]
    look = _table_style(document, font, size)
    flat = table._cells  # once: Table.cell() and Column.cells walk the whole table on every call
    cells = [flat[r * cols:(r + 1) * cols] for r in range(rows)]
    for row in cells:
        for c, cell in enumerate(row):
            cell.width = widths[c]
            cell.paragraphs[0].style = look  # an empty cell too: as tall as a line of table text
    merges = []
    trs = table._tbl.tr_lst
    for r, row in enumerate(grid.rows):
        props = trs[r].get_or_add_trPr()
        props.append(OxmlElement("w:cantSplit"))
        if r < grid.header_rows:
            props.append(OxmlElement("w:tblHeader"))
        together = r < len(grid.rows) - 1  # a statutory table fits a page: kept whole, with its heading
        for c, item in enumerate(row):
            if item is None:
                continue
            cell = cells[r][c]
            p = cell.paragraphs[0]
            p.paragraph_format.first_line_indent = Pt(0)
            p.paragraph_format.line_spacing = 1.0
            p.paragraph_format.keep_with_next = together
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if item.kind == "stub" else WD_ALIGN_PARAGRAPH.CENTER
            _run(p, item.text, font, size, bold=item.kind in ("header", "caption"))
            cell.vertical_alignment = 1  # centre
            if item.rowspan > 1 or item.colspan > 1:
                merges.append((cell, cells[r + item.rowspan - 1][c + item.colspan - 1]))
    for first, last in merges:  # after the text: a merge keeps the anchor's, the covered cells are empty
        first.merge(last)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    document.add_paragraph()  # a line between a table and what follows


def _appendix(document, doc: Composition, fmt: Format) -> None:
    from docx.enum.text import WD_BREAK

    spec = fmt.report
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _run(document.add_paragraph(), spec["appendix"], spec["fonts"]["heading1"], spec["sizes_pt"]["heading1"])
    for f in doc.errors:
        _run(document.add_paragraph(), f.render(fmt), spec["fonts"]["body"], spec["sizes_pt"]["table"] + 3)


def _page_numbers(document, spec: dict[str, Any], draft: bool) -> None:
    """「— n —」 in 4号 宋体: odd pages right (one character in), even pages left; a draft's mark above."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    font, size = spec["fonts"]["page"], spec["sizes_pt"]["page"]
    before, _, after = spec["page_number"].partition("{n}")
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        p = footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
        indent = Pt(size)
        if align == "right":
            p.paragraph_format.right_indent = indent
        else:
            p.paragraph_format.left_indent = indent
        _run(p, before, font, size)
        _field(p, "PAGE", font, size)
        _run(p, after, font, size)
    if draft:
        for header in (section.header, section.even_page_header):
            p = header.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(p, spec["draft"], spec["fonts"]["heading1"], spec["sizes_pt"]["page"], bold=True)


def _field(paragraph, code: str, font: str, size: float) -> None:
    """A field (``PAGE``) as Word stores it: begin, instruction, separate, a shown value, end."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind, text in (("begin", None), (None, f" {code} "), ("separate", None), (None, "1"), ("end", None)):
        run = _run(paragraph, "", font, size)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._element.append(char)
        elif text.strip() == code:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._element.append(instr)
        else:
            run.text = text
