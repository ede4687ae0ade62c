"""`/api/theses`: investment theses and the start-ups that fit them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response

from filiera.api.responses import RECORD_ERRORS
from filiera.http.deps import RecordId, SessionDep, Top, ViewerDep
from filiera.match.results import MatchOut, match_out
from filiera.needs import service
from filiera.needs.schemas import ThesisIn, ThesisOut, ThesisPatch

router = APIRouter(
    prefix="/api",
    tags=["theses"],
    responses=RECORD_ERRORS,
)


@router.get("/theses", response_model=list[ThesisOut])
def list_theses(session: SessionDep, viewer: ViewerDep) -> list[ThesisOut]:
    """Investment theses you may see."""
    return [service.thesis_out(t) for t in service.list_theses(session, viewer)]


@router.post("/theses", response_model=ThesisOut, status_code=201)
def publish_thesis(
    session: SessionDep, viewer: ViewerDep, body: Annotated[ThesisIn, Body()]
) -> ThesisOut:
    """Publish an investment thesis for your investor organisation (investors, admins)."""
    return service.thesis_out(service.publish_thesis(session, viewer, body))


@router.get("/theses/{thesis_id}", response_model=ThesisOut)
def get_thesis(session: SessionDep, viewer: ViewerDep, thesis_id: RecordId) -> ThesisOut:
    """One thesis you may see."""
    return service.thesis_out(service.get_thesis(session, viewer, thesis_id))


@router.patch("/theses/{thesis_id}", response_model=ThesisOut)
def change_thesis(
    session: SessionDep,
    viewer: ViewerDep,
    thesis_id: RecordId,
    body: Annotated[ThesisPatch, Body()],
) -> ThesisOut:
    """Change a thesis (its investor's users and admins)."""
    return service.thesis_out(service.change_thesis(session, viewer, thesis_id, body))


@router.delete("/theses/{thesis_id}", status_code=204, response_class=Response)
def delete_thesis(session: SessionDep, viewer: ViewerDep, thesis_id: RecordId) -> Response:
    """Delete a thesis (its investor's users and admins)."""
    service.delete_thesis(session, viewer, thesis_id)
    return Response(status_code=204)


@router.get("/theses/{thesis_id}/startups", response_model=MatchOut)
def thesis_startups(
    session: SessionDep, viewer: ViewerDep, thesis_id: RecordId, top: Top = 20
) -> MatchOut:
    """Start-ups and SMEs ranked for the thesis."""
    return match_out(service.startups_for(session, viewer, thesis_id, top))
