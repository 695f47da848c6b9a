"""An uploaded form read as it streams in: its small text fields kept, its one file written straight to
a temporary file in the data folder, and the whole refused the moment it passes the size limit (the
temporary file removed: nothing stored). The client's file name is kept only to be shown.
"""

from __future__ import annotations

import re
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
    """The client's file name as shown on the pages: its last path part, no control characters."""
    name = re.split(r"[\\/]", raw)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    return name[:120] or "未命名文件"


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
    state: dict = {"headers": {}, "name": None, "field": None, "handle": None, "header": b"", "value": b""}

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header"].lower()] = state["value"]
        state["header"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        disposition, params = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        state["headers"] = {}
        if b"filename" in params and not params[b"filename"]:  # the form sent with no file chosen
            state["name"], state["field"] = None, bytearray()
        elif b"filename" in params:
            if name != file_field or out.file is not None:
                raise BadForm("一次只能上传一个文件。")
            out.filename = shown_name(params[b"filename"].decode("utf-8", "replace"))
            out.file = temporary()
            state["handle"] = open(out.file, "wb")  # noqa: SIM115 (closed at the part's end or on failure)
            state["name"] = None
        else:
            state["name"], state["field"] = name, bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["handle"] is not None:
            out.size += end - start
            if out.size > limit:
                raise TooLarge
            state["handle"].write(data[start:end])
        else:
            state["field"] += data[start:end]
            if len(state["field"]) > FIELD_BYTES:
                raise BadForm("表单字段过长。")

    def on_part_end() -> None:
        if state["handle"] is not None:
            state["handle"].close()
            state["handle"] = None
        elif state["name"]:
            out.fields[state["name"]] = state["field"].decode("utf-8", "replace")

    def on_end() -> None:
        state["ended"] = True

    parser = MultipartParser(boundary, {
        "on_end": on_end, "on_header_field": on_header_field, "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end,
    })
    total = 0
    try:
        async for chunk in chunks:
            total += len(chunk)
            if total > limit + FORM_OVERHEAD:
                raise TooLarge
            parser.write(chunk)
        parser.finalize()
    except (TooLarge, BadForm):
        discard(out, state)
        raise
    except Exception as exc:  # the multipart parser's own complaint about a malformed body
        discard(out, state)
        raise BadForm("上传的表单不完整或格式不对，请重新上传。") from exc
    if state["handle"] is not None or not state.get("ended"):  # the body ended inside the form
        discard(out, state)
        raise BadForm("上传没有完成，请重新上传。")
    return out


def discard(out: Received, state: dict | None = None) -> None:
    """Remove the temporary file of an upload that is not kept."""
    if state and state.get("handle") is not None:
        state["handle"].close()
        state["handle"] = None
    if out.file is not None:
        out.file.unlink(missing_ok=True)
        out.file = None
