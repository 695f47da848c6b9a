"""What the collection pages share: the settings, the security headers on every response, the
page renderer, the guards (same-origin forms, the board's session), the upload a form carries,
and the lookups of an office, an upload and its annotated copy.

Everything a handler needs is on ``request.app.state`` (set once by :func:`app.create_app`):
``collection`` (:class:`service.Collection`), ``settings``, ``signer``, ``limiter`` and ``pages``
(the Jinja environment).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ..format.findings import Finding
from ..format.oserrors import describe
from . import security
from .security import SESSION_COOKIE
from .service import Unavailable
from .state import Office, Upload
from .upload import BadForm, TooLarge, discard, receive

LOG = logging.getLogger("nianbao.serve")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass
class Settings:
    password_hash: str
    secret: str
    max_upload_bytes: int = 20 * 1024 * 1024


class Headers:
    """Pure ASGI middleware: the security headers on every response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in security.HEADERS.items()
                         if k.lower().encode() not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


def environment() -> Environment:
    """The pages (``collect/pages``), autoescaped, with the filters they use."""
    pages = Environment(loader=PackageLoader("xlsx_tools.collect", "pages"), autoescape=select_autoescape())
    pages.filters["severity"] = lambda s: SEVERITY.get(s, s)
    pages.filters["when"] = lambda t: t.strftime("%Y-%m-%d %H:%M") if t else ""
    return pages


def page(request: Request, name: str, code: int = 200, **context) -> HTMLResponse:
    """A page rendered with the collection's year."""
    state = request.app.state
    context.setdefault("year", state.collection.year)
    return HTMLResponse(state.pages.get_template(name).render(**context), status_code=code)


def message(request: Request, code: int, title: str, text: str) -> HTMLResponse:
    return page(request, "message.html", code, title=title, text=text)


def same_origin(request: Request) -> bool:
    """A form posted from our own pages (a browser says where a form came from)."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin.split("://", 1)[-1] == request.headers.get("host")
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def board_nonce(request: Request) -> str | None:
    """The board session's nonce, when the request carries a live session cookie: signed by us,
    unexpired, and still open on the server (not logged out, no new password since)."""
    nonce = request.app.state.signer.session_nonce(request.cookies.get(SESSION_COOKIE))
    return nonce if nonce is not None and request.app.state.collection.store.session_open(nonce) else None


def secure(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly, or through the trusted proxy): then
    cookies are marked Secure, never sent over plain HTTP."""
    return request.url.scheme == "https"


