"""Requests for an introduction: a signed-in user asks to be put in touch with an organisation.

The one home of the rules (the API, the web pages and `filiera intro` only translate):

- who may ask: the roles in `CONTACT_ROLES` (members, buyers, investors, cluster managers
  and admins), signed in as a user; plain viewers may not;
- the target must be an organisation the requester may see: any other id answers exactly
  as a missing one; a user does not ask for an introduction to their own organisation;
- one pending request per requester and target, and at most `DAILY_LIMIT` requests per
  requester in 24 hours;
- the request acts for the requester's own organisation (the first of theirs), if any;
- the target organisation's users (affiliated with it) see it, with the requester's
  organisation only when they may see that organisation, and accept or decline it;
  accepting reveals the requester's e-mail to them. The requester sees the status.

Creating and answering a request are audited (`IntroductionRequest.__audit__`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.models import User
from filiera.access.viewer import Viewer
from filiera.directory.models import IntroductionRequest
from filiera.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    field_error,
)
from filiera.registry.models import Organisation, utcnow

CONTACT_ROLES = ("admin", "cluster_manager", "member", "investor", "buyer")
DAILY_LIMIT = 10
WINDOW = dt.timedelta(hours=24)
MESSAGE_MAX = 1000
ALREADY_REQUESTED = "already requested"  # the field message of the Conflict
OWN_ORGANISATION = "you act for this organisation"

Decision = Literal["accept", "decline"]
ANSWERS: dict[str, str] = {"accept": "accepted", "decline": "declined"}


class IntroductionIn(BaseModel):
    """What the requester writes: a short message to the organisation."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"message": "We build radar masts; can we talk?"}]},
    )
    message: str = Field(min_length=1, max_length=MESSAGE_MAX)


class IntroductionOut(BaseModel):
    """One request as its requester or the target's users see it."""

    id: int = Field(examples=[5])
    to_org_id: int = Field(examples=[42])
    to_org_name: str = Field(examples=["Example Optronics S.r.l."])
    from_org_id: int | None = Field(None, description="Left out when you may not see it")
    from_org_name: str | None = None
    requester_name: str = Field(examples=["Maria Rossi"])
    requester_email: str | None = Field(
        None, description="Shown to the target's users once they accept, and to the requester"
    )
    message: str
    status: str = Field(examples=["pending"])
    created_at: dt.datetime
    answered_at: dt.datetime | None = None


class IntroductionsOut(BaseModel):
    """The requests addressed to your organisations and the ones you sent, newest first."""

    received: list[IntroductionOut]
    sent: list[IntroductionOut]


# --- who may ask ----------------------------------------------------------------------------


def may_request(viewer: Viewer) -> bool:
    """Whether the viewer's role may ask for introductions at all (a signed-in user)."""
    return viewer.user_id is not None and viewer.role in CONTACT_ROLES


def _require_user(viewer: Viewer) -> int:
    if not viewer.signed_in or viewer.user_id is None:
        raise Unauthorized("sign in first")
    return viewer.user_id


def _require_may_request(viewer: Viewer) -> int:
    user_id = _require_user(viewer)
    if viewer.role not in CONTACT_ROLES:
        raise Forbidden(f"role {viewer.role} may not request an introduction")
    return user_id


def _visible_target(session: Session, viewer: Viewer, org_id: int) -> Organisation:
    """The organisation if the viewer may see it; otherwise the answer to a missing id."""
    stmt = select(Organisation).where(
        Organisation.id == org_id, policy.visible_organisations(viewer)
    )
    org = session.scalars(stmt).first()
    if org is None:
        raise NotFound(f"organisation {org_id} does not exist")
    return org


# --- asking ---------------------------------------------------------------------------------


def request(
    session: Session, viewer: Viewer, org_id: int, wanted: IntroductionIn
) -> IntroductionOut:
    """Record a pending request to organisation `org_id`, acting for the viewer's own."""
    user_id = _require_may_request(viewer)
    target = _visible_target(session, viewer, org_id)
    if org_id in viewer.org_ids:
        raise ValidationFailed(
            OWN_ORGANISATION,
            errors=[field_error(f"organisation {org_id}", "organisation", OWN_ORGANISATION)],
            key="intro_own_organisation",
        )
    _refuse_second_pending(session, viewer, org_id)
    _check_daily_limit(session, viewer, user_id)
    intro = IntroductionRequest(
        requester_id=user_id,
        from_org_id=min(viewer.org_ids) if viewer.org_ids else None,
        to_org_id=target.id,
        message=wanted.message,
        status="pending",
    )
    session.add(intro)
    session.flush()
    return _out(session, viewer, intro)


def _refuse_second_pending(session: Session, viewer: Viewer, org_id: int) -> None:
    earlier = pending_to(session, viewer, org_id)
    if earlier is not None:
        raise Conflict(
            f"you already asked for an introduction to organisation {org_id} "
            f"on {earlier.created_at.date().isoformat()}",
            errors=[field_error(f"organisation {org_id}", "organisation", ALREADY_REQUESTED)],
            key="intro_already_requested",
        )


