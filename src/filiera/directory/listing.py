"""The directory listing at scale: keyset pages, capped counts that never leak.

`directory_page` is the one home of `GET /api/organisations` and the web directory: the
viewer's visibility, the filters, a page by cursor (or by number, for the first pages) and
a count of the rows the viewer may see, exact up to `COUNT_CAP` and "more than" beyond
unless an exact count is asked for. Counts are read from the viewer's own rows, never from
statistics of the whole table, so a hidden record changes no answer.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, Field
from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.directory import paging, queries, text_match
from filiera.directory.filters import COUNT_CAP, PAGE_SIZE, CountMode, OrgFilter, Sort
from filiera.directory.profiles import OrganisationSummary, summary_of
from filiera.directory.service import audit_listing
from filiera.errors import ValidationFailed, field_error
from filiera.registry.models import Identifier, Organisation, OrgCapability

# From this many matches a page walks the sort's index (reading about per_page x table /
# matches rows) rather than sorting every match: about sqrt(50 x 100,000).
WALK_FROM = 2_000


# A listed row, read as plain columns (no ORM objects): what its summary shows, its
# visibility (for the audit) and its sort keys (for the cursor).
LISTED = (
    Organisation.id,
    Organisation.name,
    Organisation.name_key,
    Organisation.kind,
    Organisation.country,
    Organisation.region,
    Organisation.city,
    Organisation.synthetic,
    Organisation.visibility,
)


class DirectoryPage(BaseModel):
    """A page of the directory, with a cursor to the next one and a count.

    `count` is exact when `count_exact` is true; otherwise more than `count` organisations
    match (ask `count=exact` for the figure). `next_cursor` is absent on the last page.
    """

    data: list[OrganisationSummary]
    count: int = Field(examples=[1_000], description="Matches, or the cap when more")
    count_exact: bool = Field(
        examples=[False], description="False: more than `count` organisations match"
    )
    page: int | None = Field(
        examples=[1], description="Page number; null on a page reached by cursor"
    )
    per_page: int = Field(examples=[50])
    sort: Sort = Field(examples=["name"])
    next_cursor: str | None = Field(
        default=None,
        examples=["eyJ2IjoxLCJzIjoibmFtZSIsImciOjAsImsiOlsiYWNtZSIsIkFjbWUiLDQyXSwiZiI6Ii4uLiJ9"],
        description="Pass as `cursor` (same filters and sort) for the next page",
    )


def count_matches(
    session: Session, stmt: Select, mode: CountMode = "capped", cap: int | None = None
) -> tuple[int, bool]:
    """(count, exact) of the rows of `stmt`: stops after `cap` + 1 unless `mode` is exact.

    `cap` defaults to COUNT_CAP, read at each call (tests lower it)."""
    cap = COUNT_CAP if cap is None else cap
    ids = stmt.with_only_columns(Organisation.id)
    if mode == "exact":
        return session.scalar(select(func.count()).select_from(ids.subquery())) or 0, True
    found = session.scalar(select(func.count()).select_from(ids.limit(cap + 1).subquery())) or 0
    return (found, True) if found <= cap else (cap, False)


def _rows(
    session: Session,
    stmt: Select,
    sort: str,
    after: paging.Position | None,
    page: int,
    per_page: int,
) -> list[Row]:
    """A page and one row more (is there a next page?): by keyset for a cursor or page 1,
    by OFFSET for a numbered page after the first."""
    stmt = stmt.with_only_columns(*LISTED)
    if after is not None or page == 1:
        return paging.keyset_rows(session, stmt, sort, after, per_page + 1)
    ordered = stmt.order_by(*queries.SORTS[sort]).offset((page - 1) * per_page)
    return list(session.execute(ordered.limit(per_page + 1)).all())


def summaries(session: Session, rows: list[Row]) -> list[OrganisationSummary]:
    """The summaries of listed rows: their capabilities and PIC read in one query each."""
    ids = [row.id for row in rows]
    if not ids:
        return []
    codes: dict[int, list[str]] = defaultdict(list)
    held = select(OrgCapability.organisation_id, OrgCapability.code)
    for org_id, code in session.execute(held.where(OrgCapability.organisation_id.in_(ids))):
        codes[org_id].append(code)
    pics: dict[int, str] = {}
    pic = select(Identifier.organisation_id, Identifier.value).where(Identifier.scheme == "pic")
    for org_id, value in session.execute(
        pic.where(Identifier.organisation_id.in_(ids)).order_by(Identifier.id)
    ):
        pics.setdefault(org_id, value)  # the first, as `Organisation.identifier` reads it
    return [summary_of(row, pics.get(row.id), codes[row.id]) for row in rows]


def _should_walk(session: Session, exact: bool, total: int) -> bool:
    """Whether to steer SQLite's planner to walk the sort's index for this page.

    Only SQLite needs it (without the hint it fetches every match and sorts them).
    PostgreSQL walks the index on its own, and the hint (`kind || ''`) hides a column's
    statistics from it: at 100,000 organisations it then sorted all 18,000 organisations
    of a country for one page of its SMEs (EXPLAIN in results-directory-speed.jsonl).
    """
    if session.get_bind().dialect.name != "sqlite":
        return False
    return not exact or total > WALK_FROM


def resolve_sort(sort: str | None, cursor: str | None) -> str:
    """The sort asked for, else the cursor's, else by name."""
    if sort is not None:
        return sort
    return paging.sort_of_cursor(cursor) if cursor else "name"


def directory_page(
    session: Session,
    viewer: Viewer,
    flt: OrgFilter,
    *,
    per_page: int = PAGE_SIZE,
    sort: str | None = None,
    page: int = 1,
    cursor: str | None = None,
    count: CountMode = "capped",
    cap: int | None = None,
    what: str = "directory listing",
) -> DirectoryPage:
    """One page of the directory as `viewer` may see it: by `cursor`, else by `page`."""
    if cursor and page != 1:
        message = "give either a page number or a cursor"
        raise ValidationFailed(message, errors=[field_error(paging.RECORD, "page", message)])
    sort = resolve_sort(sort, cursor)
    after = paging.decode_cursor(cursor, flt, sort) if cursor else None
    owners = text_match.alias_owners(session, flt.q) if flt.q else None
    drive = session.get_bind().dialect.name == "sqlite" and count != "exact"
    counted = queries.filtered(flt, viewer, drive=drive, owners=owners)
    total, exact = count_matches(session, counted, count, cap)
    walk = _should_walk(session, exact, total)
    listed = queries.filtered(flt, viewer, walk=walk, owners=owners)
    rows = _rows(session, listed, sort, after, page, per_page)
    shown, more = rows[:per_page], len(rows) > per_page
    audit_listing(session, viewer, shown, what)
    next_cursor = None
    if more:
        next_cursor = paging.encode_cursor(flt, sort, paging.position_of(sort, shown[-1]))
    return DirectoryPage(
        data=summaries(session, shown),
        count=total,
        count_exact=exact,
        page=None if after else page,
        per_page=per_page,
        sort=sort,
        next_cursor=next_cursor,
    )