def board_only(view: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    """A board handler: without the login, the browser is sent to it."""

    @functools.wraps(view)
    async def guarded(request: Request) -> Response:
        nonce = board_nonce(request)
        if nonce is None:
            return RedirectResponse("/login", status_code=303)
        request.state.nonce = nonce
        return await view(request)

    return guarded


def board_token(request: Request) -> str:
    """The form token of the board's pages, bound to the session."""
    return request.app.state.signer.form_token(f"board|{request.state.nonce}")


async def take(request: Request, subject: str) -> tuple[Path, str] | Response:
    """The uploaded file of a form whose token matches ``subject``; or the error page."""
    state = request.app.state
    if not same_origin(request):
        return message(request, 403, "请求被拒绝", "请从本服务的页面上传文件。")
    limit = state.settings.max_upload_bytes
    try:
        length = request.headers.get("content-length")
        got = await receive(request.headers.get("content-type", ""), int(length) if length else None,
                            request.stream(), state.collection.store.temporary, limit)
    except TooLarge:
        return message(request, 413, "文件太大", f"上传的文件超过 {limit / (1024 * 1024):g} MB，未保存。"
                       "年报工作簿通常不到 1 MB，请确认选择的是填好的年报工作簿。")
    except BadForm as exc:
        return message(request, 400, "上传未完成", str(exc))
    except ValueError:  # a Content-Length that is no number
        return message(request, 400, "上传未完成", "请求有误，请重新上传。")
    except OSError as exc:
        return storage_failed(request, exc)
    if not state.signer.form_ok(subject, got.fields.get("csrf")):
        discard(got)
        return message(request, 403, "请求被拒绝", "页面已过期，请刷新页面后重新上传。")
    if got.file is None:
        discard(got)
        return message(request, 400, "没有选择文件", "请先选择填好的年报工作簿，再点“上传并校验”。")
    return got.file, got.filename


async def take_in(request: Request, office: Office, subject: str, by_board: bool = False) -> int | Response:
    """An upload for ``office`` received, stored, checked and counted: its id; or the page that says
    why not (a quota reached, before the body is read when it already is; the disk failing)."""
    collection = request.app.state.collection
    try:
        refused = collection.over_quota(office, by_board)
        if refused:
            return message(request, 429, "已达上限", refused)
        taken = await take(request, subject)
        if isinstance(taken, Response):
            return taken
        accepted = await collection.accept(office, *taken, by_board=by_board)
    except OSError as exc:  # the data folder full or read-only: said, never a bare 500
        return storage_failed(request, exc)
    return message(request, 429, "已达上限", accepted) if isinstance(accepted, str) else accepted


def office_of(request: Request) -> Office:
    """The office whose link (its token) the request came by; 404 for any other token."""
    office = request.app.state.collection.store.office_by_token(request.path_params["token"])
    if office is None:
        raise HTTPException(404)
    return office


def upload_of(request: Request, office_id: int | None) -> Upload:
    """The upload the path names; 404 when it is not ``office_id``'s (None: any office's)."""
    upload = request.app.state.collection.store.upload(int(request.path_params["upload"]))
    if upload is None or (office_id is not None and upload.office_id != office_id):
        raise HTTPException(404)
    return upload


async def annotated(request: Request, upload: Upload) -> Response:
    """An upload's annotated copy; 404 for a file that could not be read (nothing to mark)."""
    if not upload.readable:
        raise HTTPException(404)
    try:
        path = await request.app.state.collection.annotated(upload)
    except Unavailable as exc:
        return unavailable(request, "标注副本", exc)
    return FileResponse(path, media_type=XLSX, filename=f"标注_{upload.name}")


def unavailable(request: Request, what: str, exc: Exception) -> Response:
    """The page of a workbook the workers could not make (too heavy, too slow)."""
    LOG.warning("%s未能生成：%s", what, exc)
    return message(request, 503, f"{what}暂时无法生成", f"{what}未能生成（{exc}）。页面上列出的问题照常有效，"
                   "可以按它们逐项修改；如需帮助请告知汇总单位。")


def storage_failed(request: Request, exc: OSError) -> Response:
    """The page when the data folder cannot take a file (full, read-only …): a 503 that says so in
    Chinese, and a line in the server's log for the consolidator (with the system's own words)."""
    LOG.error("收集目录无法写入（%s）：%s", describe(exc), exc)
    try:  # the board's log too, when the database can still take a line
        request.app.state.collection.store.log(f"收集目录无法写入（{describe(exc)}），一次上传未能保存")
    except Exception:  # noqa: BLE001 (the same full disk: the server's log has it)
        pass
    return message(request, 503, "暂时无法保存", f"服务器的收集目录无法写入（{describe(exc)}），这次上传没有保存。"
                   "请稍后重试，或告知汇总单位。")


def located(findings: list[Finding]) -> list[dict]:
    """Findings as the pages list them: errors first, each with its place."""
    order = {"error": 0, "warning": 1, "info": 2}
    return [{"severity": f.severity, "code": f.code, "where": f"{f.sheet}!{f.cell}" if f.cell else f.sheet,
             "message": for_page(f.message), "hint": for_page(f.hint)}
            for f in sorted(findings, key=lambda f: order.get(f.severity, 3))]


def for_page(text: str) -> str:
    """A finding's text as a page shows it: a clause that names a command-line option (可用 --timeout
    放宽时限) is left out, since no one on the page can give one."""
    if "--" not in text:
        return text
    kept = "".join(part for part in re.split(r"(?<=[；。])", text) if "--" not in part).strip()
    return re.sub(r"[；，]$", "。", kept) or "请联系汇总单位处理。"


async def home(request: Request) -> Response:
    """The front page: where offices and the consolidator each go."""
    return page(request, "home.html")


async def refused(request: Request, exc: HTTPException) -> Response:
    """The page of a 404 (a wrong or stale link) or of any other refusal."""
    if exc.status_code == 404:
        return message(request, 404, "页面不存在", "链接不正确或已失效，请核对收到的链接。")
    return message(request, exc.status_code, "请求有误", str(exc.detail))
