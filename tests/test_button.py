"""The 校验 button's own code (``nianbao_addin.main``) against xlwings' JSON book built from real,
client-saved workbooks: it marks exactly the cells ``nianbao validate`` reports, lists every
finding, says the result, and clears its marks on the next click once things are fixed."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonbook
import pytest
from conftest import CLEAN_SAMPLE, CONTACT

from xlsx_tools.check.validate import validate_paths
from xlsx_tools.format.declaration import load
from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.write import style
from xlsx_tools.write.marking import cells_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "报表").rglob("*.xlsx"))
LIST = load().annotate["sheet"]


def alerts(actions):
    return [a["args"] for a in actions if a["func"] == "alert"]


def list_values(data) -> list[list]:
    return next(s for s in data["sheets"] if s["name"] == LIST)["values"]


@pytest.fixture
def local_appdata(tmp_path, monkeypatch):
    folder = tmp_path / "用户 张三" / "AppData" / "Local"
    monkeypatch.setenv("LOCALAPPDATA", str(folder))
    return folder


def test_button_marks_exactly_the_cells_validate_reports(saved_every_error, local_appdata):
    saved, _ = saved_every_error
    (report,) = validate_paths([saved])
    data = jsonbook.payload(saved)
    sheets = {s["name"] for s in data["sheets"]}
    actions = jsonbook.click(data)

    expected = {c for f in report.findings for c in cells_of(f) if c[0] in sheets}
    assert expected and jsonbook.on_sheets(actions, data, "setRangeColor") == expected
    assert jsonbook.on_sheets(actions, data, "addNote") == expected
    colours = {(a["args"][0] or "").lstrip("#") for a in actions if a["func"] == "setRangeColor"
               and a["sheet_position"] < len(data["sheets"])}
    assert colours <= {style.SEVERITY_COLOURS[s][0] for s in ("error", "warning", "info")}

    (added,) = [a["args"] for a in actions if a["func"] == "addSheet"]
    assert added == [len(data["sheets"]), LIST]  # at the end of the workbook
    client = jsonbook.Client(copy.deepcopy(data))
    client.apply(actions)
    rows = list_values(client.data)
    listed = [(r[1], r[3]) for r in rows[3:] if r[0] != ""]
    assert [code for code, _ in listed] == [f.code for f in report.findings]
    for (code, place), f in zip(listed, report.findings, strict=True):
        if f.sheet and f.cell:
            assert place.startswith("=HYPERLINK(") and f"!{f.cell}" in place, (code, place)

    (message,) = alerts(actions)
    errors = sum(f.severity == "error" for f in report.findings)
    assert f"{errors} 个错误" in message[0] and message[3] == "critical"


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_button_on_the_samples_agrees_with_validate(sample, local_appdata):
    (report,) = validate_paths([sample])
    data = jsonbook.payload(sample)
    actions = jsonbook.click(data)
    expected = {c for f in report.findings for c in cells_of(f)}
    assert jsonbook.on_sheets(actions, data, "setRangeColor") == expected
    (message,) = alerts(actions)
    if not report.findings:
        assert message[0] == load().addin["clean"] and message[3] == "info"
        assert not any(a["func"] == "activateSheet" for a in actions)


def test_second_click_after_fixing_clears_the_marks(local_appdata):
    data = jsonbook.payload(CLEAN_SAMPLE)
    layout = workbook_layout()
    for key, value in CONTACT.items():
        sheet, span = layout.locate(key)
        jsonbook.set_value(data, sheet, span.row, span.col, value)
    jsonbook.set_value(data, "表二", 12, 2, "十二")  # 表二!B12: text where a number goes (unsaved)
    client = jsonbook.Client(data)
    first = jsonbook.click(data)
    assert ("表二", "B12") in jsonbook.on_sheets(first, data, "setRangeColor")
    client.apply(first)
    sheet = next(s for s in client.data["sheets"] if s["name"] == "表二")
    assert [n["address"] for n in sheet["notes"]] == ["$B$12"]

    jsonbook.set_value(client.data, "表二", 12, 2, 12)  # fixed, still unsaved
    before = copy.deepcopy(client.data)
    second = jsonbook.click(client.data)
    position = [s["name"] for s in before["sheets"]].index("表二")
    restored = [a for a in second if a["func"] == "setRangeColor" and a["sheet_position"] == position]
    assert [(a["start_row"], a["start_column"], a["args"][0]) for a in restored] == [(11, 1, f"#{style.INPUT}")]
    assert jsonbook.on_sheets(second, before, "deleteNote") == {("表二", "B12")}
    assert not any(a["func"] in ("addNote", "addSheet") for a in second)
    assert any(a["func"] == "sheetClear" for a in second)  # the old list is replaced, not appended to
    client.apply(second)
    assert list_values(client.data)[3][0] == load().annotate["clean"]
    assert alerts(second)[0][0] == load().addin["clean"]

    third = jsonbook.click(client.data)  # nothing marked last time: nothing to clear
    assert not any(a["func"] in ("setRangeColor", "deleteNote") and a["sheet_position"] == position for a in third)


def test_a_note_staff_wrote_is_kept(saved_every_error, local_appdata):
    saved, _ = saved_every_error
    data = jsonbook.payload(saved)
    identity = next(s for s in data["sheets"] if s["name"] == "基本信息")
    identity["notes"].append({"address": "$B$4"})  # the staff's own note on the bad code cell
    client = jsonbook.Client(data)
    first = jsonbook.click(data)
    assert ("基本信息", "B4") in jsonbook.on_sheets(first, data, "setRangeColor")
    assert ("基本信息", "B4") not in jsonbook.on_sheets(first, data, "addNote")
    client.apply(first)
    second = jsonbook.click(client.data)
    assert ("基本信息", "B4") not in jsonbook.on_sheets(second, client.data, "deleteNote")
    assert ("基本信息", "B3") in jsonbook.on_sheets(second, client.data, "deleteNote")


def test_a_workbook_that_is_not_the_template_gets_a_message(tmp_path, local_appdata):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(tmp_path / "通讯录.xlsx")
    actions = jsonbook.click(jsonbook.payload(tmp_path / "通讯录.xlsx"))
    assert [a["func"] for a in actions if a["func"] != "setScreenUpdating"] == ["alert"]
    text = alerts(actions)[0][0]
    assert "通讯录.xlsx" in text and "不是" in text and "Traceback" not in text


def test_an_unexpected_error_shows_a_short_message_and_logs_the_details(local_appdata, monkeypatch):
    from xlsx_tools.excel import button

    def broken(*args, **kwargs):
        raise RuntimeError("内部错误的细节")

    monkeypatch.setattr(button, "validate_live", broken)
    actions = jsonbook.click(jsonbook.payload(SAMPLES[0]))
    (message,) = alerts(actions)
    log = local_appdata / "nianbao" / button.LOG_NAME
    assert str(log) in message[0] and "RuntimeError" in message[0] and "内部错误的细节" not in message[0]
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "内部错误的细节" in text and SAMPLES[0].name in text


def test_the_list_keeps_agency_text_as_text(saved_every_error, local_appdata):
    """A finding quoting a cell that starts with '=' must not become a formula in the list."""
    saved, _ = saved_every_error
    data = jsonbook.payload(saved)
    jsonbook.set_value(data, "表二", 12, 2, "=1+1 件")
    actions = jsonbook.click(data)
    (written,) = [a["values"] for a in actions if a["func"] == "setValues"]
    formulas = [v for row in written for v in row if isinstance(v, str) and v.startswith("=")]
    assert formulas and all(v.startswith("=HYPERLINK(") for v in formulas)


class _Protection:
    AllowFormattingCells = False
    AllowFormattingColumns = AllowFormattingRows = True  # what the template allows
    AllowInsertingColumns = AllowInsertingRows = AllowInsertingHyperlinks = False
    AllowDeletingColumns = AllowDeletingRows = AllowSorting = AllowFiltering = AllowUsingPivotTables = False


class _ComSheet:
    """Excel's Worksheet as COM shows protection (JSON books have none, so this is stood in)."""

    def __init__(self, password: bool = False):
        self.ProtectContents, self.ProtectDrawingObjects, self.ProtectScenarios = True, True, True
        self.ProtectStructure, self.ProtectWindows = True, False
        self.Protection, self.password, self.calls = _Protection(), password, []

    def Unprotect(self):  # noqa: N802 (COM's name)
        if self.password:
            raise RuntimeError("密码不正确")
        self.ProtectContents = self.ProtectStructure = False
        self.calls.append(("Unprotect", {}))

    def Protect(self, **options):  # noqa: N802
        self.calls.append(("Protect", options))


