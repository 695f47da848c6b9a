"""``nianbao serve``'s web application (Starlette): server-rendered Chinese pages, no script.

The route table is here, in one place; the handlers are module-level functions in
:mod:`office` (what an office reaches through its link) and :mod:`board` (the consolidator's
pages, behind the login), sharing :mod:`web`. Every form carries a token tied to the office or to
the session, uploads stream to disk under a size limit, and every response carries the security
headers of :mod:`security`.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import board, office, web
from .security import LoginLimiter, Signer
from .service import Collection
from .web import Headers, Settings

ROUTES = [
    Route("/", web.home),
    Route("/o/{token}", office.status_page),
    Route("/o/{token}/template", office.template),
    Route("/o/{token}/upload", office.upload, methods=["POST"]),
    Route("/o/{token}/u/{upload:int}", office.result),
    Route("/o/{token}/u/{upload:int}/annotated", office.annotated_copy),
    Route("/login", board.login_page),
    Route("/login", board.login, methods=["POST"]),
    Route("/logout", board.logout, methods=["POST"]),
    Route("/board", board.overview),
    Route("/board/office/{office:int}", board.office_page),
    Route("/board/office/{office:int}/upload", board.add_file, methods=["POST"]),
    Route("/board/u/{upload:int}/{kind:str}", board.stored_file),
    Route("/board/summary.xlsx", board.summary),
    Route("/board/status.xlsx", board.status_list),
    Mount("/static", StaticFiles(packages=[("xlsx_tools.collect", "static")]), name="static"),
]


def create_app(collection: Collection, settings: Settings) -> Starlette:
    """The application over one collection: the route table, the headers, the shared state."""
    app = Starlette(routes=ROUTES, middleware=[Middleware(Headers)],
                    exception_handlers={HTTPException: web.refused})
    app.state.collection = collection
    app.state.settings = settings
    app.state.signer = Signer(settings.secret, settings.password_hash)
    app.state.limiter = LoginLimiter()
    app.state.pages = web.environment()
    return app
