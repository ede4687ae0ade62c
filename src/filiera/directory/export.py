"""The directory as CSV: every organisation a viewer's directory listing would give them.

The rows are those of `GET /api/organisations` with the same filters (`OrgFilter`), the
same viewer-filtered query and the same sort, without paging. One row per organisation,
columns derived from the field declaration (`registry/fields.yaml`): the declared single
values, aliases, one description column per content language, one identifier column per
scheme, NACE codes, capabilities (`code:level`), certifications (`code[:valid_until]`),
visibility and `markings` (export-control markings travel with every export), then
`withheld` (the sensitive fields left empty because the viewer may not see them, named by
their level whether or not a value is stored, as in the profile) and `source`. Sites and
people, which carry their own visibility, are left out.

Every cell goes through `registry.spreadsheet` (formula injection neutralised). Credit lines
of the sources are returned, never written into the rows: the front ends put them in the
`X-Data-Credit` header or on standard error. Restricted records and fields written are
audited like a directory listing (one `read` event, "directory CSV export").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access.disclosure import Disclosure, load_grants
from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.directory.filters import OrgFilter
from filiera.registry import fields
from filiera.registry.models import Organisation, Source
from filiera.registry.spreadsheet import CsvExport, write_csv
from filiera.registry.values import IDENTIFIER_SCHEMES

BATCH = 500
WHAT = "directory CSV export"
PARTS = ("aliases", "identifiers", "capabilities", "activities", "certifications")
Cell = Callable[[Organisation], Any]


def _certificate(cert: Any) -> str:
    return f"{cert.code}:{cert.valid_until.isoformat()}" if cert.valid_until else cert.code


def _by_id(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=lambda r: r.id)


def _description(lang: str) -> Cell:
    return lambda org: (org.descriptions or {}).get(lang)


def _identifier(scheme: str) -> Cell:
    return lambda org: org.identifier(scheme)


def _single(attribute: str) -> Cell:
    return lambda org: getattr(org, attribute)


# Columns of a declared part, by value type; `sites` (own visibility) has none.
PART_COLUMNS: dict[str, Callable[[fields.Field], list[tuple[str, Cell]]]] = {
    "names": lambda f: [(f.name, lambda org: [a.name for a in _by_id(org.aliases)])],
    "descriptions": lambda f: [
        (f"description_{lang}", _description(lang)) for lang in fields.CONTENT_LANGUAGES
    ],
    "identifiers": lambda f: [(scheme, _identifier(scheme)) for scheme in IDENTIFIER_SCHEMES],
    "nace": lambda f: [
        (
            f.name,
            lambda org: [
                a.nace for a in sorted(org.activities, key=lambda a: (not a.primary, a.id))
            ],
        )
    ],
    "capabilities": lambda f: [
        (f.name, lambda org: [f"{c.code}:{c.level}" for c in _by_id(org.capabilities)])
    ],
    "certifications": lambda f: [
        (f.name, lambda org: [_certificate(c) for c in _by_id(org.certifications)])
    ],
    "markings": lambda f: [(f.name, lambda org: list(org.markings or []))],
}


@cache
def columns() -> tuple[tuple[str, Cell, str | None], ...]:
    """(header, cell, sensitive field name or None) of every column after `id`."""
    out: list[tuple[str, Cell, str | None]] = []
    for f in fields.of("organisation"):
        if not f.output:
            continue
        if f.single:
            out.append((f.name, _single(f.attribute), f.name if f.sensitive else None))
        elif f.type in PART_COLUMNS:
            out.extend((name, cell, None) for name, cell in PART_COLUMNS[f.type](f))
    return tuple(out)


def headers() -> list[str]:
    """The CSV header row of the directory export."""
    return ["id", *(name for name, _, _ in columns()), "withheld", "source"]


def _row(org: Organisation, disclosure: Disclosure) -> dict[str, Any]:
    """One organisation as the disclosure's viewer may see it (withheld fields empty)."""
    clusters = {m.cluster_id for m in org.memberships}
    owner = disclosure.owner("organisation", org.id, {org.id}, clusters)
    disclosure.record("organisation", org.id, org.visibility, owner)
    row: dict[str, Any] = {"id": org.id}
    withheld = []
    for name, cell, sensitive in columns():
        value = cell(org)
        if sensitive and not disclosure.field("organisation", org.id, org, sensitive, owner):
            withheld.append(sensitive)  # by its level, whether or not a value is stored
            value = None
        row[name] = value
    row["withheld"] = withheld
    row["source"] = org.source.name if org.source else None
    return row


def _source_ids(org: Organisation) -> set[int]:
    ids = {org.source_id}
    for part in PARTS:
        ids.update(row.source_id for row in getattr(org, part))
    return {i for i in ids if i is not None}


def _organisations(
    session: Session, viewer: Viewer, flt: OrgFilter, sort: str
) -> Iterator[list[Organisation]]:
    """The directory query of `list_page` (visibility, filters, sort), a batch at a time."""
    stmt = (
        queries.filtered(flt, viewer)
        .order_by(*queries.SORTS.get(sort, queries.SORTS["name"]))
        .options(
            *(selectinload(getattr(Organisation, part)) for part in PARTS),
            selectinload(Organisation.memberships),
            selectinload(Organisation.source),
        )
    )
    offset = 0
    while True:
        batch = list(session.scalars(stmt.offset(offset).limit(BATCH)))
        if not batch:
            return
        yield batch
        offset += len(batch)


def credits_of(session: Session, source_ids: set[int]) -> list[str]:
    """The distinct credit lines of these sources, in source order."""
    if not source_ids:
        return []
    stmt = (
        select(Source.credit)
        .where(Source.id.in_(sorted(source_ids)), Source.credit.is_not(None))
        .order_by(Source.id)
    )
    return list(dict.fromkeys(c for c in session.scalars(stmt) if c.strip()))


def directory_csv(
    session: Session,
    viewer: Viewer,
    flt: OrgFilter,
    stream: IO[str],
    *,
    sort: str = "name",
) -> CsvExport:
    """Write every organisation `viewer` may see that matches `flt` to `stream` as CSV.

    Returns the row count and the credits of the data's sources; restricted records and
    fields written are audited.
    """
    disclosure = Disclosure(viewer)
    sources: set[int] = set()

    def rows() -> Iterator[dict[str, Any]]:
        for batch in _organisations(session, viewer, flt, sort):
            disclosure.grants = load_grants(session, {"organisation": {o.id for o in batch}})
            for org in batch:
                sources.update(_source_ids(org))
                yield _row(org, disclosure)

    names = headers()
    count = write_csv(rows(), names, stream)
    disclosure.log(session, WHAT)
    return CsvExport(rows=count, credits=credits_of(session, sources))
