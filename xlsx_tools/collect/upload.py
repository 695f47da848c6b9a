"""An uploaded form read as it streams in: its small text fields kept, its one file written straight to
a temporary file in the data folder, and the whole refused the moment it passes the size limit (the
temporary file removed: nothing stored). The client's file name is kept only to be shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

FIELD_BYTES = 4096  # a text field (the form token) is short
FORM_OVERHEAD = 64 * 1024  # what the form adds around the file: part headers, fields, boundaries


class TooLarge(Exception):
    """The upload passes the size limit (413)."""


class BadForm(Exception):
    """Not the form the page sends (400): the message says what is wrong, in Chinese."""


@dataclass
class Received:
    fields: dict[str, str] = field(default_factory=dict)
    file: Path | None = None
    filename: str = ""  # as the client named it: shown, never used as a path
    size: int = 0


def shown_name(raw: str) -> str:
    """The client's file name as shown on the pages: its last path part, no control characters and
    no format characters (bidi overrides that turn "报表‮xslx.exe" around, zero-width marks)."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf")).strip()
    return name[:120] or "未命名文件"


class _Parts:
    """The multipart parser's callbacks: text fields kept, the one file streamed to disk."""

    def __init__(self, out: Received, temporary: Callable[[], Path], limit: int, file_field: str):
        self.out, self.temporary, self.limit, self.file_field = out, temporary, limit, file_field
        self.headers: dict[bytes, bytes] = {}
        self.header = self.value = b""
        self.name: str | None = None
        self.field = bytearray()
        self.handle = None
        self.ended = False

    def callbacks(self) -> dict:
        return {"on_end": self.on_end, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished, "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.header.lower()] = self.value
        self.header = self.value = b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        self.headers = {}
        if b"filename" in params and not params[b"filename"]:  # the form sent with no file chosen
            self.name, self.field = None, bytearray()
        elif b"filename" in params:
            if name != self.file_field or self.out.file is not None:
                raise BadForm("一次只能上传一个文件。")
            self.out.filename = shown_name(params[b"filename"].decode("utf-8", "replace"))
            self.out.file = self.temporary()
            self.handle = open(self.out.file, "wb")  # noqa: SIM115 (closed at the part's end or on failure)
            self.name = None
        else:
            self.name, self.field = name, bytearray()

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.handle is not None:
            self.out.size += end - start
            if self.out.size > self.limit:
                raise TooLarge
            self.handle.write(data[start:end])
        else:
            self.field += data[start:end]
            if len(self.field) > FIELD_BYTES:
                raise BadForm("表单字段过长。")

    def on_part_end(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
        elif self.name:
            self.out.fields[self.name] = self.field.decode("utf-8", "replace")

    def on_end(self) -> None:
        self.ended = True

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


async def receive(content_type: str, declared: int | None, chunks: AsyncIterator[bytes],
                  temporary: Callable[[], Path], limit: int, file_field: str = "file") -> Received:
    """Read a multipart/form-data body; TooLarge past ``limit`` bytes of file, BadForm for anything
    else than text fields and one file."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise BadForm("请用页面上的表单上传文件。")
    if declared is not None and declared > limit + FORM_OVERHEAD:
        raise TooLarge
    out = Received()
    parts = _Parts(out, temporary, limit, file_field)
    parser = MultipartParser(boundary, parts.callbacks())
    total = 0
    try:
        async for chunk in chunks:
            total += len(chunk)
            if total > limit + FORM_OVERHEAD:
                raise TooLarge
            parser.write(chunk)
        parser.finalize()
    except (TooLarge, BadForm):
        discard(out, parts)
        raise
    except OSError:  # our disk, not the client's form: a storage failure (see web.take)
        discard(out, parts)
        raise
    except Exception as exc:  # the multipart parser's own complaint about a malformed body
        discard(out, parts)
        raise BadForm("上传的表单不完整或格式不对，请重新上传。") from exc
    if parts.handle is not None or not parts.ended:  # the body ended inside the form
        discard(out, parts)
        raise BadForm("上传没有完成，请重新上传。")
    return out


def discard(out: Received, parts: _Parts | None = None) -> None:
    """Remove the temporary file of an upload that is not kept."""
    if parts is not None:
        parts.close()
    if out.file is not None:
        out.file.unlink(missing_ok=True)
        out.file = None
