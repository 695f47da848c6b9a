"""All contact with untrusted workbook bytes: sniffing, the zip directory pre-check, bounded reads of
parts, and the package's own metadata (sheets, shared strings, date system, custom properties).

Nothing here trusts the file: sizes are checked in the central directory before anything is
inflated, XML with a DTD or entity declarations is refused, and every failure becomes a
:class:`Refused` carrying a located finding instead of an exception from a library.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from ..format.findings import Finding, registered
from .strings import parse_shared_strings
from .xmlparts import SheetCells, UnsafeXML, XMLError, parse_relationships, parse_tree, read_cells

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE_DOCUMENT = "/officeDocument"
MB = 1024 * 1024
CHUNK = 1024 * 1024  # bytes inflated at a time: memory stays bounded whatever a part claims
#: binary formats that share the OLE2 container with legacy .xls, told apart by their suffix
OLE2_FORMATS = {".et": "WPS 表格文件（.et）", ".ett": "WPS 表格模板（.ett）", ".xlt": "Excel 97-2003 模板（.xlt）"}


@dataclass(frozen=True)
class Limits:
    """What one workbook may cost; raise them with the CLI flags named in each refusal."""

    max_uncompressed_mb: float = 100.0  # any one part, and all parts together
    max_parts: int = 2000

    #: the CLI flag that raises each limit (named in the finding)
    FLAGS = {"max_uncompressed_mb": "--max-uncompressed-mb", "max_parts": "--max-parts"}


#: for summaries nianbao itself wrote (re-checked after writing, or read as last year's): their 明细
#: of 20,000 agencies is over 100 MB of XML, past what an untrusted agency file may claim
OWN_FILES = Limits(max_uncompressed_mb=4096, max_parts=10_000)


class Refused(Exception):
    """The file cannot be read as a workbook; ``finding`` says why, in the user's terms."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


@dataclass
class Package:
    """A pre-checked .xlsx/.xlsm: its parts can be read within the limits."""

    name: str
    zf: zipfile.ZipFile
    limits: Limits
    sheets: dict[str, str] = field(default_factory=dict)  # sheet name → part path
    date1904: bool = False
    shared_strings: Sequence[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)

    def read(self, part: str) -> bytes:
        try:
            return _inflate(self.zf, self.zf.getinfo(part), self.name, self.limits)
        except KeyError:
            raise Refused(registered("F-CORRUPT", file=self.name, detail=f"缺少部件 {part}")) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError) as exc:
            raise Refused(registered("F-CORRUPT", file=self.name, detail=f"{part}：{exc}")) from None

    def cells(self, sheet: str, max_row: int, max_col: int) -> SheetCells:
        """The cells of a sheet within rows/columns 1..max, and a count of those beyond."""
        return read_cells(self.read(self.sheets[sheet]), max_row, max_col)


def sniff(data: bytes, name: str) -> None:
    """Refuse what is not an OOXML zip at all, by its first bytes."""
    if not data:
        raise Refused(registered("F-EMPTY", file=name))
    if data.startswith(OLE2_MAGIC):
        if _is_encrypted(data):
            raise Refused(registered("F-ENCRYPTED", file=name))
        other = OLE2_FORMATS.get(posixpath.splitext(name.lower())[1])
        if other:
            raise Refused(registered("F-FORMAT", file=name, format=other))
        raise Refused(registered("F-LEGACY-XLS", file=name))
    if data.startswith(EMPTY_ZIP_MAGIC) or not data.startswith(ZIP_MAGIC):
        raise Refused(registered("F-NOT-XLSX", file=name))


def _is_encrypted(data: bytes) -> bool:
    """An OLE2 file is either a legacy .xls or an encrypted OOXML workbook (never prompt for passwords)."""
    import msoffcrypto  # only OLE2 files pay for this import

    try:
        return bool(msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted())
    except Exception:  # an OLE2 file msoffcrypto cannot classify: treat as a legacy workbook
        return False


def open_package(data: bytes, name: str, limits: Limits | None = None, macros: bool = False) -> Package:
    """Sniff, pre-check the zip directory, then read the workbook's own metadata. A workbook with
    a VBA project is refused (F-MACRO) unless ``macros`` (nianbao's own add-in, read by its tests)."""
    limits = limits or Limits()
    sniff(data, name)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        raise Refused(registered("F-CORRUPT", file=name, detail=str(exc))) from None
    _precheck(infos, name, limits)
    names = {i.filename for i in infos}
    package = Package(name, zf, limits)
    if "mimetype" in names and b"opendocument.spreadsheet" in package.read("mimetype")[:200]:
        raise Refused(registered("F-FORMAT", file=name, format="OpenDocument 电子表格（.ods）"))
    if "[Content_Types].xml" not in names:
        raise Refused(registered("F-NOT-XLSX", file=name))
    if any(n.endswith(".bin") and n.startswith("xl/workbook") for n in names):
        raise Refused(registered("F-FORMAT", file=name, format="Excel 二进制工作簿（.xlsb）"))
    if not macros and any(n.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for n in names):  # never read, passed on
        raise Refused(registered("F-MACRO", file=name))
    try:
        _read_workbook(package, names)
    except UnsafeXML as exc:
        raise Refused(registered("F-UNSAFE-XML", file=name, detail=str(exc))) from None
    except (XMLError, ValueError, IndexError) as exc:
        raise Refused(registered("F-CORRUPT", file=name, detail=str(exc) or type(exc).__name__)) from None
    return package


