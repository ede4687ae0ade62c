"""`POST /api/match` and an organisation's opportunities: matchmaking over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from filiera.api.responses import errors
from filiera.http.deps import RecordId, SessionDep, Top, ViewerDep
from filiera.match import service
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


@router.get("/organisations/{org_id}/opportunities", response_model=OpportunitiesOut)
def organisation_opportunities(
    session: SessionDep, viewer: ViewerDep, org_id: RecordId, top: Top = 10
) -> dict[str, Any]:
    """Open needs and investment theses that fit this organisation, best first."""
    return opportunities(session, viewer, org_id, top)
