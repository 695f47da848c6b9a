"""The look of the workbooks: fonts, fills and borders shared by the template and its annotations,
and how a sheet prints."""

from __future__ import annotations

import copy

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties

BODY_FONT = "宋体"  # SimSun: present in Chinese Windows/WPS; LibreOffice falls back to Noto CJK
HEADING_FONT = "黑体"  # SimHei

INPUT = "FFF2CC"  # light yellow: cells staff fill
FORMULA = "E7E6E6"  # grey: totals computed by formulas
PREFILLED = "E2EFDA"  # light green: identity prefilled by the consolidator
HEADER = "F2F2F2"

#: fill and font colours per severity, for conditional formats and annotations
SEVERITY_COLOURS = {
    "error": ("FFC7CE", "9C0006"),
    "warning": ("FFCC99", "833C0B"),
    "info": ("DDEBF7", "1F4E79"),
}
OK_FONT_COLOUR = "006100"

_thin = Side(style="thin", color="808080")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)


def fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def font(size: float = 11, bold: bool = False, heading: bool = False, colour: str | None = None) -> Font:
    return Font(name=HEADING_FONT if heading else BODY_FONT, size=size, bold=bold, color=colour)


def align(horizontal: str = "center", vertical: str = "center", wrap: bool = True) -> Alignment:
    return Alignment(horizontal=horizontal, vertical=vertical, wrap_text=wrap)


def mark(severity: str) -> DifferentialStyle:
    """The conditional-format style that marks an offending cell of the given severity."""
    background, text = SEVERITY_COLOURS[severity]
    return DifferentialStyle(fill=fill(background), font=Font(color=text, bold=severity == "error"))


def a4(ws, landscape: bool, footer: str | None = None, top_bottom: float | None = None) -> None:
    """Print on A4, one page wide and as many pages down as needed; ``footer`` centred at the
    foot of each page; ``top_bottom`` inches of top and bottom margin with 0.4 at the sides
    (None: the client's default margins)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if top_bottom is not None:
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=top_bottom, bottom=top_bottom, header=0.3, footer=0.3)
    if footer:
        ws.oddFooter.center.text = footer


class Looks:
    """Cell looks applied by copying a style array, as openpyxl's own ``copy_worksheet`` does, instead
    of setting font, fill, border and alignment one by one: every such set builds and hashes style
    objects (a 1,000-agency summary's overview spent seconds on it). A look is made once, on the first
    cell that needs it, by ``make`` (attribute name → value); the cell's own number format is kept."""

    def __init__(self):
        self._arrays: dict = {}

    def apply(self, cell, key, make) -> None:
        key = (key, cell._style.numFmtId if cell.has_style else 0)
        array = self._arrays.get(key)
        if array is None:
            for name, value in make().items():
                setattr(cell, name, value)
            self._arrays[key] = copy.copy(cell._style)
        else:
            cell._style = copy.copy(array)
