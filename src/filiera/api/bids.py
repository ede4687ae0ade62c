"""`/api/bids`: consortia saved as draft bids, their partners invited, their answers.

A bid is read by its owner's users and by the users of the partners invited to it; only
the owner's users change it, only a partner's users answer for that partner."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from filiera.api.responses import errors
from filiera.consortia import bids
from filiera.consortia.schemas import BidAnswer, BidIn, BidOut, BidStatusIn
from filiera.http.deps import RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api/bids",
    tags=["consortia"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Not allowed for this role or organisation",
            404: "No such bid, partner or organisation (or not visible to you)",
            409: "The bid is no longer a draft",
            422: "Invalid input; every bad field is listed",
        }
    ),
)


@router.get("", response_model=list[BidOut])
def list_bids(session: SessionDep, viewer: ViewerDep) -> list[BidOut]:
    """Bids of your organisations and those your organisations are invited to, newest first."""
    return [bids.bid_out(session, viewer, bid) for bid in bids.list_bids(session, viewer)]


@router.post("", response_model=BidOut, status_code=201)
def save_bid(session: SessionDep, viewer: ViewerDep, body: Annotated[BidIn, Body()]) -> BidOut:
    """Save a consortium as a draft bid of your organisation (members, cluster managers,
    admins); partners are proposed until you invite them."""
    return bids.bid_out(session, viewer, bids.save_bid(session, viewer, body))


@router.get("/{bid_id}", response_model=BidOut)
def get_bid(session: SessionDep, viewer: ViewerDep, bid_id: RecordId) -> BidOut:
    """One bid: its partners you may see, their answers, and the rule check."""
    return bids.bid_out(session, viewer, bids.get_bid(session, viewer, bid_id))


@router.patch("/{bid_id}", response_model=BidOut)
def change_bid_status(
    session: SessionDep, viewer: ViewerDep, bid_id: RecordId, body: Annotated[BidStatusIn, Body()]
) -> BidOut:
    """Mark the bid `draft`, `submitted` or `withdrawn` (its owner's users)."""
    return bids.bid_out(session, viewer, bids.set_status(session, viewer, bid_id, body.status))


@router.post("/{bid_id}/invitations", response_model=BidOut)
def invite_partners(session: SessionDep, viewer: ViewerDep, bid_id: RecordId) -> BidOut:
    """Invite every partner not yet invited (a draft's owner); their users answer."""
    return bids.bid_out(session, viewer, bids.invite(session, viewer, bid_id))


@router.post("/{bid_id}/answer", response_model=BidOut)
def answer_invitation(
    session: SessionDep, viewer: ViewerDep, bid_id: RecordId, body: Annotated[BidAnswer, Body()]
) -> BidOut:
    """Accept or decline the invitation for `organisation_id` (its own users, or an admin)."""
    bid = bids.answer(session, viewer, bid_id, body.organisation_id, body.accept)
    return bids.bid_out(session, viewer, bid)


@router.delete("/{bid_id}/partners/{org_id}", response_model=BidOut)
def remove_partner(
    session: SessionDep, viewer: ViewerDep, bid_id: RecordId, org_id: RecordId
) -> BidOut:
    """Take a partner out of the bid (its owner's users)."""
    return bids.bid_out(session, viewer, bids.remove_partner(session, viewer, bid_id, org_id))
