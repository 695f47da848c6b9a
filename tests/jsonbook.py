"""xlwings' JSON book for the add-in tests: a real workbook's values as the Office.js client sends
them, and a small client that applies the actions the button returns, so a second click sees the
first one's work (its 校验结果 sheet, its notes) as Excel would.

xlwings' remote engine needs ``XLWINGS_LICENSE_KEY`` before it is imported (noncommercial use:
this open project's tests); the conftest sets it.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter


def _json_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return value


def payload(path: Path, name: str | None = None) -> dict[str, Any]:
    """What Excel's client sends for the workbook at ``path`` (the values it shows, its notes)."""
    wb = load_workbook(path, data_only=True)
    sheets = []
    for ws in wb.worksheets:
        rows = [[_json_value(v) for v in row] for row in ws.iter_rows(values_only=True)] or [[""]]
        notes = [{"address": f"${get_column_letter(c.column)}${c.row}"} for row in ws.iter_rows() for c in row
                 if c.comment is not None]
        sheets.append({"name": ws.title, "values": rows, "pictures": [], "tables": [], "notes": notes})
    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": name or path.name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


def set_value(data: dict[str, Any], sheet: str, row: int, col: int, value: Any) -> None:
    """An edit typed into the open workbook and not saved (row and column from 1)."""
    values = next(s for s in data["sheets"] if s["name"] == sheet)["values"]
    while len(values) < row:
        values.append([""] * len(values[0]))
    for line in values:
        line.extend([""] * (col - len(line)))
    values[row - 1][col - 1] = _json_value(value)


class Client:
    """Applies the button's actions to the payload, as Excel would, and keeps the fills it set."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.fills: dict[tuple[str, str], str | None] = {}

    def cell(self, action: dict[str, Any], dr: int = 0, dc: int = 0) -> tuple[str, str]:
        sheet = self.data["sheets"][action["sheet_position"]]["name"]
        return sheet, f"{get_column_letter(action['start_column'] + 1 + dc)}{action['start_row'] + 1 + dr}"

    def apply(self, actions: list[dict[str, Any]]) -> None:
        for a in actions:
            func = a["func"]
            if func == "addSheet":
                self.data["sheets"].insert(a["args"][0], {"name": a["args"][1], "values": [[""]], "pictures": [],
                                                          "tables": [], "notes": []})
            elif func == "sheetClear":
                sheet = self.data["sheets"][a["sheet_position"]]
                sheet["values"], sheet["notes"] = [[""]], []
            elif func == "setValues":
                sheet = self.data["sheets"][a["sheet_position"]]
                for r, row in enumerate(a["values"]):
                    for c, value in enumerate(row):
                        set_value(self.data, sheet["name"], a["start_row"] + r + 1, a["start_column"] + c + 1,
                                  "" if value is None else value)
            elif func == "setRangeColor" and a["row_count"] == 1 and a["column_count"] == 1:
                self.fills[self.cell(a)] = a["args"][0]
            elif func in ("addNote", "deleteNote"):
                notes = self.data["sheets"][a["sheet_position"]]["notes"]
                address = a["args"][0]
                if func == "addNote":
                    notes.append({"address": address})
                else:
                    notes[:] = [n for n in notes if n["address"] != address]


def click(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Press 校验 on the book ``data`` describes: the add-in's own entry point, unchanged."""
    import nianbao_addin

    book = xw.Book(json=copy.deepcopy(data))  # xlwings edits the payload it is given
    book.set_mock_caller()
    nianbao_addin.main()
    return book.json()["actions"]


def on_sheets(actions: list[dict[str, Any]], data: dict[str, Any], func: str) -> set[tuple[str, str]]:
    """(sheet, cell) of every single-cell action ``func`` on the sheets ``data`` had before the click."""
    names = [s["name"] for s in data["sheets"]]
    out = set()
    for a in actions:
        if a["func"] == func and a["sheet_position"] is not None and a["sheet_position"] < len(names) \
                and a["row_count"] == 1 and a["column_count"] == 1:
            out.add((names[a["sheet_position"]], f"{get_column_letter(a['start_column'] + 1)}{a['start_row'] + 1}"))
    return out
