"""Reading the registry: filtered, paginated directory listing and profiles."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import ColumnElement, Row, Select, and_, exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload

from filiera.access.policy import visible_org_ids, visible_organisations
from filiera.access.viewer import Viewer
from filiera.directory import loaded
from filiera.directory.codes import code_or_under
from filiera.directory.filters import OrgFilter
from filiera.directory.text_match import name_contains, name_or_alias, starts_with
from filiera.errors import NotFound
from filiera.registry.models import (
    Certification,
    Identifier,
    Membership,
    Organisation,
    OrgCapability,
    Participation,
    Person,
    PersonRole,
    Project,
    ReviewItem,
)

# By the normalised name (no case, accents, quotes or legal forms): `"ACADEMIA ..."` sorts
# under A, not before every letter, and "AB Volvo" under V.
BY_NAME = (Organisation.name_key, Organisation.name, Organisation.id)
SORTS = {
    "name": BY_NAME,
    # organisations without a country last, on both backends (SQLite puts NULL first)
    "country": (Organisation.country.asc().nulls_last(), *BY_NAME),
    "newest": (Organisation.id.desc(),),
}


def filtered(
    flt: OrgFilter,
    viewer: Viewer,
    *,
    walk: bool = False,
    drive: bool = False,
    owners: list[int] | None = None,
) -> Select:
    """The SELECT of organisations `viewer` may see that match `flt` (no order, no paging).

    Filters read from another table (capability, certification, cluster) are uncorrelated
    `IN (SELECT ...)` by default: both planners build the id list once instead of probing
    it per organisation (see benchmarks/visibility_overhead.py). Two other shapes, for
    SQLite (see directory/listing.py and docs/scaling.md §3):

    - `walk`: each becomes a correlated EXISTS and `kind` is kept off its index
      (`kind || ''`), so the planner walks the sort's index and probes each row until a
      page is full, instead of building a list of every holder (16,000 for "space" at
      100,000 organisations, ~15 ms) or fetching and sorting every match;
    - `drive`: the first of them becomes a join and the ids DISTINCT, so a capped count
      reads holders from that table's index and stops after the cap, whichever side the
      planner starts from.

    `owners`: the organisations `text_match.alias_owners` read for `flt.q` (PostgreSQL).
    """
    stmt = select(Organisation).where(visible_organisations(viewer))
    if flt.q:
        if owners is not None:
            stmt = stmt.where(name_or_alias(Organisation.name_key, Organisation.id, flt.q, owners))
        else:
            stmt = stmt.where(name_contains(Organisation.id, Organisation.name_key, flt.q))
    if flt.country:
        stmt = stmt.where(Organisation.country == flt.country.upper())
    if flt.region:
        region = Organisation.region.concat("") if walk else Organisation.region
        stmt = stmt.where(starts_with(region, flt.region.upper()))
    if flt.kind:
        kind = Organisation.kind.concat("") if walk else Organisation.kind
        stmt = stmt.where(kind == flt.kind)
    for index, (holder, condition) in enumerate(_held(flt, viewer)):
        if drive and index == 0:
            stmt = stmt.join(holder.class_, and_(holder == Organisation.id, condition))
            stmt = stmt.distinct()
        elif walk:
            stmt = stmt.where(exists().where(holder == Organisation.id, condition))
        else:
            stmt = stmt.where(Organisation.id.in_(select(holder).where(condition)))
    if flt.synthetic is not None:
        stmt = stmt.where(Organisation.synthetic == flt.synthetic)
    return stmt


def _held(flt: OrgFilter, viewer: Viewer) -> list[tuple[InstrumentedAttribute, ColumnElement]]:
    """The filters read from another table: (its organisation column, its condition)."""
    held: list[tuple[InstrumentedAttribute, ColumnElement]] = []
    if flt.capability:
        held.append(
            (OrgCapability.organisation_id, code_or_under(OrgCapability.code, flt.capability))
        )
    if flt.certification:
        held.append((Certification.organisation_id, Certification.code == flt.certification))
    if flt.cluster is not None:
        # A cluster the viewer may not see has no members for them, like a missing one.
        seen = visible_org_ids(viewer).correlate(None)
        condition = and_(Membership.cluster_id == flt.cluster, Membership.cluster_id.in_(seen))
        held.append((Membership.organisation_id, condition))
    return held


def list_organisations(
    session: Session,
    flt: OrgFilter,
    *,
    viewer: Viewer,
    page: int = 1,
    per_page: int = 50,
    sort: str = "name",
) -> tuple[list[Organisation], int]:
    """One page of the directory and the total count of matches."""
    stmt = filtered(flt, viewer)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(*SORTS.get(sort, SORTS["name"]))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .options(selectinload(Organisation.capabilities), selectinload(Organisation.identifiers))
    ).all()
    return list(rows), total


def visible_ids(session: Session, viewer: Viewer, ids: set[int]) -> set[int]:
    """Those of `ids` that `viewer` may see."""
    if not ids:
        return set()
    stmt = select(Organisation.id).where(
        Organisation.id.in_(sorted(ids)), visible_organisations(viewer)
    )
    return set(session.scalars(stmt))


# Everything a profile shows, loaded with it (the options are immutable: built once).
PROFILE_LOADS = (
    selectinload(Organisation.aliases),
    selectinload(Organisation.identifiers),
    selectinload(Organisation.capabilities),
    selectinload(Organisation.activities),
    selectinload(Organisation.certifications),
    selectinload(Organisation.sites),
    selectinload(Organisation.memberships).selectinload(Membership.cluster),
    selectinload(Organisation.participations).selectinload(Participation.project),
    selectinload(Organisation.roles)
    .selectinload(PersonRole.person)
    .selectinload(Person.roles)
    .selectinload(PersonRole.organisation)
    .selectinload(Organisation.memberships),  # who owns each person (visibility)
)


def require_visible(session: Session, org_id: int, *, viewer: Viewer) -> None:
    """NotFound naming the id unless `viewer` may see organisation `org_id` (the check of
    `get_organisation` without loading the profile)."""
    stmt = select(Organisation.id).where(Organisation.id == org_id, visible_organisations(viewer))
    if session.scalar(stmt) is None:
        raise NotFound(f"organisation {org_id} does not exist")


def get_organisation(session: Session, org_id: int, *, viewer: Viewer) -> Organisation:
    """The full profile, or NotFound naming the id (also when `viewer` may not see it).

    Asked again in the same unit of work with nothing changed since, the profile already
    loaded is the answer (see `directory.loaded`)."""
    org = loaded.remembered(session, org_id, viewer)
    if org is not None:
        return org
    stmt = (
        select(Organisation)
        .where(Organisation.id == org_id, visible_organisations(viewer))
        .execution_options(populate_existing=True)
        .options(*PROFILE_LOADS)
    )
    org = session.scalars(stmt).first()
    if org is None:
        raise NotFound(f"organisation {org_id} does not exist")
    loaded.remember(session, viewer, org)
    return org


def find_by_identifier(
    session: Session, scheme: str, value: str, *, viewer: Viewer | None = None
) -> Organisation | None:
    """The organisation holding an identifier (among those `viewer` may see, if given)."""
    stmt = (
        select(Organisation)
        .join(Identifier)
        .where(Identifier.scheme == scheme, Identifier.value == value)
    )
    if viewer is not None:
        stmt = stmt.where(visible_organisations(viewer))
    return session.scalars(stmt).first()


def partners(
    session: Session, org_id: int, limit: int = 20, *, viewer: Viewer
) -> list[tuple[Organisation, int]]:
    """Organisations `viewer` may see sharing the most projects with `org_id`."""
    mine = select(Participation.project_id).where(Participation.organisation_id == org_id)
    stmt = (
        select(Organisation, func.count(Participation.project_id).label("shared"))
        .join(Participation, Participation.organisation_id == Organisation.id)
        .where(Participation.project_id.in_(mine), Organisation.id != org_id)
        .where(visible_organisations(viewer))
        .group_by(Organisation.id)
        .order_by(func.count(Participation.project_id).desc(), *BY_NAME)
        .limit(limit)
    )
    return [(org, shared) for org, shared in session.execute(stmt)]


def clusters(
    session: Session,
    *,
    viewer: Viewer,
    q: str | None = None,
    country: str | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> tuple[list[tuple[Organisation, int]], int]:
    """A page of the clusters/associations `viewer` may see (by name; all when `per_page`
    is None), each with its count of visible members, and how many match. `q` is a part of
    the name or an alias, `country` an ISO code, as in the directory."""
    flt = OrgFilter(q=q or None, country=country or None, kind="cluster")
    stmt = filtered(flt, viewer)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.order_by(*BY_NAME)
    if per_page is not None:
        stmt = stmt.offset((page - 1) * per_page).limit(per_page)
    found = list(session.scalars(stmt))
    counts = _visible_members(session, viewer, [org.id for org in found])
    return [(org, counts.get(org.id, 0)) for org in found], total


def _visible_members(session: Session, viewer: Viewer, cluster_ids: list[int]) -> dict[int, int]:
    """The number of members `viewer` may see of each of these clusters, in one grouped pass
    over their memberships, each member's visibility checked on its own row (a correlated
    count per cluster took 66 s for 2,000 clusters; `IN (visible ids)` 0.8 s for a page of
    48 at 100,000 organisations, where this takes a few milliseconds)."""
    if not cluster_ids:
        return {}
    stmt = (
        select(Membership.cluster_id, func.count(Membership.id))
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.cluster_id.in_(cluster_ids), visible_organisations(viewer))
        .group_by(Membership.cluster_id)
    )
    return {cluster_id: count for cluster_id, count in session.execute(stmt)}


def cluster_names(
    session: Session,
    *,
    viewer: Viewer,
    limit: int | None = None,
    ids: Collection[int] | None = None,
) -> list[Row]:
    """Id, name and visibility of the clusters/associations `viewer` may see, by name: the
    choices of a cluster filter, without the member counts of `clusters`. The first `limit`,
    or only those of `ids`."""
    stmt = select(Organisation.id, Organisation.name, Organisation.visibility).where(
        Organisation.kind == "cluster", visible_organisations(viewer)
    )
    if ids is not None:
        stmt = stmt.where(Organisation.id.in_(sorted(ids)))
    return list(session.execute(stmt.order_by(*BY_NAME).limit(limit)))


def list_projects(
    session: Session,
    *,
    programme: str | None = None,
    year: int | None = None,
    q: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[Project], int]:
    """One page of projects (newest first) filtered by programme, start year and text, with
    the total."""
    stmt = select(Project)
    if programme:
        stmt = stmt.where(func.upper(Project.programme) == programme.upper())
    if year is not None:
        stmt = stmt.where(
            Project.start_date >= date(year, 1, 1), Project.start_date < date(year + 1, 1, 1)
        )
    if q:
        pattern = f"%{q.casefold()}%"
        stmt = stmt.where(
            or_(
                func.lower(Project.title).like(pattern),
                func.lower(Project.acronym).like(pattern),
                func.lower(Project.call_identifier).like(pattern),
                Project.external_id == q,
            )
        )
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    order = (Project.start_date.desc().nulls_last(), Project.external_id, Project.id)
    rows = session.scalars(stmt.order_by(*order).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def visible_participants(
    session: Session, viewer: Viewer, project_ids: list[int]
) -> dict[int, int]:
    """Project id -> how many of its participants `viewer` may see (absent: none)."""
    if not project_ids:
        return {}
    stmt = (
        select(Participation.project_id, func.count(Participation.id))
        .where(
            Participation.project_id.in_(project_ids),
            Participation.organisation_id.in_(visible_org_ids(viewer)),
        )
        .group_by(Participation.project_id)
    )
    return {project_id: count for project_id, count in session.execute(stmt)}


def project_options(session: Session) -> tuple[list[str], list[int]]:
    """The programmes and start years projects have, for the filters of the projects list."""
    programmes = session.scalars(select(Project.programme).distinct().order_by(Project.programme))
    starts = session.scalars(
        select(Project.start_date).where(Project.start_date.is_not(None)).distinct()
    )
    return list(programmes), sorted({d.year for d in starts}, reverse=True)


def get_project(session: Session, project_id: int) -> Project:
    """A project with its participants, or NotFound naming the id."""
    project = session.get(
        Project,
        project_id,
        options=[
            selectinload(Project.participations)
            .selectinload(Participation.organisation)
            .selectinload(Organisation.capabilities),
            selectinload(Project.participations)
            .selectinload(Participation.organisation)
            .selectinload(Organisation.identifiers),
        ],
    )
    if project is None:
        raise NotFound(f"project {project_id} does not exist")
    return project


def open_reviews(session: Session) -> list[ReviewItem]:
    """Open review items, most likely duplicates first, with both organisations loaded."""
    loads = [
        selectinload(rel).selectinload(part)
        for rel in (ReviewItem.organisation, ReviewItem.candidate)
        for part in (Organisation.capabilities, Organisation.identifiers)
    ]
    stmt = select(ReviewItem).where(ReviewItem.status == "open").options(*loads)
    return list(session.scalars(stmt.order_by(ReviewItem.score.desc(), ReviewItem.id)))
