"""Clusters and associations: the list, their member directories and membership changes."""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.directory import invitations, queries
from filiera.directory.filters import OrgFilter
from filiera.directory.profiles import OrganisationPage
from filiera.directory.service import audit_listing, list_page
from filiera.errors import Conflict, NotFound, field_error
from filiera.registry.models import Membership, Organisation

CLUSTER_PAGE = 48  # a page of cluster cards (and the API's default)


class ClusterOut(BaseModel):
    id: int = Field(examples=[7])
    name: str = Field(examples=["Lombardia Aerospace Cluster"])
    country: str | None = Field(default=None, examples=["IT"])
    region: str | None = Field(default=None, examples=["ITC4"])
    city: str | None = Field(default=None, examples=["Milano"])
    website: str | None = None
    members: int = Field(examples=[180])
    synthetic: bool = Field(default=False, description="Fictional demo data, not a real cluster.")


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: int = Field(ge=1, examples=[42])
    role: str = Field(default="member", min_length=1, max_length=40, examples=["member"])
    since: dt.date | None = None


class MemberOut(MemberIn):
    """A membership change: `member` when it took effect, `invited` while it awaits consent."""

    cluster_id: int
    status: Literal["member", "invited"] = Field(examples=["invited"])
    invitation_id: int | None = Field(default=None, examples=[3])


def cluster_out(org: Organisation, members: int) -> ClusterOut:
    return ClusterOut(
        id=org.id,
        name=org.name,
        country=org.country,
        region=org.region,
        city=org.city,
        website=org.website,
        members=members,
        synthetic=org.synthetic,
    )


class ClusterPage(BaseModel):
    """A page of clusters: `{data, count, page, per_page}`."""

    data: list[ClusterOut]
    count: int = Field(examples=[120], description="Clusters that match")
    page: int = Field(examples=[1])
    per_page: int = Field(examples=[CLUSTER_PAGE])


def list_clusters(
    session: Session,
    viewer: Viewer,
    *,
    q: str | None = None,
    country: str | None = None,
    page: int = 1,
    per_page: int = CLUSTER_PAGE,
) -> ClusterPage:
    """A page of the clusters and associations `viewer` may see, by name, each with its
    number of visible members; `q` (name or alias) and `country` narrow it."""
    found, total = queries.clusters(
        session, viewer=viewer, q=q, country=country, page=page, per_page=per_page
    )
    audit_listing(session, viewer, [org for org, _ in found], "list of clusters")
    data = [cluster_out(org, n) for org, n in found]
    return ClusterPage(data=data, count=total, page=page, per_page=per_page)


class ClusterChoice(NamedTuple):
    """A cluster as a filter offers it: its id and name."""

    id: int
    name: str


class ClusterChoices(NamedTuple):
    """A cluster filter's choices: every visible cluster, or when there are more than
    CHOICES_MAX (`complete` false) the viewer's own clusters and the one chosen."""

    choices: list[ClusterChoice]
    complete: bool


# A select of every cluster stops being usable (and cost 10 ms per directory page with the
# 2,000 clusters of 100,000 organisations); beyond this many, the Clusters page finds others.
CHOICES_MAX = 200


def cluster_choices(
    session: Session, viewer: Viewer, chosen: int | None = None, limit: int | None = None
) -> ClusterChoices:
    """The clusters `viewer` may see, by name, for a filter's choices: listed (and audited)
    like `list_clusters`, without counting every cluster's members. Beyond `limit` (default
    CHOICES_MAX, read at each call) only the viewer's own clusters and `chosen` are offered;
    only what is offered is audited. Hidden clusters count toward nothing."""
    limit = CHOICES_MAX if limit is None else limit
    found = queries.cluster_names(session, viewer=viewer, limit=limit + 1)
    complete = len(found) <= limit
    if not complete:
        own = {*viewer.cluster_ids, *viewer.managed_cluster_ids, *viewer.org_ids}
        own |= {chosen} if chosen else set()
        found = queries.cluster_names(session, viewer=viewer, ids=own)
    audit_listing(session, viewer, found, "list of clusters")
    return ClusterChoices([ClusterChoice(row.id, row.name) for row in found], complete)


def get_cluster(session: Session, viewer: Viewer, cluster_id: int) -> Organisation:
    """A visible organisation of kind `cluster`, or NotFound."""
    cluster = queries.get_organisation(session, cluster_id, viewer=viewer)
    if cluster.kind != "cluster":
        raise NotFound(f"cluster {cluster_id} does not exist")
    return cluster


def members_page(
    session: Session, viewer: Viewer, cluster_id: int, *, page: int = 1, per_page: int = 50
) -> OrganisationPage:
    """The member directory of one cluster, paged; restricted members listed are audited."""
    get_cluster(session, viewer, cluster_id)
    flt = OrgFilter(cluster=cluster_id)
    what = f"members of cluster {cluster_id}"
    return list_page(session, viewer, flt, page=page, per_page=per_page, what=what)


def _membership(session: Session, cluster_id: int, organisation_id: int) -> Membership | None:
    stmt = select(Membership).where(
        Membership.cluster_id == cluster_id, Membership.organisation_id == organisation_id
    )
    return session.scalars(stmt).first()


def add_member(session: Session, viewer: Viewer, cluster_id: int, member: MemberIn) -> MemberOut:
    """Admins (and users acting for the organisation) enrol; cluster managers invite.

    Membership lets the cluster's managers edit the member, so it needs the organisation's
    consent: see `directory.invitations`.
    """
    get_cluster(session, viewer, cluster_id)
    policy.require_cluster_manager(viewer, cluster_id)
    org_id = member.organisation_id
    queries.get_organisation(session, org_id, viewer=viewer)
    if org_id == cluster_id or _membership(session, cluster_id, org_id) is not None:
        raise Conflict(
            f"organisation {org_id} is already in cluster {cluster_id}",
            errors=[field_error(f"cluster {cluster_id}", "organisation_id", "already a member")],
            key="already_member",
        )
    if not invitations.acts_for(viewer, org_id):
        inv = invitations.invite(session, viewer, cluster_id, org_id, member.role, member.since)
        return MemberOut(
            cluster_id=cluster_id, status="invited", invitation_id=inv.id, **member.model_dump()
        )
    invitations.join(session, viewer, cluster_id, org_id, member.role, member.since)
    return MemberOut(cluster_id=cluster_id, status="member", **member.model_dump())


def remove_member(session: Session, viewer: Viewer, cluster_id: int, organisation_id: int) -> None:
    """Remove an organisation from the cluster (admins and the cluster's managers)."""
    get_cluster(session, viewer, cluster_id)
    policy.require_cluster_manager(viewer, cluster_id)
    row = _membership(session, cluster_id, organisation_id)
    if row is None:
        raise NotFound(f"organisation {organisation_id} is not in cluster {cluster_id}")
    session.delete(row)
