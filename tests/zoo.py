"""A zoo of published layouts, made from the samples' real reports: one text, written as each kind of
file a report is published as — copied text (.txt), a web page (.html), a Word document (.docx) and
a PDF (the Word document printed by LibreOffice, as offices make theirs) — so each situation of the
import is tried in every format.

A line with tabs is a table row (a table per run of such lines in Word and on the web page); any
other line is a paragraph; a line starting with # a heading.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("txt", "html", "docx", "pdf")


def render_docx(text: str, path: Path) -> Path:
    """The seed as a Word document: paragraphs, and each run of tab-separated lines as a table."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    block: list[list[str]] = []

    def table() -> None:
        if block:
            width = max(len(r) for r in block)
            t = document.add_table(rows=len(block), cols=width, style="Table Grid")  # ruled, as Word offers
            t.autofit = False
            # the label columns wide, the number columns narrow, as an office sets its tables
            widths = [Cm(3.8 if c < 2 else 8.0 / (width - 2) if width > 4 else 2.5) for c in range(width)]
            for column, w in zip(t.columns, widths, strict=True):
                column.width = w
            for row, values in zip(t.rows, block, strict=True):
                for c, cell in enumerate(row.cells):  # (row.cells once: t.cell() walks the whole table)
                    cell.width = widths[c]
                    cell.text = values[c] if c < len(values) else ""
            block.clear()

    for line in text.splitlines():
        if "\t" in line:
            block.append(line.split("\t"))
            continue
        table()
        if line.startswith("#"):
            document.add_heading(line.lstrip("# "), level=min(line.count("#"), 4))
        elif line.strip():
            document.add_paragraph(line)
    table()
    document.save(path)
    return path


def render_html(text: str) -> bytes:
    """The seed as a web page: <p>/<h*> for text, a <table> per run of rows; empty leading cells
    are left out, as a rowspan above them would."""
    out, rows = ["<html><head><meta charset='utf-8'><title>年报</title></head><body><div class='content'>"], []

    def table() -> None:
        if rows:
            out.append("<table border='1'><tbody>" + "".join(rows) + "</tbody></table>")
            rows.clear()

    for line in text.splitlines():
        if "\t" in line:
            cells = line.split("\t")
            while cells and not cells[0]:
                cells.pop(0)
            rows.append("<tr>" + "".join(f"<td><p>{c}</p></td>" for c in cells) + "</tr>\n")
            continue
        table()
        if line.startswith("#"):
            out.append(f"<h{line.count('#')}>{line.lstrip('# ')}</h{line.count('#')}>\n")
        elif line.strip():
            out.append(f"<p style='text-indent:2em'>{line}<br/></p>\n")
    table()
    out.append("</div><script>var x = '<p>一、总体情况</p>';</script></body></html>")
    return "".join(out).encode("utf-8")


def render(text: str, folder: Path, stem: str, formats=FORMATS, libreoffice=None) -> dict[str, Path]:
    """``text`` written as each of ``formats`` under ``folder`` (the PDF needs ``libreoffice``)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    if "txt" in formats:
        out["txt"] = folder / f"{stem}.txt"
        out["txt"].write_text(text, encoding="utf-8")
    if "html" in formats:
        out["html"] = folder / f"{stem}.html"
        out["html"].write_bytes(render_html(text))
    if "docx" in formats or "pdf" in formats:
        docx = render_docx(text, folder / f"{stem}.docx")
        if "docx" in formats:
            out["docx"] = docx
        if "pdf" in formats:
            scratch = folder / ".pdf"
            made = libreoffice.convert([docx], scratch, "pdf")[0]
            out["pdf"] = made.rename(folder / f"{stem}.pdf")
            if "docx" not in formats:
                docx.unlink()
    return out


def scanned_pdf(path: Path) -> Path:
    """A minimal valid PDF with a drawing and no text at all: what a scanned report looks like to a reader."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    stream = b"0.5 g 72 72 451 698 re f 0 G 100 700 m 500 700 l S"
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(out)
    return path


def rasters(pdf: Path, dpi: int, work: Path) -> list:
    """A PDF's pages rasterised at ``dpi`` by pdftoppm, as RGB images (no file left in ``work``)."""
    import subprocess

    from PIL import Image

    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(work / "page")], check=True)
    pages = []
    for path in sorted(work.glob("page-*.png")):
        with Image.open(path) as page:
            pages.append(page.convert("RGB"))
        path.unlink()
    return pages


def picture_page(pdf: Path, folder: Path, dpi: int = 200) -> Path:
    """A saved web page of a report whose tables are pictures: the text of each page of ``pdf`` as
    paragraphs, each table cut out of the page rasterised at ``dpi`` as a PNG where it stood — the
    first as a data: URL, the others as files in the folder a browser saves beside the page."""
    import base64
    import html

    import pdfplumber

    pictures = folder / f"{pdf.stem}_files"
    pictures.mkdir(parents=True, exist_ok=True)
    body, n = [], 0
    with pdfplumber.open(pdf) as doc:
        for page, image in zip(doc.pages, rasters(pdf, dpi, pictures), strict=True):
            boxes = [t.bbox for t in page.find_tables()]
            items = []
            for x0, top, x1, bottom in boxes:
                n += 1
                scale, pad = dpi / 72, 6
                crop = image.crop((int(x0 * scale) - pad, int(top * scale) - pad,
                                   int(x1 * scale) + pad, int(bottom * scale) + pad))
                name = f"image{n:03d}.png"
                crop.save(pictures / name)
                if n == 1:
                    src = "data:image/png;base64," + base64.b64encode((pictures / name).read_bytes()).decode()
                else:
                    src = f"{pictures.name}/{name}"
                items.append((top, f'<p><img src="{src}" alt="表格"></p>'))

            def outside(obj, boxes=boxes) -> bool:
                y = (obj.get("top", 0) + obj.get("bottom", 0)) / 2
                return not any(top - 2 <= y <= bottom + 2 for _, top, _, bottom in boxes)

            for line in page.filter(outside).extract_text_lines():
                items.append((line["top"], f"<p>{html.escape(line['text'])}</p>"))
            body += [text for _, text in sorted(items, key=lambda item: item[0])]
    path = folder / f"{pdf.stem}.html"
    path.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>年报</title></head><body>'
                    + "\n".join(body) + "</body></html>", encoding="utf-8")
    return path
