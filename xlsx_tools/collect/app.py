"""``nianbao serve``'s web application (Starlette): server-rendered Chinese pages, no script.

Offices reach only their own pages, through the unguessable token in their link; the board and its
downloads need the consolidator's login. Every form carries a token tied to the office or to the
session, uploads stream to disk under a size limit, and every response carries the security headers
of :mod:`security`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..format.findings import Finding
from . import security
from .security import SESSION_COOKIE, SESSION_SECONDS, LoginLimiter, Signer
from .service import Collection, remove_quietly
from .state import Office, counted, status
from .upload import BadForm, TooLarge, discard, receive

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


def create_app(collection: Collection, settings: Settings) -> Starlette:
    pages = Environment(loader=PackageLoader("xlsx_tools.collect", "pages"), autoescape=select_autoescape())
    pages.filters["severity"] = lambda s: SEVERITY.get(s, s)
    pages.filters["when"] = lambda t: t.strftime("%Y-%m-%d %H:%M") if t else ""
    signer = Signer(settings.secret, settings.password_hash)
    limiter = LoginLimiter()

    def page(name: str, code: int = 200, **context) -> HTMLResponse:
        context.setdefault("year", collection.year)
        return HTMLResponse(pages.get_template(name).render(**context), status_code=code)

    def office_of(request: Request) -> Office:
        office = collection.store.office_by_token(request.path_params["token"])
        if office is None:
            raise HTTPException(404)
        return office

    def board_nonce(request: Request) -> str | None:
        return signer.session_nonce(request.cookies.get(SESSION_COOKIE))

    def board(view: Callable) -> Callable:
        async def guarded(request: Request):
            nonce = board_nonce(request)
            if nonce is None:
                return RedirectResponse("/login", status_code=303)
            request.state.nonce = nonce
            return await view(request)
        return guarded

    def same_origin(request: Request) -> bool:
        """A form posted from our own pages (a browser says where a form came from)."""
        origin = request.headers.get("origin")
        if origin and origin != "null":
            return origin.split("://", 1)[-1] == request.headers.get("host")
        return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")

    async def take(request: Request, subject: str) -> tuple[Path, str] | Response:
        """The uploaded file of a form whose token matches ``subject``; or the error page."""
        if not same_origin(request):
            return page("message.html", 403, title="请求被拒绝", text="请从本服务的页面上传文件。")
        try:
            length = request.headers.get("content-length")
            got = await receive(request.headers.get("content-type", ""), int(length) if length else None,
                                request.stream(), collection.store.temporary, settings.max_upload_bytes)
        except TooLarge:
            limit = settings.max_upload_bytes / (1024 * 1024)
            return page("message.html", 413, title="文件太大",
                        text=f"上传的文件超过 {limit:g} MB，未保存。"
                             "年报工作簿通常不到 1 MB，请确认选择的是填好的年报工作簿。")
        except BadForm as exc:
            return page("message.html", 400, title="上传未完成", text=str(exc))
        except ValueError:  # a Content-Length that is no number
            return page("message.html", 400, title="上传未完成", text="请求有误，请重新上传。")
        if not signer.form_ok(subject, got.fields.get("csrf")):
            discard(got)
            return page("message.html", 403, title="请求被拒绝", text="页面已过期，请刷新页面后重新上传。")
        if got.file is None:
            discard(got)
            return page("message.html", 400, title="没有选择文件", text="请先选择填好的年报工作簿，再点“上传并校验”。")
        return got.file, got.filename

    def office_view(request: Request, office: Office, **more) -> HTMLResponse:
        files = collection.store.uploads(office.id)
        return page("office.html", office=office, status=status(files), files=list(reversed(files)),
                    counted=counted(files), deadline=collection.deadline, days=collection.days_left(),
                    csrf=signer.form_token(f"office|{office.id}"), token=office.token, **more)

    async def home(request: Request):
        return page("home.html")

    async def office_page(request: Request):
        return office_view(request, office_of(request))

    async def office_template(request: Request):
        office = office_of(request)
        return FileResponse(collection.template_for(office), media_type=XLSX,
                            filename=collection.template_name(office))

    async def office_upload(request: Request):
        office = office_of(request)
        taken = await take(request, f"office|{office.id}")
        if isinstance(taken, Response):
            return taken
        upload_id = await collection.accept(office, *taken)
        return RedirectResponse(f"/o/{office.token}/u/{upload_id}", status_code=303)

    def upload_of(request: Request, office_id: int | None):
        upload = collection.store.upload(int(request.path_params["upload"]))
        if upload is None or (office_id is not None and upload.office_id != office_id):
            raise HTTPException(404)
        return upload

    async def office_result(request: Request):
        office = office_of(request)
        upload = upload_of(request, office.id)
        return office_view(request, office, shown=upload, findings=_located(upload.findings))

    def annotated(upload) -> FileResponse:
        if not upload.readable:  # nothing to mark on a file that could not be read
            raise HTTPException(404)
        return FileResponse(collection.annotated(upload), media_type=XLSX, filename=f"标注_{upload.name}")

    async def office_annotated(request: Request):
        return annotated(upload_of(request, office_of(request).id))

    async def login_page(request: Request):
        return page("login.html", csrf=signer.form_token("login"))

    async def login(request: Request):
        client = request.client.host if request.client else "?"
        wait = limiter.blocked(client)
        if wait:
            return page("login.html", 429, csrf=signer.form_token("login"), error=f"尝试次数过多，请 {wait} 秒后再试。")
        form = await request.form(max_files=0, max_fields=5)
        if not same_origin(request) or not signer.form_ok("login", form.get("csrf")):
            return page("message.html", 403, title="请求被拒绝", text="页面已过期，请刷新后重新登录。")
        if not security.check_password(str(form.get("password", "")), settings.password_hash):
            limiter.failed(client)
            return page("login.html", 401, csrf=signer.form_token("login"), error="密码不正确。")
        limiter.succeeded(client)
        response = RedirectResponse("/board", status_code=303)
        response.set_cookie(SESSION_COOKIE, signer.session(), max_age=SESSION_SECONDS, httponly=True,
                            samesite="strict", path="/")
        return response

    async def logout(request: Request):
        form = await request.form(max_files=0, max_fields=5)
        nonce = board_nonce(request)
        if nonce is None or not signer.form_ok(f"board|{nonce}", form.get("csrf")):
            return page("message.html", 403, title="请求被拒绝", text="页面已过期，请刷新后重试。")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @board
    async def board_page(request: Request):
        rows = collection.rows()
        counts = {}
        for row in rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return page("board.html", rows=rows, counts=counts, deadline=collection.deadline,
                    days=collection.days_left(), csrf=signer.form_token(f"board|{request.state.nonce}"))

    def board_office(request: Request) -> Office:
        office = collection.store.office(int(request.path_params["office"]))
        if office is None:
            raise HTTPException(404)
        return office

    @board
    async def board_office_page(request: Request):
        office = board_office(request)
        files = collection.store.uploads(office.id)
        return page("board_office.html", office=office, status=status(files), counted=counted(files),
                    files=[(u, _located(u.findings)) for u in reversed(files)],
                    csrf=signer.form_token(f"board|{request.state.nonce}"))

    @board
    async def board_add(request: Request):
        office = board_office(request)
        taken = await take(request, f"board|{request.state.nonce}")
        if isinstance(taken, Response):
            return taken
        await collection.accept(office, *taken, by_board=True)
        return RedirectResponse(f"/board/office/{office.id}", status_code=303)

    @board
    async def board_file(request: Request):
        upload = upload_of(request, None)
        if request.path_params["kind"] == "annotated":
            return annotated(upload)
        return FileResponse(collection.store.path_of(upload.sha256), media_type=XLSX, filename=upload.name)

    @board
    async def board_summary(request: Request):
        from anyio import to_thread

        target = collection.store.temporary("download.", ".xlsx")
        await to_thread.run_sync(collection.summary, target)
        return FileResponse(target, media_type=XLSX, filename=f"{collection.year}年度汇总表.xlsx",
                            background=BackgroundTask(remove_quietly, target))

    @board
    async def board_status(request: Request):
        target = collection.store.temporary("download.", ".xlsx")
        collection.status_book(target)
        return FileResponse(target, media_type=XLSX, filename=f"{collection.year}年度报送情况.xlsx",
                            background=BackgroundTask(remove_quietly, target))

    async def not_found(request: Request, exc: HTTPException):
        if exc.status_code == 404:
            return page("message.html", 404, title="页面不存在", text="链接不正确或已失效，请核对收到的链接。")
        return page("message.html", exc.status_code, title="请求有误", text=str(exc.detail))

    routes = [
        Route("/", home),
        Route("/o/{token}", office_page),
        Route("/o/{token}/template", office_template),
        Route("/o/{token}/upload", office_upload, methods=["POST"]),
        Route("/o/{token}/u/{upload:int}", office_result),
        Route("/o/{token}/u/{upload:int}/annotated", office_annotated),
        Route("/login", login_page),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/board", board_page),
        Route("/board/office/{office:int}", board_office_page),
        Route("/board/office/{office:int}/upload", board_add, methods=["POST"]),
        Route("/board/u/{upload:int}/{kind:str}", board_file),
        Route("/board/summary.xlsx", board_summary),
        Route("/board/status.xlsx", board_status),
        Mount("/static", StaticFiles(packages=[("xlsx_tools.collect", "static")]), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Headers)], exception_handlers={HTTPException: not_found})


def _located(findings: list[Finding]) -> list[dict]:
    """Findings as the pages list them: errors first, each with its place."""
    order = {"error": 0, "warning": 1, "info": 2}
    return [{"severity": f.severity, "code": f.code, "where": f"{f.sheet}!{f.cell}" if f.cell else f.sheet,
             "message": f.message, "hint": f.hint} for f in sorted(findings, key=lambda f: order.get(f.severity, 3))]
