"""`POST /api/match` (JSON or CSV) and an organisation's opportunities: matchmaking over HTTP."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from filiera.api.responses import errors
from filiera.http.deps import RecordId, SessionDep, Top, ViewerDep
from filiera.http.downloads import csv_openapi, csv_response
from filiera.match import service
from filiera.match.export import match_csv
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


@router.post("/match", response_model=MatchOut)
def match_text(
    session: SessionDep, viewer: ViewerDep, body: Annotated[MatchRequest, Body()]
) -> MatchOut:
    """Rank the organisations you may see for a need, a challenge or a thesis, with reasons."""
    return match_out(service.run(session, viewer, body))


@router.post(
    "/match.csv",
    response_class=Response,
    responses=csv_openapi("The ranked organisations, best first, one per row"),
)
def match_text_csv(
    session: SessionDep, viewer: ViewerDep, body: Annotated[MatchRequest, Body()]
) -> Response:
    """The same ranking as `POST /api/match`, as CSV: rank, organisation, score and its
    parts, the reasons as text, markings."""
    out = io.StringIO()
    export = match_csv(session, viewer, service.run(session, viewer, body), out)
    return csv_response(out.getvalue(), export, "match.csv")


@router.get("/organisations/{org_id}/opportunities", response_model=OpportunitiesOut)
def organisation_opportunities(
    session: SessionDep, viewer: ViewerDep, org_id: RecordId, top: Top = 10
) -> dict[str, Any]:
    """Open needs and investment theses that fit this organisation, best first."""
    return opportunities(session, viewer, org_id, top)