def _check_daily_limit(session: Session, viewer: Viewer, user_id: int) -> None:
    """At most DAILY_LIMIT requests in 24 hours (to organisations the viewer may still see:
    one that became hidden takes no part in any answer)."""
    since = utcnow() - WINDOW
    stmt = select(func.count(), func.min(IntroductionRequest.created_at)).where(
        IntroductionRequest.requester_id == user_id,
        IntroductionRequest.created_at > since,
        IntroductionRequest.to_org_id.in_(policy.visible_org_ids(viewer)),
    )
    count, oldest = session.execute(stmt).one()
    if count >= DAILY_LIMIT:
        wait = max(60, int((oldest + WINDOW - utcnow()).total_seconds()))
        raise TooManyRequests(
            f"at most {DAILY_LIMIT} introduction requests a day; try again later",
            retry_after=wait,
            key="intro_daily_limit",
            params={"max": DAILY_LIMIT},
        )


# --- reading --------------------------------------------------------------------------------


def pending_to(session: Session, viewer: Viewer, org_id: int) -> IntroductionRequest | None:
    """The viewer's pending request to `org_id`, if any."""
    if viewer.user_id is None:
        return None
    stmt = select(IntroductionRequest).where(
        IntroductionRequest.requester_id == viewer.user_id,
        IntroductionRequest.to_org_id == org_id,
        IntroductionRequest.status == "pending",
    )
    return session.scalars(stmt).first()


def latest_to(session: Session, viewer: Viewer, org_id: int) -> IntroductionOut | None:
    """The viewer's newest request to a visible organisation `org_id`, for its profile."""
    if viewer.user_id is None:
        return None
    stmt = (
        select(IntroductionRequest)
        .where(
            IntroductionRequest.requester_id == viewer.user_id,
            IntroductionRequest.to_org_id == org_id,
            IntroductionRequest.to_org_id.in_(policy.visible_org_ids(viewer)),
        )
        .order_by(IntroductionRequest.id.desc())
    )
    intro = session.scalars(stmt).first()
    return _out(session, viewer, intro) if intro is not None else None


def mine(session: Session, viewer: Viewer) -> IntroductionsOut:
    """Requests to the viewer's organisations, and the ones they sent (to visible ones)."""
    user_id = _require_user(viewer)
    received = _listed(session, viewer, IntroductionRequest.to_org_id.in_(sorted(viewer.org_ids)))
    sent = _listed(
        session,
        viewer,
        IntroductionRequest.requester_id == user_id,
        IntroductionRequest.to_org_id.in_(policy.visible_org_ids(viewer)),
    )
    return IntroductionsOut(received=received, sent=sent)


def waiting(session: Session, viewer: Viewer) -> int:
    """How many requests to the viewer's organisations await an answer (the nav badge)."""
    if viewer.user_id is None or not viewer.org_ids:
        return 0
    stmt = select(func.count()).where(
        IntroductionRequest.to_org_id.in_(sorted(viewer.org_ids)),
        IntroductionRequest.status == "pending",
    )
    return session.scalar(stmt) or 0


def _listed(session: Session, viewer: Viewer, *where) -> list[IntroductionOut]:
    stmt = select(IntroductionRequest).where(*where).order_by(IntroductionRequest.id.desc())
    return [_out(session, viewer, intro) for intro in session.scalars(stmt)]


def _out(session: Session, viewer: Viewer, intro: IntroductionRequest) -> IntroductionOut:
    """The request as `viewer` may see it: the requester's organisation only if visible,
    their e-mail to themselves and, once accepted, to the target's users."""
    requester = session.get(User, intro.requester_id)
    own = intro.requester_id == viewer.user_id
    shown_from = _visible_name(session, viewer, intro.from_org_id)
    reveal = own or (intro.status == "accepted" and intro.to_org_id in viewer.org_ids)
    return IntroductionOut(
        id=intro.id,
        to_org_id=intro.to_org_id,
        to_org_name=intro.to_org.name,
        from_org_id=intro.from_org_id if shown_from is not None else None,
        from_org_name=shown_from,
        requester_name=requester.name,
        requester_email=requester.email if reveal else None,
        message=intro.message,
        status=intro.status,
        created_at=intro.created_at,
        answered_at=intro.answered_at,
    )


def _visible_name(session: Session, viewer: Viewer, org_id: int | None) -> str | None:
    if org_id is None:
        return None
    stmt = select(Organisation.name).where(
        Organisation.id == org_id, policy.visible_organisations(viewer)
    )
    return session.scalar(stmt)


# --- answering ------------------------------------------------------------------------------


def answer(session: Session, viewer: Viewer, intro_id: int, decision: Decision) -> IntroductionOut:
    """Accept (the requester's e-mail is revealed) or decline a pending request; only the
    users of the organisation it was sent to may, anyone else gets NotFound."""
    user_id = _require_user(viewer)
    intro = session.get(IntroductionRequest, intro_id)
    if intro is None or intro.to_org_id not in viewer.org_ids:
        raise NotFound(f"no introduction request {intro_id} was sent to your organisations")
    if intro.status != "pending":
        raise Conflict(
            f"introduction request {intro_id} is already {intro.status}",
            errors=[field_error(f"introduction request {intro_id}", "status", intro.status)],
            key="intro_already_answered",
        )
    intro.status = ANSWERS[decision]
    intro.answered_by = user_id
    intro.answered_at = utcnow()
    session.flush()
    return _out(session, viewer, intro)
