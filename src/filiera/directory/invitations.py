"""Cluster membership by consent: a cluster invites, the organisation's own users accept.

Membership carries rights: the cluster's managers may edit a member's profile and see its
members-only data. So a cluster manager cannot enrol an organisation on their own; they
invite it, and only the organisation's users (or an admin) accept or decline.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.directory.patching import manual_source
from filiera.errors import Conflict, NotFound, field_error
from filiera.registry.models import ClusterInvitation, Membership, Organisation, utcnow

Decision = Literal["accept", "decline"]


class DecisionIn(BaseModel):
    """The organisation's answer to an invitation."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"decision": "accept"}]}
    )
    decision: Decision


class InvitationOut(BaseModel):
    """An invitation to join a cluster, as the organisation and the cluster see it."""

    id: int = Field(examples=[3])
    cluster_id: int = Field(examples=[7])
    cluster_name: str = Field(examples=["LuxDefence"])
    organisation_id: int = Field(examples=[42])
    organisation_name: str = Field(examples=["Example Optronics S.r.l."])
    role: str = Field(examples=["member"])
    since: dt.date | None = None
    status: str = Field(examples=["pending"])
    invited_by: str = Field(examples=["manager@luxdefence.demo"])
    created_at: dt.datetime
    decided_by: str | None = None
    decided_at: dt.datetime | None = None


def acts_for(viewer: Viewer, org_id: int) -> bool:
    """Admins, and users who act for the organisation with the right to edit it."""
    if viewer.is_admin:
        return True
    return org_id in viewer.org_ids and viewer.role in policy.PERMISSIONS["organisation.edit"]


def _out(inv: ClusterInvitation, names: dict[int, str]) -> InvitationOut:
    return InvitationOut(
        id=inv.id,
        cluster_id=inv.cluster_id,
        cluster_name=names.get(inv.cluster_id, ""),
        organisation_id=inv.organisation_id,
        organisation_name=names.get(inv.organisation_id, ""),
        role=inv.role,
        since=inv.since,
        status=inv.status,
        invited_by=inv.invited_by,
        created_at=inv.created_at,
        decided_by=inv.decided_by,
        decided_at=inv.decided_at,
    )


def _names(session: Session, invitations: list[ClusterInvitation]) -> dict[int, str]:
    ids = {i.cluster_id for i in invitations} | {i.organisation_id for i in invitations}
    stmt = select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
    return {org_id: name for org_id, name in session.execute(stmt)}


def pending(session: Session, cluster_id: int, org_id: int) -> ClusterInvitation | None:
    stmt = select(ClusterInvitation).where(
        ClusterInvitation.cluster_id == cluster_id,
        ClusterInvitation.organisation_id == org_id,
        ClusterInvitation.status == "pending",
    )
    return session.scalars(stmt).first()


def invite(
    session: Session, viewer: Viewer, cluster_id: int, org_id: int, role: str, since
) -> InvitationOut:
    """Record a pending invitation (the caller checked the cluster and the organisation)."""
    if pending(session, cluster_id, org_id) is not None:
        raise Conflict(
            f"organisation {org_id} is already invited to cluster {cluster_id}",
            errors=[field_error(f"cluster {cluster_id}", "organisation_id", "already invited")],
            key="already_invited",
        )
    inv = ClusterInvitation(
        cluster_id=cluster_id,
        organisation_id=org_id,
        role=role,
        since=since,
        status="pending",
        invited_by=viewer.label,
    )
    session.add(inv)
    session.flush()
    return _out(inv, _names(session, [inv]))


def for_organisation(session: Session, viewer: Viewer, org_id: int) -> list[InvitationOut]:
    """The organisation's invitations, newest first (its own users and admins).

    Invitations from clusters the viewer may not see are left out, like any hidden record.
    """
    _require_acts_for(viewer, org_id)
    return _listed(
        session,
        ClusterInvitation.organisation_id == org_id,
        ClusterInvitation.cluster_id.in_(policy.visible_org_ids(viewer)),
    )


def for_cluster(session: Session, viewer: Viewer, cluster_id: int) -> list[InvitationOut]:
    """The invitations a cluster sent to organisations the viewer may see (its managers)."""
    policy.require_cluster_manager(viewer, cluster_id)
    return _listed(
        session,
        ClusterInvitation.cluster_id == cluster_id,
        ClusterInvitation.organisation_id.in_(policy.visible_org_ids(viewer)),
    )


def _listed(session: Session, *where) -> list[InvitationOut]:
    """Invitations matching `where`, newest first, with the names of both sides."""
    stmt = select(ClusterInvitation).where(*where).order_by(ClusterInvitation.id.desc())
    rows = list(session.scalars(stmt))
    names = _names(session, rows)
    return [_out(i, names) for i in rows]


def _require_acts_for(viewer: Viewer, org_id: int) -> None:
    policy.require_role(viewer, "organisation.edit")
    if not acts_for(viewer, org_id):
        raise NotFound(f"organisation {org_id} has no invitations you may see")


def _get(session: Session, viewer: Viewer, org_id: int, invitation_id: int) -> ClusterInvitation:
    """One invitation of `org_id` the viewer may answer; anything else is NotFound."""
    _require_acts_for(viewer, org_id)
    inv = session.get(ClusterInvitation, invitation_id)
    if inv is None or inv.organisation_id != org_id or not _visible(session, viewer, inv):
        raise NotFound(f"invitation {invitation_id} of organisation {org_id} does not exist")
    return inv


def _visible(session: Session, viewer: Viewer, inv: ClusterInvitation) -> bool:
    stmt = select(Organisation.id).where(
        Organisation.id == inv.cluster_id, policy.visible_organisations(viewer)
    )
    return session.scalar(stmt) is not None


def decide(
    session: Session, viewer: Viewer, org_id: int, invitation_id: int, decision: Decision
) -> InvitationOut:
    """Accept (the organisation joins the cluster) or decline a pending invitation."""
    inv = _get(session, viewer, org_id, invitation_id)
    if inv.status != "pending":
        raise Conflict(
            f"invitation {invitation_id} is already {inv.status}",
            errors=[field_error(f"invitation {invitation_id}", "status", inv.status)],
            key="invitation_answered",
        )
    inv.status = "accepted" if decision == "accept" else "declined"
    inv.decided_by = viewer.label
    inv.decided_at = utcnow()
    if decision == "accept":
        join(session, viewer, inv.cluster_id, org_id, inv.role, inv.since)
    session.flush()
    return _out(inv, _names(session, [inv]))


def join(session: Session, viewer: Viewer, cluster_id: int, org_id: int, role: str, since) -> None:
    """Write the membership row itself (after consent, or by an admin)."""
    session.add(
        Membership(
            cluster_id=cluster_id,
            organisation_id=org_id,
            role=role,
            since=since,
            source=manual_source(viewer),
        )
    )
    session.flush()


def withdraw(session: Session, viewer: Viewer, cluster_id: int, invitation_id: int) -> None:
    """The cluster takes back a pending invitation (its managers and admins)."""
    policy.require_cluster_manager(viewer, cluster_id)
    inv = session.get(ClusterInvitation, invitation_id)
    if inv is None or inv.cluster_id != cluster_id or inv.status != "pending":
        raise NotFound(f"pending invitation {invitation_id} of cluster {cluster_id} does not exist")
    inv.status = "withdrawn"
    inv.decided_by = viewer.label
    inv.decided_at = utcnow()
    session.flush()
