"""`POST /api/match` (JSON or CSV) and an organisation's opportunities: matchmaking over HTTP."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from filiera.api.responses import errors
from filiera.http.deps import RecordId, SessionDep, Top, ViewerDep
from filiera.http.downloads import csv_openapi, csv_response
from filiera.match import service
from filiera.match.export import MARKINGS_HEADER, add_markings_header, match_csv
from filiera.match.requests import MatchRequest
from filiera.match.results import MatchOut, match_out
from filiera.needs.schemas import OpportunitiesOut
from filiera.needs.service import opportunities

router = APIRouter(
    prefix="/api",
    tags=["matchmaking"],
    responses=errors(
        {
            401: "Sign in first",
            404: "No such record (or not visible to you)",
            422: "Invalid input; every bad field is listed",
        }
    ),
)


def marked_csv_openapi(description: str) -> dict[int | str, dict]:
    """A CSV download's documentation with the markings header of its rows."""
    responses = csv_openapi(description)
    responses[200]["headers"][MARKINGS_HEADER] = {
        "description": "Export-control markings the rows carry (codes joined by `; `); "
        "absent when none",
        "schema": {"type": "string"},
    }
    return responses


@router.post("/match", response_model=MatchOut)
def match_text(
    session: SessionDep, viewer: ViewerDep, body: Annotated[MatchRequest, Body()]
) -> MatchOut:
    """Rank the organisations you may see for a need, a challenge or a thesis, with reasons.

    `candidates` is the total among what you may see; page with `top` and `offset`. Synthetic
    demo records are flagged `synthetic` and left out by default when real organisations
    match (`synthetic_left_out` counts them; `include_synthetic` decides)."""
    return match_out(service.run(session, viewer, body))


@router.post(
    "/match.csv",
    response_class=Response,
    responses=marked_csv_openapi("The ranked organisations, best first, one per row"),
)
def match_text_csv(
    session: SessionDep, viewer: ViewerDep, body: Annotated[MatchRequest, Body()]
) -> Response:
    """The same ranking as `POST /api/match`, as CSV: rank, organisation, synthetic flag,
    score and its parts, the reasons as text, export-control markings (the codes the rows
    carry are also in the `X-Export-Markings` header)."""
    out = io.StringIO()
    export = match_csv(session, viewer, service.run(session, viewer, body), out)
    response = csv_response(out.getvalue(), export, "match.csv")
    add_markings_header(response.headers, export)
    return response


@router.get("/organisations/{org_id}/opportunities", response_model=OpportunitiesOut)
def organisation_opportunities(
    session: SessionDep, viewer: ViewerDep, org_id: RecordId, top: Top = 10
) -> dict[str, Any]:
    """Open needs and investment theses that fit this organisation, best first."""
    return opportunities(session, viewer, org_id, top)
