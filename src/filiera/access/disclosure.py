"""Deciding, record by record and field by field, what one viewer is shown, and logging it.

Members-only data is shown to members without a log line; reads of `restricted` and
`owner` data are logged.

A `Disclosure` is made for one request (or one export). Views ask it before putting a
non-public record or field in their output; it remembers what non-public data it let
through so `log()` can write the audit events ("who read a restricted record").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from filiera.access import audit
from filiera.access.models import AccessGrant
from filiera.access.policy import Grants, Owner, allows, field_level
from filiera.access.viewer import Viewer

LOGGED_LEVELS = ("restricted", "owner")  # reads of these are written to the audit log


@dataclass(frozen=True)
class Employer:
    """An organisation a person holds a role at: its level and its owner (id, clusters, grants)."""

    level: str
    owner: Owner


def known_through(
    viewer: Viewer, employers: Iterable[Employer]
) -> tuple[frozenset[int], frozenset[int]]:
    """The organisations of a person's roles that `viewer` may see, and their clusters."""
    seen = [e.owner for e in employers if allows(viewer, e.level, e.owner)]
    orgs = frozenset(o for owner in seen for o in owner.org_ids)
    return orgs, frozenset(c for owner in seen for c in owner.cluster_ids)


def allows_person(viewer: Viewer, level: str, owner: Owner, *, has_roles: bool) -> bool:
    """Python twin of `policy.visible_people`. `owner` holds only the organisations of the
    person's roles that the viewer may see (`known_through`) and the person's grants: a
    person with roles is seen through one of those, never through a hidden organisation;
    a person without a role only when public."""
    if viewer.is_admin:
        return True
    if not has_roles:
        return level == "public"
    return bool(owner.org_ids) and allows(viewer, level, owner)


def load_grants(session: Session, wanted: dict[str, set[int]]) -> Grants:
    """The access grants of the given records, e.g. `{"organisation": {1, 2}}`."""
    wanted = {entity: ids for entity, ids in wanted.items() if ids}
    grants = Grants()
    if not wanted:
        return grants
    clauses = [
        (AccessGrant.entity == entity) & AccessGrant.entity_id.in_(sorted(ids))
        for entity, ids in wanted.items()
    ]
    for grant in session.scalars(select(AccessGrant).where(or_(*clauses))):
        grants.by_record.setdefault((grant.entity, grant.entity_id), []).append(grant)
    return grants


@dataclass
class Disclosure:
    """One viewer's access decisions for one response, with a memory of what was shown."""

    viewer: Viewer
    grants: Grants = field(default_factory=Grants)
    shown: dict[str, dict[int, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )

    def owner(
        self,
        entity: str,
        entity_id: int,
        org_ids: set[int] | frozenset[int],
        cluster_ids: set[int] | frozenset[int] = frozenset(),
    ) -> Owner:
        orgs, roles = self.grants.for_record(entity, entity_id)
        return Owner(frozenset(org_ids), frozenset(cluster_ids), orgs, roles)

    def record(self, entity: str, entity_id: int, level: str, owner: Owner) -> bool:
        """May the viewer see this record? Non-public records shown are remembered."""
        ok = allows(self.viewer, level, owner)
        if ok and level in LOGGED_LEVELS:
            self.shown[entity][entity_id].add(f"record ({level})")
        return ok

    def person_owner(self, person_id: int, employers: Iterable[Employer]) -> Owner:
        """A person's owner as this viewer may know them: the organisations of their roles
        that the viewer may see, with their clusters and the person's grants."""
        orgs, clusters = known_through(self.viewer, employers)
        return self.owner("person", person_id, orgs, clusters)

    def person(self, person_id: int, level: str, owner: Owner, *, has_roles: bool) -> bool:
        """May the viewer see this person (`owner` from `person_owner`)? Remembered like
        `record`."""
        ok = allows_person(self.viewer, level, owner, has_roles=has_roles)
        if ok and level in LOGGED_LEVELS:
            self.shown["person"][person_id].add(f"record ({level})")
        return ok

    def field(self, entity: str, entity_id: int, record: object, name: str, owner: Owner) -> bool:
        """May the viewer see this sensitive field of a visible record?"""
        level = field_level(entity, record, name)
        if level is None or level == "public":
            return True
        ok = allows(self.viewer, level, owner)
        if ok and level in LOGGED_LEVELS:
            self.shown[entity][entity_id].add(f"{name} ({level})")
        return ok

    def log(self, session: Session, context: str) -> None:
        """Write one read event per entity type for the non-public data shown."""
        for entity, by_id in self.shown.items():
            parts = sorted({part for what in by_id.values() for part in what})
            audit.record_read(session, entity, list(by_id), f"{context}: {', '.join(parts)}")
        self.shown.clear()


def for_organisation(session: Session, viewer: Viewer, org: object) -> Disclosure:
    """A Disclosure with the grants of an organisation, its sites, people and clusters, and
    of the other organisations its people hold roles at (whom each person is known through)."""
    employers = {r.organisation_id for role in org.roles for r in role.person.roles}
    wanted = {
        "organisation": {org.id} | {m.cluster_id for m in org.memberships} | employers,
        "site": {s.id for s in org.sites},
        "person": {r.person_id for r in org.roles},
    }
    return Disclosure(viewer, load_grants(session, wanted))
