"""Who may see and change what: the one place every read and write asks.

Visibility levels, from open to closed:

- `public`: everyone, signed in or not;
- `members`: the owner's organisation and everyone affiliated with a cluster the owner
  belongs to (and the cluster itself);
- `restricted`: the owner, plus organisations and roles named in an `AccessGrant`;
- `owner`: the owning organisation only.

Platform admins see everything. The same rule exists twice, as SQL (`visible_*`, used by
every query) and as Python (`allows`, used for fields and single records); a property test
checks they agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from filiera.access.models import AccessGrant
from filiera.access.viewer import Viewer
from filiera.errors import Forbidden, Unauthorized
from filiera.registry import fields
from filiera.registry.models import Membership, Organisation, Person, PersonRole

LEVELS = fields.VISIBILITY_LEVELS


def narrower(a: str, b: str) -> str:
    """The narrower of two levels (public > members > restricted > owner): the level of a
    record known through another, such as a person through their organisation."""
    return max(a, b, key=LEVELS.index)


# Sensitive fields and their default level when a record does not set its own (declared in
# registry/fields.yaml); every field of a capacity record defaults to `restricted`.
FIELD_DEFAULTS: dict[str, dict[str, str]] = {
    **{entity: fields.default_levels(entity) for entity in fields.declaration()},
    "capacity": {"*": "restricted"},
}


@dataclass(frozen=True)
class Owner:
    """What the Python rule needs to know about a record's owner."""

    org_ids: frozenset[int]
    cluster_ids: frozenset[int] = frozenset()
    grant_orgs: frozenset[int] = frozenset()
    grant_roles: frozenset[str] = frozenset()


@dataclass
class Grants:
    """Access grants of some records, by (entity, id)."""

    by_record: dict[tuple[str, int], list[AccessGrant]] = field(default_factory=dict)

    def for_record(self, entity: str, entity_id: int) -> tuple[frozenset[int], frozenset[str]]:
        rows = self.by_record.get((entity, entity_id), [])
        orgs = frozenset(g.organisation_id for g in rows if g.organisation_id is not None)
        return orgs, frozenset(g.role for g in rows if g.role)


def allows(viewer: Viewer, level: str, owner: Owner) -> bool:
    """May `viewer` see something at `level` owned by `owner`? (Python twin of the SQL.)"""
    if viewer.is_admin or level == "public":
        return True
    if not viewer.signed_in:
        return False
    own = bool(owner.org_ids & viewer.org_ids)
    if level == "owner":
        return own
    if level == "members":
        shares_cluster = bool(
            (owner.org_ids & viewer.cluster_ids) or (owner.cluster_ids & viewer.cluster_ids)
        )
        return own or shares_cluster
    if level == "restricted":
        granted = bool(owner.grant_orgs & viewer.org_ids) or viewer.role in owner.grant_roles
        return own or granted
    return False


def _in(column: ColumnElement, ids: Iterable[int]) -> ColumnElement[bool]:
    ids = sorted(ids)
    return column.in_(ids) if ids else false()


# The two look-ups below are uncorrelated `IN (SELECT ...)`, not correlated EXISTS: the
# database builds each list once per query. PostgreSQL costs a correlated EXISTS inside an
# OR as if it ran once per row, which made it JIT-compile every directory count (~8x slower
# at 100,000 organisations; see benchmarks/visibility_overhead.py).


def _shares_cluster(viewer: Viewer, owner_col: ColumnElement) -> ColumnElement[bool]:
    if not viewer.cluster_ids:
        return false()
    members = select(Membership.organisation_id).where(
        _in(Membership.cluster_id, viewer.cluster_ids)
    )
    return or_(_in(owner_col, viewer.cluster_ids), owner_col.in_(members))


def _granted(viewer: Viewer, entity: str, id_col: ColumnElement) -> ColumnElement[bool]:
    who = [AccessGrant.role == viewer.role] if viewer.role else []
    if viewer.org_ids:
        who.append(_in(AccessGrant.organisation_id, viewer.org_ids))
    if not who:
        return false()
    granted = select(AccessGrant.entity_id).where(AccessGrant.entity == entity, or_(*who))
    return id_col.in_(granted)


def visibility_clause(
    viewer: Viewer,
    level_col: ColumnElement,
    owner_col: ColumnElement,
    entity: str,
    id_col: ColumnElement,
) -> ColumnElement[bool]:
    """SQL twin of `allows` for a row with a level column and one owner column."""
    if viewer.is_admin:
        return true()
    if not viewer.signed_in:
        return level_col == "public"
    own = _in(owner_col, viewer.org_ids)
    return or_(
        level_col == "public",
        and_(level_col == "members", or_(own, _shares_cluster(viewer, owner_col))),
        and_(level_col == "restricted", or_(own, _granted(viewer, entity, id_col))),
        and_(level_col == "owner", own),
    )


def visible_organisations(viewer: Viewer) -> ColumnElement[bool]:
    """WHERE clause: the organisations `viewer` may see."""
    return visibility_clause(
        viewer, Organisation.visibility, Organisation.id, "organisation", Organisation.id
    )


def visible_people(viewer: Viewer) -> ColumnElement[bool]:
    """A person is owned by every organisation they hold a role in, and is seen through a
    role only when the viewer may see both the person (at its level, owned by the role's
    organisation) and that organisation: a person is never wider than whom they are known
    through. Someone without a role is seen only when public."""
    if viewer.is_admin:
        return true()
    seen_orgs = visible_org_ids(viewer).correlate(None)  # uncorrelated: built once
    via_role = exists().where(
        PersonRole.person_id == Person.id,
        PersonRole.organisation_id.in_(seen_orgs),
        visibility_clause(
            viewer, Person.visibility, PersonRole.organisation_id, "person", Person.id
        ),
    )
    orphan_public = and_(
        Person.visibility == "public", ~exists().where(PersonRole.person_id == Person.id)
    )
    return or_(via_role, orphan_public)


