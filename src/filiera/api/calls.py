"""`/api/calls`: calls for proposals, published by clusters, buyers and admins."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body

from filiera.api.responses import RECORD_ERRORS
from filiera.consortia import calls
from filiera.consortia.schemas import CallIn, CallOut, CallStatusIn
from filiera.http.deps import RecordId, SessionDep, ViewerDep

router = APIRouter(prefix="/api/calls", tags=["consortia"], responses=RECORD_ERRORS)


@router.get("", response_model=list[CallOut])
def list_calls(
    session: SessionDep, viewer: ViewerDep, status: Literal["open", "closed", "all"] = "open"
) -> list[CallOut]:
    """Calls you may see, the soonest deadline first."""
    wanted = None if status == "all" else status
    return [calls.call_out(call) for call in calls.list_calls(session, viewer, status=wanted)]


@router.post("", response_model=CallOut, status_code=201)
def publish_call(
    session: SessionDep, viewer: ViewerDep, body: Annotated[CallIn, Body()]
) -> CallOut:
    """Publish a call for your organisation (cluster managers, buyers, admins); `rules`
    names a shipped rule set (`edf`, `regional`, `open`) and `rule_params` sets it."""
    return calls.call_out(calls.publish_call(session, viewer, body))


@router.get("/{call_id}", response_model=CallOut)
def get_call(session: SessionDep, viewer: ViewerDep, call_id: RecordId) -> CallOut:
    """One call you may see."""
    return calls.call_out(calls.get_call(session, viewer, call_id))


@router.patch("/{call_id}", response_model=CallOut)
def change_call_status(
    session: SessionDep, viewer: ViewerDep, call_id: RecordId, body: Annotated[CallStatusIn, Body()]
) -> CallOut:
    """Close or reopen a call (its publisher's users and admins)."""
    return calls.call_out(calls.close_call(session, viewer, call_id, body.status))
