"""The look of the workbooks: fonts, fills and borders, shared by the template and its annotations."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle

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