def visible_records(viewer: Viewer, model, entity: str) -> ColumnElement[bool]:
    """WHERE clause for a record with `visibility` and an `owner_id` organisation.

    A record is never wider than its owner: one owned by an organisation the viewer may not
    see is hidden too (its owner's name and id would otherwise leak with it).
    """
    if viewer.is_admin:
        return true()
    return and_(
        visibility_clause(viewer, model.visibility, model.owner_id, entity, model.id),
        owner_visible(viewer, model.owner_id),
    )


OWNER = aliased(Organisation, name="record_owner")


def owner_visible(viewer: Viewer, owner_col: ColumnElement) -> ColumnElement[bool]:
    """WHERE clause: the organisation in `owner_col` is one `viewer` may see.

    A correlated EXISTS on the owner's primary key, not `IN (visible ids)`: the record
    tables are small, and with the id list SQLite scanned every organisation to build it
    (then probed the records' owner index with each id), ~10 ms per query at 11,500
    organisations even for an empty table. The owner is an alias the EXISTS never
    correlates, so neither an outer query over organisations nor an enclosing owner check
    captures it; one alias for the process (a new one per call cost ~0.7 ms to adapt).
    """
    seen = visibility_clause(viewer, OWNER.visibility, OWNER.id, "organisation", OWNER.id)
    return exists().where(OWNER.id == owner_col, seen).correlate_except(OWNER)


def require_owner(viewer: Viewer, action: str, owner_id: int) -> None:
    """The role may do `action`, and for this owner organisation (admins: any)."""
    require_role(viewer, action)
    if not viewer.is_admin and owner_id not in viewer.org_ids:
        raise Forbidden(
            f"{viewer.label} does not act for organisation {owner_id}", key="not_acting_for"
        )


def visible_org_ids(viewer: Viewer):
    """A sub-select of the ids of visible organisations, for joins from other tables."""
    return select(Organisation.id).where(visible_organisations(viewer))


def field_level(kind: str, record: object, name: str) -> str | None:
    """The level of a sensitive field: the record's own setting, else the default."""
    own = getattr(record, "field_visibility", None) or {}
    defaults = FIELD_DEFAULTS.get(kind, {})
    return own.get(name) or defaults.get(name) or defaults.get("*")


# --- writes -------------------------------------------------------------------------------

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "organisation.create": ("admin", "cluster_manager"),
    "organisation.edit": ("admin", "cluster_manager", "member"),
    "organisation.delete": ("admin",),
    "cluster.manage": ("admin", "cluster_manager"),
    "need.publish": ("admin", "cluster_manager", "buyer"),
    "thesis.publish": ("admin", "investor"),
    "need.interest": ("admin", "cluster_manager", "member"),
    "call.publish": ("admin", "cluster_manager", "buyer"),
    "bid.create": ("admin", "cluster_manager", "member"),
    "bid.answer": ("admin", "cluster_manager", "member"),
    "event.organise": ("admin", "cluster_manager"),
    "event.register": ("admin", "cluster_manager", "member", "buyer", "investor"),
    # Capacity planners save, change and delete scenarios for an organisation they act for:
    # admins, buyers (ministries, procurement agencies) and cluster managers.
    "capacity.plan": ("admin", "buyer", "cluster_manager"),
    # News: cluster managers and admins bring articles in and review what was read from them;
    # every signed-in user may save searches and watch organisations.
    "news.ingest": ("admin", "cluster_manager"),
    "news.review": ("admin", "cluster_manager"),
    "news.watch": ("admin", "cluster_manager", "member", "buyer", "investor", "viewer"),
    "review.decide": ("admin",),
    "audit.read": ("admin",),
    "user.manage": ("admin",),
    "system.read": ("admin",),  # the system status: readiness, backups (ops/status.py)
}


def require_role(viewer: Viewer, action: str) -> None:
    """Raise Forbidden unless the viewer's role may perform `action` at all."""
    if not viewer.signed_in:
        raise Unauthorized("sign in first", key="sign_in_first")
    if viewer.role not in PERMISSIONS[action]:
        raise Forbidden(
            f"role {viewer.role} may not {action.replace('.', ' ')}", key="role_may_not"
        )


def can_edit_organisation(viewer: Viewer, org_id: int, org_clusters: Iterable[int]) -> bool:
    """Admins; users of the organisation; managers of a cluster it belongs to (or the cluster)."""
    if viewer.is_admin:
        return True
    if viewer.role not in PERMISSIONS["organisation.edit"]:
        return False
    if org_id in viewer.org_ids:
        return True
    managed = viewer.managed_cluster_ids
    return viewer.role == "cluster_manager" and bool(managed & (set(org_clusters) | {org_id}))


def require_edit(viewer: Viewer, org: Organisation) -> None:
    require_role(viewer, "organisation.edit")
    clusters = [m.cluster_id for m in org.memberships]
    if not can_edit_organisation(viewer, org.id, clusters):
        raise Forbidden(f"{viewer.label} may not change organisation {org.id}")


def require_cluster_manager(viewer: Viewer, cluster_id: int) -> None:
    """Admins, and managers of this very cluster, may change its member list."""
    require_role(viewer, "cluster.manage")
    if not viewer.is_admin and cluster_id not in viewer.managed_cluster_ids:
        raise Forbidden(f"{viewer.label} does not manage cluster {cluster_id}")
