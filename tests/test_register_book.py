"""`nianbao register` (issue 19): the register workbook staff fill — declared columns, dropdowns of
the tables' own labels, date validation, hints, frozen headers — and its live 统计 sheet, which
LibreOffice and Gnumeric compute exactly as `nianbao tally` counts."""

from __future__ import annotations

import warnings

from batches import nianbao
from openpyxl import load_workbook
from registers import HAND, HAND_2025, HAND_CASES, HAND_CASES_2025

from xlsx_tools.format.declaration import load
from xlsx_tools.register.book import build, save
from xlsx_tools.register.count import count
from xlsx_tools.register.layout import register_layout
from xlsx_tools.register.rows import read_register

FMT = load()
SPEC = FMT.register


def stats(path, data_only: bool = True) -> list[list]:
    with warnings.catch_warnings():  # Gnumeric's files have no default cell style
        warnings.simplefilter("ignore", UserWarning)
        book = load_workbook(path, data_only=data_only)
    return [[c.value for c in row] for row in book[SPEC["stats"]].iter_rows()]


def test_the_register_workbook_has_its_columns_choices_and_hints(tmp_path):
    out = tmp_path / "依申请台账.xlsx"
    proc = nianbao("register", "-o", out, "--agency", "某区科学技术局", "--year", "2025")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = load_workbook(out)
    assert book.sheetnames == [SPEC["applications"], SPEC["cases"], SPEC["choices"], SPEC["stats"]]
    assert book[SPEC["choices"]].sheet_state == "hidden"
    ws = book[SPEC["applications"]]
    assert [c.value for c in ws[2]] == [c["label"] for c in SPEC["columns"]]
    assert ws.freeze_panes == "B3" and "某区科学技术局2025年度" in ws["A1"].value
    checks = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    layout = register_layout()
    choices = book[SPEC["choices"]]
    for n, col in enumerate(layout.columns, 1):
        letter = chr(64 + n)
        (dv,) = [dv for ref, dv in checks.items() if ref.startswith(f"{letter}3:")]
        assert dv.prompt == col.hint[:250] and dv.showInputMessage
        assert str(dv.sqref) == f"{letter}3:{letter}{2 + SPEC['room']}"
        if col.kind == "date":
            assert dv.type == "date"
        if col.kind in ("applicant", "result"):
            ref = dv.formula1.split("!")[1].replace("$", "")
            listed = [c.value for row in choices[ref] for c in row]
            assert listed == list(layout.entries(col.kind))  # the tables' own labels
    assert len(layout.results) == 21 and list(layout.applicants)[0] == "自然人"


def test_an_empty_register_counts_zero_and_its_checks_hold(tmp_path):
    out = tmp_path / "空台账.xlsx"
    assert nianbao("register", "-o", out, "--year", "2025").returncode == 0
    rows = stats(out)
    numbers = [v for row in rows[4:] for v in row[1:] if isinstance(v, int) and not isinstance(v, bool)]
    assert numbers and all(v == 0 for v in numbers)
    assert "✔" in [v for row in rows for v in row] and "✘" not in [v for row in rows for v in row]
    formulas = [v for row in stats(out, data_only=False) for v in row if isinstance(v, str) and v.startswith("=")]
    assert any("COUNTIFS(" in f for f in formulas) and all("SUMPRODUCT" not in f for f in formulas)


def _filled(tmp_path):
    wb, values = build("某区科学技术局", 2025, applications=HAND, cases=HAND_CASES)
    path = tmp_path / "台账.xlsx"
    save(wb, values, path)
    tally = count(read_register(path.read_bytes(), path.name), 2025)
    return save(wb, values, path, tally), tally


def test_the_live_statistics_carry_the_tallied_values(tmp_path):
    path, tally = _filled(tmp_path)
    rows = stats(path)
    natural = {row[0]: row[1] for row in rows if row and isinstance(row[1], int)}
    assert natural["一、本年新收政府信息公开申请数量"] == HAND_2025["t3.new.natural"] == 3
    assert natural["四、结转下年度继续办理"] == HAND_2025["t3.carry_over.natural"]
    assert nianbao("tally", path, "--year", "2025", "-o", tmp_path / "年报.xlsx").returncode == 0
    assert {k: v for k, v in tally.values.items() if v} == {**HAND_2025, **HAND_CASES_2025["received"]}


def test_libreoffice_and_gnumeric_compute_the_statistics_as_tally_counts(tmp_path, libreoffice, gnumeric):
    path, _ = _filled(tmp_path)
    ours = stats(path)
    for client, converted in (("LibreOffice", libreoffice.convert([path], tmp_path / "lo")[0]),
                              ("Gnumeric", gnumeric.convert([path], tmp_path / "gnumeric")[0])):
        theirs = stats(converted)
        assert theirs[3:] == ours[3:], client
    assert any(isinstance(v, int) and v > 0 for row in ours for v in row[1:])


def test_a_register_filled_in_the_generated_workbook_is_tallied(tmp_path):
    """As staff use it: the generated workbook opened, rows typed under the header, saved."""
    out = tmp_path / "依申请台账.xlsx"
    assert nianbao("register", "-o", out, "--year", "2025").returncode == 0
    book = load_workbook(out)
    ws = book[SPEC["applications"]]
    keys = [c["key"] for c in SPEC["columns"]]
    for r, row in enumerate(HAND, 3):
        for n, key in enumerate(keys, 1):
            ws.cell(r, n, row.get(key))
    cases = book[SPEC["cases"]]
    for r, row in enumerate(HAND_CASES, 3):
        for n, col in enumerate(SPEC["case_columns"], 1):
            cases.cell(r, n, row.get(col["key"]))
    book.save(out)
    proc = nianbao("tally", out, "--year", "2025", "-o", tmp_path / "年报.xlsx")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "申请 8 行、复议诉讼 3 行" in proc.stdout
