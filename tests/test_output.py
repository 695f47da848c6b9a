"""Outputs are atomic: a failure leaves the earlier file untouched and no temporary file behind."""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import time
import zipfile
from pathlib import Path

import pytest

from xlsx_tools.write import output, template


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failure_while_writing_keeps_the_previous_file(tmp_path):
    target = tmp_path / "年报模板.xlsx"
    template.write(target)
    before = _sha(target)

    def broken(_):
        raise RuntimeError("injected failure after the bytes were written")

    with pytest.raises(RuntimeError, match="injected"):
        output.save_workbook(template.build({"name": "另一个单位"}), target, verify=broken)
    assert _sha(target) == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_refused_replace_keeps_the_verified_new_file(tmp_path, monkeypatch):
    """On Windows an open workbook refuses the replace: the new file must not be lost."""
    target = tmp_path / "out.xlsx"
    template.write(target)
    before = _sha(target)

    def refuse(src, dst):
        raise PermissionError(13, "in use")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(output.OutputError) as info:
        template.write(target, {"name": "新单位"})
    assert _sha(target) == before
    kept = [p for p in tmp_path.iterdir() if p != target]
    assert len(kept) == 1 and str(kept[0]) in str(info.value)


def test_missing_folder_is_our_error_not_a_traceback(tmp_path):
    with pytest.raises(output.OutputError, match="输出目录不存在"):
        template.write(tmp_path / "no" / "such" / "dir" / "x.xlsx")


def test_new_outputs_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = template.write(tmp_path / "shared.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_rows_of_any_value_stay_well_formed_and_read_back(tmp_path):
    """What a finding may carry as its raw value (inf, NaN, control characters, formula-like or
    over-long text) is written so that Excel and openpyxl open the sheet."""
    import math
    from decimal import Decimal

    from openpyxl import Workbook, load_workbook

    from xlsx_tools.write import sheetxml

    values = [float("inf"), float("nan"), Decimal("Infinity"), "a\x01b", "=1+1", "长" * 40000, Decimal("1.10"), 7]
    wb = Workbook()
    wb.active.title = "表"
    buf = io.BytesIO()
    wb.save(buf)
    target = tmp_path / "rows.xlsx"
    sheetxml.splice(buf.getvalue(), target, {"xl/worksheets/sheet1.xml": sheetxml.Rows(1, [values], 1, len(values))})
    row = next(load_workbook(target)["表"].iter_rows(values_only=True))
    assert row[:3] == ("inf", "nan", "Infinity") and not any(isinstance(v, float) and math.isinf(v) for v in row)
    assert row[3] == "a_x0001_b" and row[4] == "=1+1" and len(row[5]) == sheetxml.MAX_TEXT
    assert row[6:] == (1.1, 7)


def test_rows_spliced_between_existing_rows_keep_the_looks_and_typed_formula_results(tmp_path, libreoffice):
    """A table's rows spliced below its first row and above its total row (the overview's way): the
    sheet's rows stay in order, every spliced cell has the look given for its column (an empty one
    too), a formula's cached result is typed as text when it is text, and LibreOffice computes the
    same results and the total over all the rows."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.styles import Border, Font, Side

    from xlsx_tools.write import sheetxml

    wb = Workbook()
    ws = wb.active
    ws.title = "表"
    ws.append(["名称", "数", "比例"])
    ws.append(["甲", 4, '=IF(B2=0,"—",B2/10)'])
    thin = Side(style="thin")
    for col, fmt_code in ((1, "General"), (2, "General"), (3, "0.0%")):
        ws.cell(2, col).border = Border(left=thin, right=thin, top=thin, bottom=thin)
        ws.cell(2, col).font = Font(bold=col == 1)
        ws.cell(2, col).number_format = fmt_code
    ws.cell(5, 1).value = "合计"
    ws.cell(5, 2).value = "=SUM(B2:B4)"
    looks = tuple(ws.cell(2, col).style_id for col in (1, 2, 3))
    buf = io.BytesIO()
    wb.save(buf)
    rows = [["乙", 0, sheetxml.Formula('IF(B3=0,"—",B3/10)', "—")],
            ["", 5, sheetxml.Formula('IF(B4=0,"—",B4/10)', 0.5)]]
    target = tmp_path / "spliced.xlsx"
    sheetxml.splice(buf.getvalue(), target, {"xl/worksheets/sheet1.xml": sheetxml.Rows(3, rows, 2, 3, looks)})

    with zipfile.ZipFile(target) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert [int(r) for r in re.findall(r'<row r="(\d+)"', xml)] == [1, 2, 3, 4, 5]
    assert re.search(rf'<c r="C3" s="{looks[2]}" t="str"><f>[^<]*</f><v>—</v></c>', xml)
    assert f'<c r="A4" s="{looks[0]}"/>' in xml  # the empty name cell keeps its border
    read = load_workbook(target)["表"]
    for r in (3, 4):
        for col in (1, 2, 3):
            first, cell = read.cell(2, col), read.cell(r, col)
            assert (cell.font.b, cell.border.left.style, cell.number_format) == (
                first.font.b, first.border.left.style, first.number_format), (r, col)
    cached = load_workbook(target, data_only=True)["表"]
    assert [cached.cell(r, 3).value for r in (3, 4)] == ["—", 0.5]
    recalculated = load_workbook(libreoffice.convert([target], tmp_path / "lo")[0], data_only=True)["表"]
    assert [recalculated.cell(r, 3).value for r in (2, 3, 4)] == [0.4, "—", 0.5]
    assert recalculated.cell(5, 2).value == 9


def test_a_killed_runs_leftover_is_swept_by_the_next_write_and_a_running_ones_kept(tmp_path):
    target = tmp_path / "汇总.xlsx"
    stale, fresh = tmp_path / ".汇总.abc123.tmp.xlsx", tmp_path / ".汇总.def456.tmp.xlsx"
    for path in (stale, fresh):
        path.write_bytes(b"half a workbook")
    old = time.time() - output.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    other = tmp_path / ".其他.abc123.tmp.xlsx"  # another output's leftover is not this write's business
    other.write_bytes(b"x")
    os.utime(other, (old, old))
    template.write(target)
    assert not stale.exists() and fresh.exists() and other.exists() and target.exists()


def test_a_new_file_kept_beside_an_open_target_has_a_visible_name(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    template.write(target)
    real = os.replace

    def refuse_the_target(src, dst):
        if Path(dst) == target:
            raise PermissionError(13, "in use")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", refuse_the_target)
    with pytest.raises(output.OutputError) as info:
        template.write(target, {"name": "新单位"})
    kept = tmp_path / "out（新）.xlsx"
    assert kept.exists() and str(kept) in str(info.value)
    assert not list(tmp_path.glob(".*.tmp.xlsx"))  # nothing a later sweep could take
