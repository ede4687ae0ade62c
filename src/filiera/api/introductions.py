"""Requests for an introduction: ask an organisation, list yours, accept or decline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from filiera.api.responses import errors
from filiera.directory import introductions
from filiera.directory.introductions import IntroductionIn, IntroductionOut, IntroductionsOut
from filiera.http.deps import RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api",
    tags=["introductions"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Your role may not request introductions",
            404: "No such organisation or request (or not visible to you)",
            409: "A request is already pending; the request is already answered",
            422: "Invalid message; your own organisation",
            429: "Too many requests today",
        }
    ),
)


@router.post(
    "/organisations/{org_id}/introductions", response_model=IntroductionOut, status_code=201
)
def request_introduction(
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    body: Annotated[IntroductionIn, Body()],
) -> IntroductionOut:
    """Ask to be introduced to an organisation you may see, acting for your own.

    Members, buyers, investors, cluster managers and admins; one pending request per
    organisation and a daily limit. The organisation's users see it on their account.
    """
    return introductions.request(session, viewer, org_id, body)


@router.get("/me/introductions", response_model=IntroductionsOut)
def my_introductions(session: SessionDep, viewer: ViewerDep) -> IntroductionsOut:
    """Requests to your organisations (`received`) and the ones you sent, newest first."""
    return introductions.mine(session, viewer)


@router.post("/introductions/{intro_id}/accept", response_model=IntroductionOut)
def accept_introduction(
    session: SessionDep, viewer: ViewerDep, intro_id: RecordId
) -> IntroductionOut:
    """Accept a request to your organisation: the requester's e-mail is shown to you."""
    return introductions.answer(session, viewer, intro_id, "accept")


@router.post("/introductions/{intro_id}/decline", response_model=IntroductionOut)
def decline_introduction(
    session: SessionDep, viewer: ViewerDep, intro_id: RecordId
) -> IntroductionOut:
    """Decline a request to your organisation."""
    return introductions.answer(session, viewer, intro_id, "decline")
