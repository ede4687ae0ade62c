"""Bids: a consortium saved as a draft, its partners invited, their answers, its status.

A bid is read by the users of its owner organisation (a cluster manager's cluster, or the
coordinator) and by the users of each partner once invited; partners see only the other
partners they may see. Only the owner's users change it; only a partner's own users (or an
admin) accept or decline. Every change is audited (the models declare `__audit__`).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.consortia import calls, checker
from filiera.consortia.inputs import resolve_refs
from filiera.consortia.models import Bid, BidPartner, Call
from filiera.consortia.schemas import BidIn, BidOut, BidPartnerOut, CheckIn
from filiera.directory import queries
from filiera.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from filiera.registry.models import Organisation, utcnow

ANSWERED = ("accepted", "declined")


class BidClosed(Conflict):
    code = "bid_closed"


def save_bid(session: Session, viewer: Viewer, data: BidIn) -> Bid:
    """Save a consortium as a draft bid of `data.owner_id` (the viewer acts for it)."""
    queries.get_organisation(session, data.owner_id, viewer=viewer)
    policy.require_owner(viewer, "bid.create", data.owner_id)
    call = calls.get_call(session, viewer, data.call_id) if data.call_id else None
    rule_name = data.rules or (call.rules if call else "open")
    calls.check_rules(rule_name, {**(call.rule_params if call else {}), **data.rule_params})
    ids = resolve_refs(session, viewer, [p.organisation for p in data.partners], "partners")
    if len(ids) != len(data.partners):
        message = "a partner is listed twice"
        raise ValidationFailed(message, errors=[field_error("bid", "partners", message)])
    coordinators = [p for p in data.partners if p.role == "coordinator"]
    if len(coordinators) > 1:
        message = "a bid has one coordinator"
        raise ValidationFailed(message, errors=[field_error("bid", "partners", message)])
    bid = Bid(
        title=data.title,
        call_id=data.call_id,
        text=data.text,
        rules=rule_name,
        rule_params=data.rule_params,
        owner_id=data.owner_id,
        created_by=viewer.user_id,
    )
    for position, (org_id, partner) in enumerate(zip(ids, data.partners, strict=True)):
        own = org_id == data.owner_id
        bid.partners.append(
            BidPartner(
                organisation_id=org_id,
                position=position,
                role=partner.role,
                status="accepted" if own else "proposed",
                reasons=list(partner.reasons),
                decided_by=viewer.label if own else None,
                decided_at=utcnow() if own else None,
            )
        )
    session.add(bid)
    session.flush()
    return bid


def _readable(viewer: Viewer):
    """Bids owned by the viewer's organisations, or where one of them is invited."""
    if viewer.is_admin:
        return None
    invited = select(BidPartner.bid_id).where(
        BidPartner.organisation_id.in_(viewer.org_ids), BidPartner.status != "proposed"
    )
    return or_(Bid.owner_id.in_(viewer.org_ids), Bid.id.in_(invited))


def list_bids(session: Session, viewer: Viewer) -> list[Bid]:
    """The bids the viewer may read, newest first (nothing for anonymous visitors)."""
    if not viewer.signed_in:
        return []
    stmt = select(Bid).options(selectinload(Bid.owner), selectinload(Bid.call))
    where = _readable(viewer)
    if where is not None:
        stmt = stmt.where(where)
    stmt = stmt.where(Bid.owner_id.in_(policy.visible_org_ids(viewer)))
    return list(session.scalars(stmt.order_by(Bid.id.desc())))


def get_bid(session: Session, viewer: Viewer, bid_id: int) -> Bid:
    """The bid, or NotFound as if it did not exist when the viewer may not read it."""
    if not viewer.signed_in:
        raise NotFound(f"bid {bid_id} does not exist")
    stmt = select(Bid).where(Bid.id == bid_id, Bid.owner_id.in_(policy.visible_org_ids(viewer)))
    where = _readable(viewer)
    if where is not None:
        stmt = stmt.where(where)
    stmt = stmt.options(
        selectinload(Bid.owner),
        selectinload(Bid.call),
        selectinload(Bid.partners).selectinload(BidPartner.organisation),
    )
    bid = session.scalars(stmt).first()
    if bid is None:
        raise NotFound(f"bid {bid_id} does not exist")
    return bid


def _owned(session: Session, viewer: Viewer, bid_id: int) -> Bid:
    bid = get_bid(session, viewer, bid_id)
    policy.require_owner(viewer, "bid.create", bid.owner_id)
    return bid


