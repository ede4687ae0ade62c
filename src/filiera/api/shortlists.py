"""`/api/shortlists`: personal lists of organisations kept from searches, shared with the
owner's organisation (read-only for its users). Signed-in users only."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Body, Response

from filiera.api.match import marked_csv_openapi
from filiera.api.responses import errors
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.http.downloads import csv_response
from filiera.match import shortlists
from filiera.match.export import add_markings_header
from filiera.match.shortlist_export import shortlist_csv
from filiera.match.shortlist_shapes import (
    EntryIn,
    ShortlistIn,
    ShortlistOut,
    ShortlistPatch,
    ShortlistSummary,
)

router = APIRouter(
    prefix="/api/shortlists",
    tags=["shortlists"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Only its owner may change a list (shared lists are read-only)",
            404: "No such list or organisation (or not visible to you)",
            422: "Invalid input; every bad field is listed",
        }
    ),
)


@router.get("", response_model=list[ShortlistSummary])
def list_shortlists(session: SessionDep, viewer: ViewerDep) -> list[ShortlistSummary]:
    """Your lists, then those shared with you; `count` counts what you may see."""
    return shortlists.list_shortlists(session, viewer)


@router.post("", response_model=ShortlistOut, status_code=201)
def create_shortlist(
    session: SessionDep, viewer: ViewerDep, body: Annotated[ShortlistIn, Body()]
) -> ShortlistOut:
    """A new, empty list (share it with one of your organisations, or keep it to yourself)."""
    return shortlists.create(session, viewer, body)


@router.get(
    "/{shortlist_id}.csv",
    response_class=Response,
    responses=marked_csv_openapi("The organisations on the list, in order, one per row"),
)
def shortlist_as_csv(session: SessionDep, viewer: ViewerDep, shortlist_id: RecordId) -> Response:
    """The list as CSV: position, organisation, synthetic flag, markings, note."""
    out = io.StringIO()
    export = shortlist_csv(session, viewer, shortlist_id, out)
    response = csv_response(out.getvalue(), export, f"shortlist-{shortlist_id}.csv")
    add_markings_header(response.headers, export)
    return response


@router.get("/{shortlist_id}", response_model=ShortlistOut)
def get_shortlist(session: SessionDep, viewer: ViewerDep, shortlist_id: RecordId) -> ShortlistOut:
    """One list with the organisations on it that you may see, in order, with notes."""
    return shortlists.get_shortlist(session, viewer, shortlist_id)


@router.patch("/{shortlist_id}", response_model=ShortlistOut)
def change_shortlist(
    session: SessionDep,
    viewer: ViewerDep,
    shortlist_id: RecordId,
    body: Annotated[ShortlistPatch, Body()],
) -> ShortlistOut:
    """Rename, share (`shared_with_id`) or stop sharing (`null`), reorder (`order`)."""
    return shortlists.change(session, viewer, shortlist_id, body)


@router.delete("/{shortlist_id}", status_code=204, response_class=Response)
def delete_shortlist(session: SessionDep, viewer: ViewerDep, shortlist_id: RecordId) -> Response:
    """Delete one of your lists."""
    shortlists.delete(session, viewer, shortlist_id)
    return Response(status_code=204)


@router.post("/{shortlist_id}/entries", response_model=ShortlistOut, status_code=201)
def add_entry(
    session: SessionDep, viewer: ViewerDep, shortlist_id: RecordId, body: Annotated[EntryIn, Body()]
) -> ShortlistOut:
    """Put an organisation on your list with a note, at a place; when it is there already,
    change its note or move it."""
    return shortlists.add_entry(session, viewer, shortlist_id, body)


@router.delete("/{shortlist_id}/entries/{organisation_id}", response_model=ShortlistOut)
def remove_entry(
    session: SessionDep, viewer: ViewerDep, shortlist_id: RecordId, organisation_id: RecordId
) -> ShortlistOut:
    """Take an organisation off your list."""
    return shortlists.remove_entry(session, viewer, shortlist_id, organisation_id)
