"""An office's pages, reached only through the unguessable token in its link: its status and
uploads, its personalised template, the upload form, each upload's findings and annotated copy."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from .state import Office, counted, status
from .web import XLSX, annotated, located, office_of, page, take_in, upload_of


def _subject(office: Office) -> str:
    """What an office page's form token is bound to."""
    return f"office|{office.id}"


def _view(request: Request, office: Office, **more) -> Response:
    collection = request.app.state.collection
    files = collection.store.uploads(office.id)
    return page(request, "office.html", office=office, status=status(files), files=list(reversed(files)),
                counted=counted(files), deadline=collection.deadline, days=collection.days_left(),
                csrf=request.app.state.signer.form_token(_subject(office)), token=office.token, **more)


async def status_page(request: Request) -> Response:
    """The office's page: status, deadline, uploads so far, the upload form."""
    return _view(request, office_of(request))


async def template(request: Request) -> Response:
    """The office's template, its identity prefilled."""
    office = office_of(request)
    collection = request.app.state.collection
    return FileResponse(await collection.template_for(office), media_type=XLSX,
                        filename=collection.template_name(office))


async def upload(request: Request) -> Response:
    """A workbook handed in: stored, checked, then its result page."""
    office = office_of(request)
    accepted = await take_in(request, office, _subject(office))
    if isinstance(accepted, Response):
        return accepted
    return RedirectResponse(f"/o/{office.token}/u/{accepted}", status_code=303)


async def result(request: Request) -> Response:
    """One upload's findings on the office's page."""
    office = office_of(request)
    shown = upload_of(request, office.id)
    return _view(request, office, shown=shown, findings=located(shown.findings))


async def annotated_copy(request: Request) -> Response:
    """One upload with its findings marked at their cells."""
    return await annotated(request, upload_of(request, office_of(request).id))
