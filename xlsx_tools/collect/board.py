"""The consolidator's pages behind the login: the login itself, the board of every office, one
office's uploads (and a file added for it), the stored files, the summary and the 报送情况 list."""

from __future__ import annotations

import secrets

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from . import security
from .security import LOGIN_COOKIE, SESSION_COOKIE, SESSION_SECONDS
from .service import Unavailable, remove_quietly
from .state import Office, counted, status
from .web import (
    XLSX,
    annotated,
    board_nonce,
    board_only,
    board_token,
    located,
    message,
    page,
    same_origin,
    secure,
    storage_failed,
    take_in,
    unavailable,
    upload_of,
)


async def login_page(request: Request) -> Response:
    """The login form; its token is bound to this browser's own login cookie (never shared)."""
    visitor = _visitor(request)
    return _with_visitor(request, page(request, "login.html", csrf=_login_token(request, visitor)), visitor)


def _visitor(request: Request) -> str:
    """The browser's login cookie, or a new one."""
    value = request.cookies.get(LOGIN_COOKIE, "")
    return value if 16 <= len(value) <= 64 and value.replace("-", "").replace("_", "").isalnum() else \
        secrets.token_urlsafe(24)


def _login_token(request: Request, visitor: str) -> str:
    return request.app.state.signer.form_token(f"login|{visitor}")


def _with_visitor(request: Request, response: Response, visitor: str) -> Response:
    response.set_cookie(LOGIN_COOKIE, visitor, max_age=SESSION_SECONDS, httponly=True, samesite="strict", path="/",
                        secure=secure(request))
    return response


async def login(request: Request) -> Response:
    """The password checked, at most a few failures per client in a window; a session on success
    (kept on the server: logging out or a new password ends it)."""
    state = request.app.state
    client = request.client.host if request.client else "?"  # the proxy's client only behind --trusted-proxy
    visitor = request.cookies.get(LOGIN_COOKIE, "")
    wait = state.limiter.blocked(client)
    if wait:
        state.collection.store.log(f"登录尝试过多，来自 {client} 的登录暂停 {wait} 秒")
        return page(request, "login.html", 429, csrf=_login_token(request, visitor),
                    error=f"尝试次数过多，请 {wait} 秒后再试。")
    form = await request.form(max_files=0, max_fields=5)
    if not same_origin(request) or not visitor or not state.signer.form_ok(f"login|{visitor}", form.get("csrf")):
        return message(request, 403, "请求被拒绝", "页面已过期，请刷新后重新登录。")
    if not security.check_password(str(form.get("password", "")), state.settings.password_hash):
        state.limiter.failed(client)
        return page(request, "login.html", 401, csrf=_login_token(request, visitor), error="密码不正确。")
    state.limiter.succeeded(client)
    cookie = state.signer.session()
    state.collection.store.open_session(state.signer.session_nonce(cookie), int(cookie.split(".")[0]))
    response = RedirectResponse("/board", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_SECONDS, httponly=True, samesite="strict", path="/",
                        secure=secure(request))
    return response


async def logout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    nonce = board_nonce(request)
    if nonce is None or not request.app.state.signer.form_ok(f"board|{nonce}", form.get("csrf")):
        return message(request, 403, "请求被拒绝", "页面已过期，请刷新后重试。")
    request.app.state.collection.store.end_sessions(nonce)  # the cookie, wherever a copy of it is, is dead
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=secure(request))
    return response


LOG_LINES = 50  # the board shows the newest lines of its log


@board_only
async def overview(request: Request) -> Response:
    """Every office with its status, counted by status."""
    collection = request.app.state.collection
    rows = collection.rows()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    log = collection.store.events(LOG_LINES)  # each line names its office itself
    return page(request, "board.html", rows=rows, counts=counts, deadline=collection.deadline,
                days=collection.days_left(), csrf=board_token(request), log=log)


def _office(request: Request) -> Office:
    office = request.app.state.collection.store.office(int(request.path_params["office"]))
    if office is None:
        raise HTTPException(404)
    return office


@board_only
async def office_page(request: Request) -> Response:
    """One office's uploads, each with its findings."""
    office = _office(request)
    files = request.app.state.collection.store.uploads(office.id)
    return page(request, "board_office.html", office=office, status=status(files), counted=counted(files),
                files=[(u, located(u.findings)) for u in reversed(files)], csrf=board_token(request))


@board_only
async def add_file(request: Request) -> Response:
    """A file that arrived another way (mail, a USB stick), added for an office."""
    office = _office(request)
    accepted = await take_in(request, office, f"board|{request.state.nonce}", by_board=True)
    if isinstance(accepted, Response):
        return accepted
    return RedirectResponse(f"/board/office/{office.id}", status_code=303)


@board_only
async def stored_file(request: Request) -> Response:
    """An upload as received (``original``) or annotated (``annotated``)."""
    upload = upload_of(request, None)
    if request.path_params["kind"] == "annotated":
        return await annotated(request, upload)
    if any(f.code == "F-MACRO" for f in upload.findings):  # kept as evidence, never handed out
        return message(request, 403, "不提供下载", "这个文件含有宏（VBA 工程），为安全起见不提供下载。")
    stored = request.app.state.collection.store.path_of(upload.sha256)
    if not stored.exists():  # an unreadable file past the newest few, removed (its findings stay)
        return message(request, 410, "文件已清理", "无法读取的文件每家单位只保留最近几个，这个文件已从服务器上删除；"
                       "它的问题清单仍在本页。")
    return FileResponse(stored, media_type=XLSX, filename=upload.name)


@board_only
async def summary(request: Request) -> Response:
    """``nianbao merge`` over the uploads that count, made in a worker."""
    collection = request.app.state.collection
    return await _made(request, "汇总表", collection.summary, f"{collection.year}年度汇总表.xlsx")


@board_only
async def status_list(request: Request) -> Response:
    """报送情况: one row per roster agency."""
    collection = request.app.state.collection
    return await _made(request, "报送情况表", collection.status_book, f"{collection.year}年度报送情况.xlsx")


async def _made(request: Request, what: str, make, filename: str) -> Response:
    """A workbook made for this download in a worker, removed once sent."""
    target = request.app.state.collection.store.temporary("download.", ".xlsx")
    try:
        await make(target)
    except Unavailable as exc:
        remove_quietly(target)
        return unavailable(request, what, exc)
    except OSError as exc:
        remove_quietly(target)
        return storage_failed(request, exc)
    return FileResponse(target, media_type=XLSX, filename=filename, background=BackgroundTask(remove_quietly, target))
