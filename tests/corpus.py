"""Bad workbooks built by code, each named after the code it must produce: ``CODE__what.xlsx``.

Built from a correct fill of the real template, then damaged the way files arrive damaged: empty,
renamed text, truncated downloads, encrypted, another format, hostile XML, zip bombs, tables with
rows inserted or labels edited, the 2019 layout, data far outside the table.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

from fills import correct_values, fill

from xlsx_tools import template
from xlsx_tools.layout import workbook_layout

BUILDERS: dict[str, Callable[[bytes], bytes]] = {}


def case(name: str):
    def register(fn):
        BUILDERS[name] = fn
        return fn
    return register


def good_bytes() -> bytes:
    buf = io.BytesIO()
    fill(template.build(), correct_values()).save(buf)
    return buf.getvalue()


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


def sheet_part(name: str) -> str:
    index = [s.name for s in workbook_layout().sheets].index(name) + 1
    return f"xl/worksheets/sheet{index}.xml"


@case("F-EMPTY__zero-bytes.xlsx")
def _empty(good):
    return b""


@case("F-NOT-XLSX__csv-renamed.xlsx")
def _csv(good):
    return "单位名称,统一社会信用代码\n某局,123\n".encode()


@case("F-CORRUPT__truncated-download.xlsx")
def _truncated(good):
    return good[: len(good) // 2]


@case("F-NOT-XLSX__no-content-types.xlsx")
def _no_content_types(good):
    return rezip(good, lambda n, b: None if n == "[Content_Types].xml" else b)


@case("F-ENCRYPTED__password.xlsx")
def _encrypted(good):
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("口令123", out)
    return out.getvalue()


@case("F-FORMAT__opendocument.xlsx")
def _ods(good):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


@case("F-CORRUPT__torn-mimetype.xlsx")
def _torn_mimetype(good):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    data = bytearray(out.getvalue())
    at = data.index(b"application/vnd.oasis")
    data[at] ^= 0xFF  # the stored bytes no longer match their CRC
    return bytes(data)


@case("F-FORMAT__binary.xlsb")
def _xlsb(good):
    return rezip(good, lambda n, b: b, {"xl/workbook.bin": b"\x00" * 64})


@case("F-STRICT-OOXML__strict.xlsx")
def _strict(good):
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    return rezip(good, lambda n, b: b.replace(main, b"http://purl.oclc.org/ooxml/spreadsheetml/main")
                 if n == "xl/workbook.xml" else b)


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>")


def _without_declaration(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


@case("F-UNSAFE-XML__billion-laughs-workbook.xlsx")
def _laughs_workbook(good):
    return rezip(good, lambda n, b: LAUGHS + _without_declaration(b).replace(b"<workbook ", b"<workbook a='&lol9;' ", 1)
                 if n == "xl/workbook.xml" else b)


@case("F-UNSAFE-XML__xxe-in-sheet.xlsx")
def _xxe(good):
    doctype = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>'
    part = sheet_part("表三")
    return rezip(good, lambda n, b: doctype + _without_declaration(b).replace(b"<v>17</v>", b"<v>&xxe;</v>", 1)
                 if n == part else b)


@case("F-TOO-BIG__zip-bomb.xlsx")
def _bomb(good):
    out = io.BytesIO(good)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as z, z.open("xl/media/bomb.bin", "w") as fh:
        chunk = b" " * (1024 * 1024)
        for _ in range(150):  # 150 MB of spaces: about 150 KB compressed
            fh.write(chunk)
    return out.getvalue()


@case("F-TOO-MANY-PARTS__part-flood.xlsx")
def _flood(good):
    return rezip(good, lambda n, b: b, {f"xl/junk/{i}.xml": b"" for i in range(2500)})


@case("F-CORRUPT__shared-string-out-of-range.xlsx")
def _sst(good):
    sst = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
           b'count="1" uniqueCount="1"><si><t>x</t></si></sst>')
    rel = (b'<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    part = sheet_part("表三")

    def change(n, b):
        if n == "xl/_rels/workbook.xml.rels":
            return b.replace(b"</Relationships>", rel)
        if n == part:
            return re.sub(rb'<c r="D6"([^>]*)>.*?</c>', rb'<c r="D6" t="s"><v>99</v></c>', b, count=1)
        return b
    return rezip(good, change, {"xl/sharedStrings.xml": sst})


@case("F-CORRUPT__malformed-workbook-xml.xlsx")
def _malformed(good):
    return rezip(good, lambda n, b: b[: len(b) // 2] if n == "xl/workbook.xml" else b)


@case("F-NOT-TEMPLATE__ordinary-workbook.xlsx")
def _ordinary(good):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["随便", "一个", "表格"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build(folder: Path) -> dict[str, Path]:
    """Write every case into ``folder``; name → path."""
    good = good_bytes()
    out = {}
    for name, builder in BUILDERS.items():
        path = folder / name
        path.write_bytes(builder(good))
        out[name] = path
    return out