def _precheck(infos: list[zipfile.ZipInfo], name: str, limits: Limits) -> None:
    """Refuse zip bombs and part floods from the central directory alone, before inflating.

    Only absolute sizes refuse a file: a compression ratio alone is no evidence (a legitimate
    workbook of repetitive XML compresses 100:1 and more), so it is reported, not judged.
    """
    if len(infos) > limits.max_parts:
        raise Refused(registered("F-TOO-MANY-PARTS", file=name, count=len(infos), limit=limits.max_parts,
                                 flag=Limits.FLAGS["max_parts"]))
    cap = limits.max_uncompressed_mb * MB
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # Excel and WPS use no other
            detail = f"部件 {info.filename} 使用了工作簿不使用的压缩方式（{info.compress_type}）"
            raise Refused(registered("F-CORRUPT", file=name, detail=detail))
        total += info.file_size
        if info.file_size > cap or total > cap:
            raise _too_big(name, info.filename, info.file_size, total, info.compress_size, limits)


def _inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limits: Limits) -> bytes:
    """A part's bytes, inflated here a chunk at a time and counted against the size its directory
    entry declares and the limit: a part that inflates past either is stopped there (F-TOO-BIG),
    never inflated whole into memory first. (``zipfile`` alone inflates up to 2 GB in one call and
    trusts the declared size.)"""
    raw_info = zipfile.ZipInfo(info.filename, info.date_time)  # the member's compressed bytes, as stored
    raw_info.header_offset, raw_info.flag_bits = info.header_offset, info.flag_bits
    raw_info.compress_size = raw_info.file_size = info.compress_size
    raw_info.compress_type, raw_info.CRC = zipfile.ZIP_STORED, None  # (the CRC is checked below)
    cap = limits.max_uncompressed_mb * MB
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    out, size, crc = [], 0, 0
    with zf.open(raw_info) as fh:
        for data in _pieces(fh, inflater):
            size += len(data)
            if size > cap:
                raise _too_big(name, info.filename, size, size, info.compress_size, limits)
            if size > info.file_size:
                raise Refused(registered("F-TOO-BIG/lying", file=name, part=info.filename,
                                         declared=round(info.file_size / MB, 3), size=round(size / MB, 3)))
            crc = zlib.crc32(data, crc)
            out.append(data)
    if size != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"部件 {info.filename} 的大小或校验值与目录不符")
    return b"".join(out)


def _pieces(fh, inflater) -> Iterator[bytes]:
    """A member's bytes a chunk at a time: as stored, or inflated at most ``CHUNK`` bytes a step."""
    for block in iter(lambda: fh.read(CHUNK), b""):
        if inflater is None:
            yield block
            continue
        data = inflater.decompress(block, CHUNK)
        while data:
            yield data
            data = inflater.decompress(inflater.unconsumed_tail, CHUNK) if inflater.unconsumed_tail else b""
        if inflater.eof:  # (anything after the stream's end is not the part's)
            return
    if inflater is not None:
        yield inflater.flush()


def _too_big(name: str, part: str, size: int, total: int, compressed: int, limits: Limits) -> Refused:
    """F-TOO-BIG for a part of ``size`` bytes (``total`` with the parts before it)."""
    return Refused(registered("F-TOO-BIG", file=name, part=part, size=round(size / MB, 1), total=round(total / MB, 1),
                              limit=limits.max_uncompressed_mb, ratio=round(size / max(compressed, 1)),
                              flag=Limits.FLAGS["max_uncompressed_mb"]))


def _part(folder: str, target: str) -> str:
    """A relationship target as a zip member name (targets are relative to ``folder`` or absolute)."""
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))


def _read_workbook(package: Package, names: set[str]) -> None:
    root_rels = parse_relationships(package.read("_rels/.rels"))
    main = next((t for typ, t in root_rels.values() if typ.endswith(OFFICE_DOCUMENT)), "xl/workbook.xml")
    main = main.lstrip("/")
    tree = parse_tree(package.read(main))
    if tree.tag.startswith("{" + STRICT_NS):
        raise Refused(registered("F-STRICT-OOXML", file=package.name))
    if not tree.tag.startswith("{" + MAIN_NS):
        raise Refused(registered("F-NOT-XLSX", file=package.name))
    folder = posixpath.dirname(main)
    rels_part = posixpath.join(folder, "_rels", posixpath.basename(main) + ".rels")
    rels = parse_relationships(package.read(rels_part)) if rels_part in names else {}
    pr = tree.find(f"{{{MAIN_NS}}}workbookPr")
    package.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    for sheet in tree.iterfind(f"{{{MAIN_NS}}}sheets/{{{MAIN_NS}}}sheet"):
        rid = sheet.get(f"{{{REL_NS}}}id")
        if rid in rels:
            package.sheets[sheet.get("name", "")] = _part(folder, rels[rid][1])
    strings = next((t for typ, t in rels.values() if typ.endswith("/sharedStrings")), None)
    if strings:
        part = _part(folder, strings)
        if part in names:
            package.shared_strings = parse_shared_strings(package.read(part))
    if "docProps/custom.xml" in names:
        package.properties = _custom_properties(package.read("docProps/custom.xml"))


def _custom_properties(data: bytes) -> dict[str, str]:
    out = {}
    for prop in parse_tree(data):
        name = prop.get("name")
        if name and len(prop):
            out[name] = (prop[0].text or "").strip()
    return out
