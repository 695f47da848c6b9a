"""The consolidator's pages behind the login: the login itself, the board of every office, one
office's uploads (and a file added for it), the stored files, the summary and the 报送情况 list."""

from __future__ import annotations

from anyio import to_thread
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from . import security
from .security import SESSION_COOKIE, SESSION_SECONDS
from .service import remove_quietly
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
    storage_failed,
    take,
    upload_of,
)


async def login_page(request: Request) -> Response:
    return page(request, "login.html", csrf=request.app.state.signer.form_token("login"))


async def login(request: Request) -> Response:
    """The password checked, at most a few failures per client in a window; a session on success."""
    state = request.app.state
    client = request.client.host if request.client else "?"
    wait = state.limiter.blocked(client)
    if wait:
        return page(request, "login.html", 429, csrf=state.signer.form_token("login"),
                    error=f"尝试次数过多，请 {wait} 秒后再试。")
    form = await request.form(max_files=0, max_fields=5)
    if not same_origin(request) or not state.signer.form_ok("login", form.get("csrf")):
        return message(request, 403, "请求被拒绝", "页面已过期，请刷新后重新登录。")
    if not security.check_password(str(form.get("password", "")), state.settings.password_hash):
        state.limiter.failed(client)
        return page(request, "login.html", 401, csrf=state.signer.form_token("login"), error="密码不正确。")
    state.limiter.succeeded(client)
    response = RedirectResponse("/board", status_code=303)
    response.set_cookie(SESSION_COOKIE, state.signer.session(), max_age=SESSION_SECONDS, httponly=True,
                        samesite="strict", path="/")
    return response


async def logout(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=5)
    nonce = board_nonce(request)
    if nonce is None or not request.app.state.signer.form_ok(f"board|{nonce}", form.get("csrf")):
        return message(request, 403, "请求被拒绝", "页面已过期，请刷新后重试。")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@board_only
async def overview(request: Request) -> Response:
    """Every office with its status, counted by status."""
    collection = request.app.state.collection
    rows = collection.rows()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    return page(request, "board.html", rows=rows, counts=counts, deadline=collection.deadline,
                days=collection.days_left(), csrf=board_token(request))


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
    taken = await take(request, f"board|{request.state.nonce}")
    if isinstance(taken, Response):
        return taken
    try:
        await request.app.state.collection.accept(office, *taken, by_board=True)
    except OSError as exc:  # the data folder full or read-only: said, never a bare 500
        return storage_failed(request, exc)
    return RedirectResponse(f"/board/office/{office.id}", status_code=303)


@board_only
async def stored_file(request: Request) -> Response:
    """An upload as received (``original``) or annotated (``annotated``)."""
    upload = upload_of(request, None)
    if request.path_params["kind"] == "annotated":
        return annotated(request, upload)
    if any(f.code == "F-MACRO" for f in upload.findings):  # kept as evidence, never handed out
        return message(request, 403, "不提供下载", "这个文件含有宏（VBA 工程），为安全起见不提供下载。")
    return FileResponse(request.app.state.collection.store.path_of(upload.sha256), media_type=XLSX,
                        filename=upload.name)


@board_only
async def summary(request: Request) -> Response:
    """``nianbao merge`` over the uploads that count, made off the event loop."""
    collection = request.app.state.collection
    target = collection.store.temporary("download.", ".xlsx")
    await to_thread.run_sync(collection.summary, target)
    return FileResponse(target, media_type=XLSX, filename=f"{collection.year}年度汇总表.xlsx",
                        background=BackgroundTask(remove_quietly, target))


@board_only
async def status_list(request: Request) -> Response:
    """报送情况: one row per roster agency."""
    collection = request.app.state.collection
    target = collection.store.temporary("download.", ".xlsx")
    collection.status_book(target)
    return FileResponse(target, media_type=XLSX, filename=f"{collection.year}年度报送情况.xlsx",
                        background=BackgroundTask(remove_quietly, target))