def invite(session: Session, viewer: Viewer, bid_id: int) -> Bid:
    """Invite every partner not yet invited; their users answer on their account page."""
    bid = _owned(session, viewer, bid_id)
    if bid.status != "draft":
        raise BidClosed(f"bid {bid_id} is {bid.status}; only a draft invites partners")
    for partner in bid.partners:
        if partner.status == "proposed":
            partner.status = "invited"
            partner.invited_by = viewer.label
            partner.invited_at = utcnow()
    session.flush()
    return bid


def answer(session: Session, viewer: Viewer, bid_id: int, org_id: int, accept: bool) -> Bid:
    """A partner's own user (or an admin) accepts or declines the invitation."""
    bid = get_bid(session, viewer, bid_id)
    policy.require_role(viewer, "bid.answer")
    if not viewer.is_admin and org_id not in viewer.org_ids:  # before the lookup: whether a
        raise Forbidden(  # partner the viewer may not see is invited stays unsaid
            f"{viewer.label} does not act for organisation {org_id}", key="not_acting_for"
        )
    partner = next((p for p in bid.partners if p.organisation_id == org_id), None)
    if partner is None or partner.status == "proposed":
        raise NotFound(f"organisation {org_id} is not invited to bid {bid_id}")
    if bid.status != "draft":
        raise BidClosed(f"bid {bid_id} is {bid.status}; answers are closed")
    partner.status = "accepted" if accept else "declined"
    partner.decided_by = viewer.label
    partner.decided_at = utcnow()
    session.flush()
    return bid


def set_status(session: Session, viewer: Viewer, bid_id: int, status: str) -> Bid:
    bid = _owned(session, viewer, bid_id)
    bid.status = status
    session.flush()
    return bid


def remove_partner(session: Session, viewer: Viewer, bid_id: int, org_id: int) -> Bid:
    bid = _owned(session, viewer, bid_id)
    partner = next((p for p in bid.partners if p.organisation_id == org_id), None)
    if partner is None:
        raise NotFound(f"organisation {org_id} is not a partner of bid {bid_id}")
    bid.partners.remove(partner)
    session.flush()
    return bid


def pending_for(session: Session, viewer: Viewer) -> list[tuple[Bid, BidPartner]]:
    """Invitations waiting for an answer from the viewer's organisations."""
    if not viewer.signed_in or not viewer.org_ids:
        return []
    stmt = (
        select(Bid, BidPartner)
        .join(BidPartner, BidPartner.bid_id == Bid.id)
        .where(
            BidPartner.organisation_id.in_(viewer.org_ids),
            BidPartner.status == "invited",
            Bid.status == "draft",
            Bid.owner_id.in_(policy.visible_org_ids(viewer)),
        )
        .options(selectinload(Bid.owner))
        .order_by(Bid.id.desc())
    )
    return [(bid, partner) for bid, partner in session.execute(stmt)]


def bid_out(session: Session, viewer: Viewer, bid: Bid) -> BidOut:
    """The bid as the viewer sees it: partners they may not see are left out entirely,
    from the list and from the rule check."""
    ids = [p.organisation_id for p in bid.partners]
    stmt = select(Organisation.id).where(Organisation.id.in_(ids), visible_organisations(viewer))
    visible = set(session.scalars(stmt))
    call = _visible_call(session, viewer, bid.call_id)
    partners = [p for p in bid.partners if p.organisation_id in visible]
    check = None
    if partners:
        request = CheckIn(
            members=[str(p.organisation_id) for p in partners],
            rules=bid.rules,
            rule_params=dict(bid.rule_params or {}),
            call_id=call.id if call else None,
        )
        try:
            check = checker.check(session, viewer, request)
        except (NotFound, ValidationFailed):
            check = None
    return BidOut(
        id=bid.id,
        title=bid.title,
        call_id=call.id if call else None,
        call=call.title if call else None,
        owner_id=bid.owner_id,
        owner=bid.owner.name,
        rules=bid.rules,
        status=bid.status,
        partners=[
            BidPartnerOut(
                id=p.id,
                org_id=p.organisation_id,
                name=p.organisation.name,
                country=p.organisation.country,
                kind=p.organisation.kind,
                role=p.role,
                status=p.status,
                reasons=list(p.reasons or []),
                invited_at=p.invited_at,
                decided_at=p.decided_at,
            )
            for p in partners
        ],
        check=check,
        mine=viewer.is_admin or bid.owner_id in viewer.org_ids,
        created_at=bid.created_at,
    )


def _visible_call(session: Session, viewer: Viewer, call_id: int | None) -> Call | None:
    """The bid's call if the viewer may see it (a partner may not see the owner's call)."""
    if call_id is None:
        return None
    try:
        return calls.get_call(session, viewer, call_id)
    except NotFound:
        return None
