"""The fast paths of the part readers (:mod:`xmlparts`, :mod:`strings`) agree with expat.

Worksheets and shared strings are read with patterns where they look as writers save them, and
with expat otherwise. Whatever path a part takes, the values must be the ones expat gives: checked
on generated parts (hypothesis), on every part of the bad-input corpus, and on workbooks saved by
LibreOffice and Gnumeric, whose usual parts must take the fast path.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from fills import correct_values, fill
from hypothesis import given, settings
from hypothesis import strategies as st

from xlsx_tools.read import strings, xmlparts
from xlsx_tools.read.strings import SharedStrings
from xlsx_tools.read.xmlparts import UnsafeXML, XMLError
from xlsx_tools.write import template

HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'

# text as writers escape it: markup escaped, some characters as references, _xHHHH_ escapes, CR/LF
_CHARS = st.sampled_from(list("年报公开申请 abcXYZ019_.-") + ["&amp;", "&lt;", "&gt;", "&quot;", "&#20844;", "&#x5e74;",
                                                              "_x000D_", "_x0041_", "\n", "\r\n", "\r", "\t"])
TEXT = st.lists(_CHARS, max_size=12).map("".join)


@st.composite
def items(draw) -> bytes:
    """One <si> item: a plain run (with or without attributes), an empty one, or rich text with runs
    and phonetic runs."""
    kind = draw(st.sampled_from(["plain", "spaced", "empty", "rich"]))
    if kind == "plain":
        return f"<si><t>{draw(TEXT)}</t></si>".encode()
    if kind == "spaced":
        return f'<si><t xml:space="preserve">{draw(TEXT)}</t></si>'.encode()
    if kind == "empty":
        return b"<si><t/></si>"
    runs = "".join(f'<r><rPr><sz val="10"/><color rgb="FF595959"/></rPr><t xml:space="preserve">{draw(TEXT)}</t></r>'
                   for _ in range(draw(st.integers(1, 3))))
    phonetic = f"<rPh sb=\"0\" eb=\"1\"><t>{draw(TEXT)}</t></rPh>" if draw(st.booleans()) else ""
    return f"<si>{runs}{phonetic}</si>".encode()


def strings_expat(data: bytes):
    try:
        return strings._parse_strings(data)
    except XMLError as exc:
        return type(exc)


def strings_fast(data: bytes):
    fast = strings._fast_strings(data)
    if fast is None:
        return None
    try:
        return list(fast)
    except XMLError as exc:
        return type(exc)


@settings(max_examples=300, deadline=None)
@given(st.lists(items(), max_size=30))
def test_shared_strings_read_by_the_pattern_equal_expat(parts):
    data = HEAD + SST + b"".join(parts) + b"</sst>"
    fast = strings._fast_strings(data)
    assert isinstance(fast, SharedStrings) or b"&#" in data  # the usual table takes the fast path
    assert fast is None or list(fast) == strings._parse_strings(data)
    assert strings.parse_shared_strings(data) == strings._parse_strings(data)


@pytest.mark.parametrize("data, outcome", [
    (HEAD + b'<!DOCTYPE sst [<!ENTITY a "x">]>' + SST + b"<si><t>&a;</t></si></sst>", UnsafeXML),
    (SST + b"<si><t><![CDATA[<b>]]></t></si></sst>", ["<b>"]),
    (b'<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:si><x:t>a</x:t></x:si></x:sst>',
     ["a"]),
    (SST + b'<si foo="1"><t>a</t></si></sst>', ["a"]),
    (SST + b"<si><t>a</t></si><si><t>b</t></sst>", XMLError),  # an item not closed
    (SST + b"<si><t>a</t></si>", XMLError),  # a table cut short
    (SST + b"<si><t>a &bogus; b</t></si></sst>", XMLError),
    (SST + b"<si><t>a &#99999999; b</t></si></sst>", XMLError),
    (SST + b"<si><t>\xff\xfe</t></si></sst>", XMLError),  # not UTF-8
    (SST + b"<si><t>a</t></si></si><si><t>b</t></sst>", XMLError),  # closed twice, then not at all
])
def test_unusual_tables_go_to_expat_and_end_as_expat_says(data, outcome):
    """Whatever would make expat refuse a table is found when it is opened, never later when a cell
    asks for a string."""
    if isinstance(outcome, type):
        assert strings._fast_strings(data) is None
    elif strings._fast_strings(data) is not None:
        assert strings_fast(data) == strings_expat(data)
    if isinstance(outcome, type):
        with pytest.raises(outcome):
            list(strings.parse_shared_strings(data))
    else:
        assert list(strings.parse_shared_strings(data)) == outcome


def test_an_index_past_the_table_is_an_index_error_as_in_a_list():
    table = strings.parse_shared_strings(SST + b"<si><t>a</t></si><si><t>b</t></si></sst>")
    assert isinstance(table, SharedStrings) and len(table) == 2 and table[1] == "b" and table[-1] == "b"
    with pytest.raises(IndexError):
        table[2]


# -- worksheets --------------------------------------------------------------------------------
SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


@st.composite
def cells(draw) -> tuple[int, str]:
    """A row number and one <c> element as writers save them."""
    row = draw(st.sampled_from([1, 2, 3, 7, 40, 41, 1048576]))
    col = draw(st.sampled_from(["A", "B", "J", "K", "XFD"]))
    ref = f'r="{col}{row}"'
    number = draw(st.sampled_from(["0", "17", "3.5", "-2", "1E+300", "abc", ""]))
    style = draw(st.sampled_from(["", ' s="3"', ' s="19" t="n"']))
    return row, draw(st.sampled_from([
        f"<c {ref}{style}/>",
        f"<c {ref}{style}></c>",
        f"<c {ref}{style}><v>{number}</v></c>",
        f'<c {ref} t="s"><v>{draw(st.integers(0, 5))}</v></c>',
        f'<c {ref} t="inlineStr"><is><t>{draw(TEXT)}</t></is></c>',
        f'<c {ref} s="2" t="inlineStr"><is><r><t>{draw(TEXT)}</t></r><r><t>{draw(TEXT)}</t></r></is></c>',
        f'<c {ref} s="20" t="n"><f aca="false">SUM($D$6:$I$6)</f><v>{number}</v></c>',
        f'<c {ref}><f>B5&amp;"x"</f><v>{number}</v></c>',
        f"<c {ref}><f>SUM(B5:C5)</f></c>",
        f'<c {ref} t="shared"><f t="shared" si="0"/><v>{number}</v></c>',
        f'<c {ref} t="e"><v>#REF!</v></c>',
        f'<c {ref} t="str"><f>A1</f><v>{draw(TEXT)}</v></c>',
        f'<c {ref} t="b"><v>1</v></c>',
        f'<c {ref} t="str"><is><t>{draw(TEXT)}</t></is></c>',  # an inline run where t= says otherwise
    ]))


@pytest.mark.slow  # a generated corpus of worksheets
@settings(max_examples=300, deadline=None)
@given(st.lists(cells(), max_size=40))
def test_worksheets_read_by_the_pattern_equal_expat(found):
    rows: dict[int, list[str]] = {}
    for row, xml in found:
        rows.setdefault(row, []).append(xml)
    body = "".join(f'<row r="{r}">{"".join(xs)}</row>' for r, xs in sorted(rows.items()))
    tail = b'</sheetData><mergeCells count="1"><mergeCell ref="B5:C6"/></mergeCells></worksheet>'
    data = SHEET + body.encode() + tail
    fast = xmlparts._fast_cells(data, 40, 10)
    assert fast is not None  # as writers save them: the fast path
    slow = xmlparts.parse_cells(data, 40, 10)
    assert (fast.cells, fast.outside, fast.first_outside) == (slow.cells, slow.outside, slow.first_outside)
    assert xmlparts.read_cells(data, 40, 10).merged == ["B5:C6"]


# -- real parts --------------------------------------------------------------------------------
def assert_parts_agree(data: bytes, name: str, usual: bool) -> int:
    """Every worksheet and the shared strings of a workbook read alike by both paths; returns how
    many parts took the fast path (all of them when ``usual``)."""
    fast_parts = 0
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for part in z.namelist():
            body = z.read(part)
            if part.startswith("xl/worksheets/") and part.endswith(".xml"):
                fast = xmlparts._fast_cells(body, 200, 30)
                if fast is not None:
                    slow = xmlparts.parse_cells(body, 200, 30)
                    assert (fast.cells, fast.outside) == (slow.cells, slow.outside), (name, part)
            elif part == "xl/sharedStrings.xml":
                fast = strings._fast_strings(body)
                if fast is not None:
                    assert strings_fast(body) == strings_expat(body), (name, part)
            else:
                continue
            fast_parts += fast is not None
            assert fast is not None or not usual, (name, part)
    return fast_parts


def test_every_part_of_the_bad_input_corpus_reads_alike(bad_corpus):
    checked = 0
    for path in sorted(bad_corpus.folder.rglob("*.xlsx")):
        data = path.read_bytes()
        if not zipfile.is_zipfile(io.BytesIO(data)):
            continue
        try:
            checked += assert_parts_agree(data, path.name, usual=False)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, EOFError, UnsafeXML):
            continue  # refused before any part is read (bombs, encryption, DTDs)
    assert checked > 100


@pytest.mark.parametrize("client", ["libreoffice", "gnumeric"])
def test_workbooks_saved_by_real_clients_take_the_fast_path(client, request, tmp_path):
    source = tmp_path / "填好的.xlsx"
    fill(template.build(), correct_values()).save(source)
    saved = request.getfixturevalue(client).convert([source], tmp_path / "out")[0]
    assert assert_parts_agree(saved.read_bytes(), saved.name, usual=True) >= 8
