"""The report as one self-contained web page a website editor can paste into the site's CMS.

UTF-8 with ``<meta charset>``, inline styles only, no scripts, fonts, images or links; the tables
as ``<table>`` with ``rowspan``/``colspan`` exactly as the statute merges them, ``<th>`` for every
heading cell (``scope="row"`` for the row labels). Every text is escaped.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from ..format.declaration import Format
from .composition import Block, Composition, Grid

_PAGE = ("max-width:48em;margin:0 auto;padding:1em;font-family:FangSong,仿宋,serif;font-size:16px;"
         "line-height:1.9;color:#000")
_TITLE = "text-align:center;font-size:1.5em;font-weight:bold;line-height:1.5;margin:1em 0"
_H1 = "font-size:1em;font-weight:bold;font-family:SimHei,黑体,sans-serif;text-indent:2em;margin:0.6em 0 0"
_H2 = "font-size:1em;font-weight:normal;font-family:KaiTi,楷体,serif;text-indent:2em;margin:0.3em 0 0"
_P = "text-indent:2em;margin:0"
_TABLE = ("border-collapse:collapse;width:100%;font-size:12px;line-height:1.4;margin:0.5em 0 1em;"
          "font-family:SimSun,宋体,serif")
_CELL = "border:1px solid #000;padding:2px 4px;"
_DRAFT = "text-align:center;color:#c00;font-weight:bold;border:2px solid #c00;padding:0.3em"


def html_text(doc: Composition, fmt: Format) -> str:
    """The report as a complete HTML document."""
    out = ['<!DOCTYPE html>', '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           f"<title>{escape(doc.title)}</title>", f'<meta name="author" content="{escape(doc.agency)}">',
           f'<meta name="date" content="{dt.date.today():%Y-%m-%d}">', "</head>", "<body>",
           f'<article style="{_PAGE}">']
    if doc.draft:
        out.append(f'<p style="{_DRAFT}">{escape(fmt.report["draft"])}</p>')
    lines = doc.title_lines or (doc.title,)
    out.append(f'<h1 style="{_TITLE}">' + "<br>".join(escape(x) for x in lines) + "</h1>")
    for block in doc.blocks:
        out.append(_block(block))
    if doc.signature:
        out += [f'<p style="text-align:right;margin:0 4em 0 0">{escape(x)}</p>' for x in doc.signature if x]
    if doc.draft and doc.errors:
        out.append(f'<h2 style="{_H1}">{escape(fmt.report["appendix"])}</h2>')
        out += [f'<p style="{_P}">{escape(f.render(fmt))}</p>' for f in doc.errors]
    out += ["</article>", "</body>", "</html>", ""]
    return "\n".join(out)


def _block(block: Block) -> str:
    if block.kind == "heading1":
        return f'<h2 style="{_H1}">{escape(block.text)}</h2>'
    if block.kind == "heading2":
        return f'<h3 style="{_H2}">{escape(block.text)}</h3>'
    if block.kind == "table":
        return _table(block.grid)
    return f'<p style="{_P}">{escape(block.text)}</p>'


def _table(grid: Grid) -> str:
    total = sum(grid.widths)
    out = [f'<table style="{_TABLE}">', "<colgroup>"]
    out += [f'<col style="width:{100 * w / total:.1f}%">' for w in grid.widths]
    out += ["</colgroup>", "<tbody>"]
    for r, row in enumerate(grid.rows):
        cells = []
        for item in row:
            if item is None:
                continue
            span = (f' rowspan="{item.rowspan}"' if item.rowspan > 1 else "") + \
                   (f' colspan="{item.colspan}"' if item.colspan > 1 else "")
            if item.kind == "value":
                cells.append(f'<td{span} style="{_CELL}text-align:center">{escape(item.text)}</td>')
            else:
                scope = ' scope="row"' if item.kind == "stub" else (' scope="col"' if r < grid.header_rows else "")
                align = "left" if item.kind == "stub" else "center"
                weight = "normal" if item.kind == "stub" else "bold"
                cells.append(f'<th{span}{scope} style="{_CELL}text-align:{align};font-weight:{weight}">'
                             f"{escape(item.text)}</th>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out)