class _Holder:
    def __init__(self, api):
        self.api = api


def test_protection_is_lifted_for_marking_and_restored_with_the_same_allowances():
    from xlsx_tools.excel import button

    api = _ComSheet()
    with button._editable(_Holder(api)) as ok:
        assert ok and not api.ProtectContents
    (_, restored) = api.calls[-1]
    assert restored["Contents"] and restored["DrawingObjects"] and restored["Scenarios"]
    assert restored["AllowFormattingColumns"] and restored["AllowFormattingRows"]
    assert not restored["AllowFormattingCells"] and not restored["AllowDeletingRows"]

    book = _ComSheet()
    with button._structure_editable(_Holder(book)) as ok:
        assert ok
    assert book.calls[-1] == ("Protect", {"Structure": True, "Windows": False})


def test_a_password_leaves_the_sheet_as_it_is():
    from xlsx_tools.excel import button

    api = _ComSheet(password=True)
    with button._editable(_Holder(api)) as ok:
        assert not ok
    assert api.calls == []
    with button._editable(_Holder({"name": "json"})) as ok:  # JSON book: nothing to lift
        assert ok


def test_the_log_falls_back_to_the_temporary_folder(tmp_path, monkeypatch):
    from xlsx_tools.excel import button

    blocker = tmp_path / "不是文件夹"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("LOCALAPPDATA", str(blocker))
    monkeypatch.setattr(button.tempfile, "gettempdir", lambda: str(tmp_path / "临时"))
    path = button.log_failure(ValueError("细节"), None)
    assert path == tmp_path / "临时" / button.LOG_NAME and "细节" in path.read_text(encoding="utf-8")
