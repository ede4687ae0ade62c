"""`/api/needs`: operational needs and challenges, their candidates and interests."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Response

from filiera.api.responses import RECORD_ERRORS
from filiera.http.deps import RecordId, SessionDep, Top, ViewerDep
from filiera.match.results import MatchOut, match_out
from filiera.needs import service
from filiera.needs.schemas import InterestIn, InterestOut, NeedIn, NeedOut, NeedPatch

router = APIRouter(
    prefix="/api",
    tags=["needs"],
    responses=RECORD_ERRORS,
)


@router.get("/needs", response_model=list[NeedOut])
def list_needs(
    session: SessionDep,
    viewer: ViewerDep,
    status: Literal["open", "closed", "all"] = "open",
    owner: Annotated[int | None, Query(ge=1)] = None,
) -> list[NeedOut]:
    """Needs and challenges you may see, newest first."""
    wanted = None if status == "all" else status
    rows = service.list_needs(session, viewer, status=wanted, owner_id=owner)
    return [service.need_out(need, count) for need, count in rows]


@router.post("/needs", response_model=NeedOut, status_code=201)
def publish_need(
    session: SessionDep, viewer: ViewerDep, body: Annotated[NeedIn, Body()]
) -> NeedOut:
    """Publish a need for your organisation (buyers, cluster managers, admins)."""
    return service.need_out(service.publish_need(session, viewer, body))


@router.get("/needs/{need_id}", response_model=NeedOut)
def get_need(session: SessionDep, viewer: ViewerDep, need_id: RecordId) -> NeedOut:
    """One need you may see, with its count of interests."""
    need = service.get_need(session, viewer, need_id)
    return service.need_out(need, service.interest_count(session, viewer, need))


@router.patch("/needs/{need_id}", response_model=NeedOut)
def change_need(
    session: SessionDep, viewer: ViewerDep, need_id: RecordId, body: Annotated[NeedPatch, Body()]
) -> NeedOut:
    """Change a need (its publisher's users and admins)."""
    return service.need_out(service.change_need(session, viewer, need_id, body))


@router.delete("/needs/{need_id}", status_code=204, response_class=Response)
def delete_need(session: SessionDep, viewer: ViewerDep, need_id: RecordId) -> Response:
    """Delete a need (its publisher's users and admins)."""
    service.delete_need(session, viewer, need_id)
    return Response(status_code=204)


@router.get("/needs/{need_id}/candidates", response_model=MatchOut)
def need_candidates(
    session: SessionDep, viewer: ViewerDep, need_id: RecordId, top: Top = 20
) -> MatchOut:
    """Organisations ranked for the need, with reasons (eligible countries applied)."""
    return match_out(service.candidates(session, viewer, need_id, top))


@router.post("/needs/{need_id}/interest", response_model=InterestOut, status_code=201)
def express_interest(
    session: SessionDep, viewer: ViewerDep, need_id: RecordId, body: Annotated[InterestIn, Body()]
) -> InterestOut:
    """Your organisation can help with this need (member users, cluster managers, admins)."""
    return service.interest_out(service.express_interest(session, viewer, need_id, body))


@router.get("/needs/{need_id}/interest", response_model=list[InterestOut])
def list_interest(session: SessionDep, viewer: ViewerDep, need_id: RecordId) -> list[InterestOut]:
    """Interests in the need: all for its publisher and admins, your own for others."""
    return service.interests_of(session, viewer, need_id)
