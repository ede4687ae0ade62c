"""Personal shortlists on the web: the lists, one list (with its CSV), and the forms that
save, annotate, reorder, share and delete. Signed-in users only; the rules live in
`match.shortlists`."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from filiera.db import savepoint
from filiera.errors import FilieraError
from filiera.http.auth import check_csrf
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.http.downloads import csv_response
from filiera.match import shortlists
from filiera.match.export import add_markings_header
from filiera.match.shortlist_export import shortlist_csv
from filiera.match.shortlist_shapes import (
    NAME_MAX,
    NOTE_MAX,
    EntryIn,
    ShortlistIn,
    ShortlistPatch,
)
from filiera.registry.models import Organisation
from filiera.registry.schemas import parse
from filiera.web.account_pages import safe_next
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
Name = Annotated[str, Form(max_length=NAME_MAX + 100)]
Note = Annotated[str, Form(max_length=NOTE_MAX + 100)]
SHOWN_ERRORS = (422,)  # shown on the page; 401, 403, 404 get the error page


def _my_orgs(session, viewer) -> list[tuple[int, str]]:
    """(id, name) of the viewer's own organisations: where a list may be shared."""
    if not viewer.org_ids:
        return []
    stmt = select(Organisation.id, Organisation.name).where(Organisation.id.in_(viewer.org_ids))
    found = [(org_id, name) for org_id, name in session.execute(stmt)]
    return sorted(found, key=lambda row: row[1].casefold())


def _id_or_none(raw: str) -> int | None:
    """A select's value: a record id, or blank for none ("only me", "a new list")."""
    return int(raw) if raw.strip().isdigit() else None


def _lists_page(request, session, viewer, error: FilieraError | None = None) -> HTMLResponse:
    context = {
        "lists": shortlists.list_shortlists(session, viewer),
        "my_orgs": _my_orgs(session, viewer),
        "error": error,
    }
    return render(request, "shortlists.html", context, status=error.status if error else 200)


def _list_page(request, session, viewer, shortlist_id: int, error=None) -> HTMLResponse:
    context = {
        "shortlist": shortlists.get_shortlist(session, viewer, shortlist_id),
        "my_orgs": _my_orgs(session, viewer),
        "error": error,
    }
    return render(request, "shortlist.html", context, status=error.status if error else 200)


def _apply(request, session, viewer, shortlist_id: int, step, schema, data, done) -> Response:
    """`step(session, viewer, shortlist_id, data parsed as schema)` in a savepoint, then off
    to `done`; a shown error re-renders the list page with it, the others propagate."""
    try:
        with savepoint(session):
            step(session, viewer, shortlist_id, parse(schema, data, f"shortlist {shortlist_id}"))
    except FilieraError as error:
        if error.status not in SHOWN_ERRORS:
            raise
        return _list_page(request, session, viewer, shortlist_id, error)
    return RedirectResponse(done, status_code=303)


@router.get("/shortlists", response_class=HTMLResponse)
def lists_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The viewer's shortlists and those shared with them, and a form for a new one."""
    return _lists_page(request, session, viewer)


@router.post("/shortlists", response_class=HTMLResponse)
def create_list(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    name: Name = "",
    shared_with_id: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with savepoint(session):
            data = {"name": name, "shared_with_id": _id_or_none(shared_with_id)}
            made = shortlists.create(session, viewer, parse(ShortlistIn, data, "shortlist"))
    except FilieraError as error:
        if error.status not in SHOWN_ERRORS:
            raise
        return _lists_page(request, session, viewer, error)
    return RedirectResponse(f"/shortlists/{made.id}", status_code=303)


@router.post("/shortlists/save", response_class=HTMLResponse)
def save_result(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    organisation_id: Annotated[int, Form(ge=1)],
    shortlist_id: Annotated[str, Form(max_length=20)] = "",
    new_name: Name = "",
    note: Note = "",
    query: Annotated[str, Form(max_length=20_000)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=4000)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """ "Save to shortlist" on a match result; back to the results (errors: the lists page)."""
    check_csrf(request, csrf_token)
    try:
        with savepoint(session):
            shortlists.save(
                session,
                viewer,
                organisation_id,
                shortlist_id=_id_or_none(shortlist_id),
                new_name=new_name.strip() or None,
                note=note.strip() or None,
                query=query.strip() or None,
            )
    except FilieraError as error:
        if error.status not in SHOWN_ERRORS:
            raise
        return _lists_page(request, session, viewer, error)
    back = safe_next(next_url) if next_url else "/shortlists"
    return RedirectResponse(f"{back}#hit-{organisation_id}", status_code=303)


@router.get("/shortlists/{shortlist_id}.csv")
def list_csv(request: Request, session: SessionDep, viewer: ViewerDep, shortlist_id: RecordId):
    """The list as CSV: the organisations the viewer may see on it, in order."""
    out = io.StringIO()
    export = shortlist_csv(session, viewer, shortlist_id, out)
    response = csv_response(out.getvalue(), export, f"shortlist-{shortlist_id}.csv")
    add_markings_header(response.headers, export)
    return response


@router.get("/shortlists/{shortlist_id}", response_class=HTMLResponse)
def list_page(
    request: Request, session: SessionDep, viewer: ViewerDep, shortlist_id: RecordId
) -> HTMLResponse:
    """One list: its organisations in order with notes; its owner's forms to change it."""
    return _list_page(request, session, viewer, shortlist_id)


@router.post("/shortlists/{shortlist_id}", response_class=HTMLResponse)
def change_list(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    shortlist_id: RecordId,
    name: Name = "",
    shared_with_id: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Csrf = "",
) -> Response:
    """Rename and share (or stop sharing) a list."""
    check_csrf(request, csrf_token)
    data = {"name": name.strip() or None, "shared_with_id": _id_or_none(shared_with_id)}
    done = f"/shortlists/{shortlist_id}"
    return _apply(
        request, session, viewer, shortlist_id, shortlists.change, ShortlistPatch, data, done
    )


@router.post("/shortlists/{shortlist_id}/delete")
def delete_list(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    shortlist_id: RecordId,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request, csrf_token)
    shortlists.delete(session, viewer, shortlist_id)
    return RedirectResponse("/shortlists", status_code=303)


@router.post("/shortlists/{shortlist_id}/entries", response_class=HTMLResponse)
def change_entry(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    shortlist_id: RecordId,
    organisation_id: Annotated[int, Form(ge=1)],
    note: Annotated[str | None, Form(max_length=NOTE_MAX + 100)] = None,
    position: Annotated[int | None, Form(ge=1)] = None,
    csrf_token: Csrf = "",
) -> Response:
    """Change an entry's note or move it (the owner's forms on the list page)."""
    check_csrf(request, csrf_token)
    data: dict[str, object] = {"organisation_id": organisation_id}
    if note is not None:
        data["note"] = note.strip() or None
    if position is not None:
        data["position"] = position
    done = f"/shortlists/{shortlist_id}#entry-{organisation_id}"
    return _apply(request, session, viewer, shortlist_id, shortlists.add_entry, EntryIn, data, done)


@router.post("/shortlists/{shortlist_id}/entries/{organisation_id}/remove")
def remove_entry(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    shortlist_id: RecordId,
    organisation_id: RecordId,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request, csrf_token)
    shortlists.remove_entry(session, viewer, shortlist_id, organisation_id)
    return RedirectResponse(f"/shortlists/{shortlist_id}", status_code=303)
