"""The Viewer: who is asking, with the organisations and clusters they act for."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access.models import Affiliation
from filiera.registry.models import Membership, Organisation


@dataclass(frozen=True)
class Viewer:
    """Everything an access decision needs about the requester, computed once per request."""

    user_id: int | None
    label: str
    role: str | None
    org_ids: frozenset[int] = frozenset()
    cluster_ids: frozenset[int] = frozenset()
    managed_cluster_ids: frozenset[int] = frozenset()
    address: str | None = None
    via: str = "anonymous"  # anonymous, session, token, cli

    @property
    def signed_in(self) -> bool:
        return self.role is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @classmethod
    def anonymous(cls, address: str | None = None) -> Viewer:
        return cls(None, "anonymous", None, address=address)

    @classmethod
    def system(cls) -> Viewer:
        """The local operator at the CLI, who has the database file: full access."""
        try:
            who = getpass.getuser()
        except (KeyError, OSError):  # no passwd entry in some containers
            who = "unknown"
        return cls(None, f"cli:{who}", "admin", via="cli")


def viewer_for(
    session: Session, user: object, *, address: str | None = None, via: str = "session"
) -> Viewer:
    """The Viewer of a signed-in `User`: their organisations and the clusters around them
    (one query: every request signed in asks it)."""
    affiliated = (
        select(Affiliation.organisation_id, Organisation.kind, Membership.cluster_id)
        .outerjoin(Organisation, Organisation.id == Affiliation.organisation_id)
        .outerjoin(Membership, Membership.organisation_id == Affiliation.organisation_id)
        .where(Affiliation.user_id == user.id)
    )
    rows = session.execute(affiliated).all()
    kinds = {org_id: kind for org_id, kind, _cluster in rows}
    org_ids = frozenset(kinds)
    own_clusters = frozenset(i for i, kind in kinds.items() if kind == "cluster")
    member_of = frozenset(cluster for _org, _kind, cluster in rows if cluster is not None)
    managed = own_clusters if user.role == "cluster_manager" else frozenset()
    return Viewer(
        user.id, user.email, user.role, org_ids, own_clusters | member_of, managed, address, via
    )
