"""Web pages of bids: a proposal saved as a draft bid, its partners invited, their answers
(here and on the account page) and its status. The rules live in `consortia.bids`."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from filiera.access.viewer import Viewer
from filiera.consortia import bids, calls
from filiera.consortia.models import BID_STATUSES
from filiera.consortia.schemas import BidIn
from filiera.db import savepoint
from filiera.errors import FilieraError, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs.service import may
from filiera.registry.schemas import parse
from filiera.web.account_pages import safe_next
from filiera.web.consortium_words import error_lines, rule_set_words, sign_in_first
from filiera.web.pages import _lang
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
Csrf = Annotated[str, Form(max_length=200)]
SHOWN_ERRORS = (409, 422)  # shown on the page; 401, 403, 404 get the error page
REASONS_MAX, REASON_LENGTH = 20, 500  # what a saved partner keeps of the builder's reasons


def _lists_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    error: FilieraError | None = None,
    back: str | None = None,
) -> HTMLResponse:
    visible_calls = {call.id for call in calls.list_calls(session, viewer, status=None)}
    context: dict[str, Any] = {
        "bids": bids.list_bids(session, viewer),
        "pending": bids.pending_for(session, viewer),
        "visible_calls": visible_calls,
        "error": error,
        "back": back,  # the proposal a failed save came from
    }
    if error:
        context["sentence"], context["lines"] = error_lines(error, _lang(request))
    return render(request, "bids.html", context, status=error.status if error else 200)


@router.get("/bids", response_class=HTMLResponse)
def bids_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The bids of the viewer's organisations and the invitations waiting for them."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    return _lists_page(request, session, viewer)


def bid_input(form: FormData) -> dict[str, Any]:
    """The builder's "save as draft bid" form as a BidIn: partners in the proposal's order,
    each with its role and the reasons it was proposed."""
    partners = []
    for org_id in form.getlist("partner"):
        reasons = [str(r)[:REASON_LENGTH] for r in form.getlist(f"reason_{org_id}")]
        role = str(form.get(f"role_{org_id}", "participant"))
        partners.append(
            {"organisation": str(org_id), "role": role, "reasons": reasons[:REASONS_MAX]}
        )
    data: dict[str, Any] = {"partners": partners}
    for name in ("title", "owner_id", "call_id", "rules", "text"):
        value = str(form.get(name, "")).strip()
        if value:
            data[name] = value
    return data


@router.post("/bids", response_class=HTMLResponse)
def save_bid(request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep) -> Response:
    """Save one of the builder's alternatives as a draft bid, then show it."""
    check_csrf(request, str(form.get("csrf_token", "")))
    try:
        with savepoint(session):
            bid = bids.save_bid(session, viewer, parse(BidIn, bid_input(form), "bid"))
    except ValidationFailed as error:
        back = safe_next(str(form.get("back", "")))
        return _lists_page(request, session, viewer, error, back)
    return RedirectResponse(f"/bids/{bid.id}", status_code=303)


# --- one bid ----------------------------------------------------------------------------------


def _bid_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    bid_id: int,
    error: FilieraError | None = None,
) -> HTMLResponse:
    """The bid as the viewer may see it, its live rule check, and what the viewer may do."""
    lang = _lang(request)
    bid = bids.get_bid(session, viewer, bid_id)
    shown = bids.bid_out(session, viewer, bid)
    answerable = [
        p
        for p in shown.partners
        if p.status == "invited" and (p.org_id in viewer.org_ids) and shown.status == "draft"
    ]
    context: dict[str, Any] = {
        "bid": shown,
        "rule_set": rule_set_words(bid.rules, dict(bid.rule_params or {}), lang),
        "answerable": answerable if may(viewer, "bid.answer") else [],
        "may_change": shown.mine and may(viewer, "bid.create"),
        "statuses": BID_STATUSES,
        "error": error,
    }
    if error:
        context["sentence"], context["lines"] = error_lines(error, lang)
    return render(request, "bid.html", context, status=error.status if error else 200)


@router.get("/bids/{bid_id}", response_class=HTMLResponse)
def bid_page(
    request: Request, session: SessionDep, viewer: ViewerDep, bid_id: RecordId
) -> Response:
    if redirect := sign_in_first(request, viewer):
        return redirect
    return _bid_page(request, session, viewer, bid_id)


def _change(request: Request, session: Session, viewer: Viewer, bid_id: int, step, done: str):
    """Run `step()` in a savepoint, then go to `done`; a shown error re-renders the bid."""
    try:
        with savepoint(session):
            step()
    except FilieraError as error:
        if error.status not in SHOWN_ERRORS:
            raise
        return _bid_page(request, session, viewer, bid_id, error)
    return RedirectResponse(done, status_code=303)


@router.post("/bids/{bid_id}/invite", response_class=HTMLResponse)
def invite_partners(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    bid_id: RecordId,
    csrf_token: Csrf = "",
) -> Response:
    """Invite every partner not invited yet; their users answer on their account page."""
    check_csrf(request, csrf_token)
    step = partial(bids.invite, session, viewer, bid_id)
    return _change(request, session, viewer, bid_id, step, f"/bids/{bid_id}")


@router.post("/bids/{bid_id}/status", response_class=HTMLResponse)
def set_bid_status(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    bid_id: RecordId,
    status: Annotated[str, Form(max_length=12)],
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request, csrf_token)

    def step() -> None:
        if status not in BID_STATUSES:
            raise ValidationFailed(f"unknown status {status!r}", key="invalid_value")
        bids.set_status(session, viewer, bid_id, status)

    return _change(request, session, viewer, bid_id, step, f"/bids/{bid_id}")


@router.post("/bids/{bid_id}/partners/{org_id}/remove", response_class=HTMLResponse)
def remove_partner(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    bid_id: RecordId,
    org_id: RecordId,
    csrf_token: Csrf = "",
) -> Response:
    check_csrf(request, csrf_token)
    step = partial(bids.remove_partner, session, viewer, bid_id, org_id)
    return _change(request, session, viewer, bid_id, step, f"/bids/{bid_id}")


@router.post("/bids/{bid_id}/answer", response_class=HTMLResponse)
def answer_invitation(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    bid_id: RecordId,
    organisation_id: Annotated[int, Form(ge=1)],
    decision: Annotated[str, Form(pattern="^(accept|decline)$")],
    csrf_token: Csrf = "",
    next_url: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    """A partner's user accepts or declines (from the bid page or the account page)."""
    check_csrf(request, csrf_token)
    accept = decision == "accept"
    step = partial(bids.answer, session, viewer, bid_id, organisation_id, accept)
    done = safe_next(next_url) if next_url else f"/bids/{bid_id}"
    return _change(request, session, viewer, bid_id, step, done)
