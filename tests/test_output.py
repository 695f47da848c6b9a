"""Outputs are atomic: a failure leaves the earlier file untouched and no temporary file behind."""

from __future__ import annotations

import hashlib
import io
import os
import stat

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
