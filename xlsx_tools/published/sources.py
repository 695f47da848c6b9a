"""A published report's file read by the front end its suffix names, within the size limit."""

from __future__ import annotations

from pathlib import Path

from ..format.oserrors import describe
from ..read.container import MB
from ..write import libreoffice
from .document import Document, Unreadable
from .pdfdoc import pdf_lines
from .plaintext import decode, text_lines
from .webpage import html_lines
from .word import docx_lines

#: how long LibreOffice may take to convert one Word 97 / WPS document
CONVERT_SECONDS = 120


def read_document(path: Path, kinds: dict[str, str], max_mb: float, max_pages: int = 500) -> Document:
    """Read ``path`` (never written) with the front end its suffix names."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in kinds:
        raise Unreadable(f"不支持的文件类型“{suffix or '无扩展名'}”，可导入：{'、'.join(kinds)}")
    try:
        size = path.stat().st_size
        if size > max_mb * MB:
            raise Unreadable(f"文件有 {size / MB:.1f} MB，超过上限 {max_mb:g} MB（可用 --max-mb 提高上限）")
        data = path.read_bytes()
    except OSError as exc:
        raise Unreadable(f"无法读取文件：{describe(exc)}") from exc
    if not data.strip():
        raise Unreadable("文件是空的")
    doc = Document(path.name, kinds[suffix])
    if suffix == ".docx":
        doc.lines = docx_lines(data, max_mb)
    elif suffix in (".html", ".htm"):
        doc.lines = html_lines(data, path.parent, max_mb, max_pages)
    elif suffix == ".pdf":
        doc.lines = pdf_lines(data, max_pages, doc.file_dates)
    elif suffix in (".doc", ".wps"):
        doc.lines = docx_lines(_as_docx(path, kinds[suffix]), max_mb)
    else:
        text, doc.encoding = decode(data)
        doc.lines = text_lines(text)
    return doc


def _as_docx(path: Path, kind: str) -> bytes:
    """A Word 97 or WPS document converted to .docx by LibreOffice (in a scratch folder)."""
    import tempfile

    if libreoffice.soffice() is None:
        raise Unreadable(f"读取{kind}需要 LibreOffice，本机没有安装；请安装 LibreOffice，"
                         "或用 Word/WPS 把它另存为 .docx 后再导入")
    with tempfile.TemporaryDirectory(prefix="nianbao-doc-") as scratch:
        made = libreoffice.convert([path], Path(scratch), target="docx", timeout=CONVERT_SECONDS)
        if path not in made:
            raise Unreadable(f"LibreOffice 无法打开这个{kind}（文件可能已损坏或加密）")
        return made[path].read_bytes()
