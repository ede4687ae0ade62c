"""A shortlist as CSV, for the web page, the API and the CLI.

Columns: `position`, `id`, `pic`, `name`, `country`, `kind`, `synthetic`, `markings` (the
organisation's export-control markings) and `note`. The rows are the entries of
`shortlists.get_shortlist` for the same viewer: only organisations they may see, in the
list's order, numbered from 1 (restricted reads are audited there). Cells go through
`registry.spreadsheet`; the sources' credits and the markings the rows carry are returned
for the front end to give outside the rows, as for match results.
"""

from __future__ import annotations

from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.directory.export import credits_of
from filiera.match.export import MarkedExport, markings_of, sources_of
from filiera.match.shortlist_shapes import ShortlistOut
from filiera.match.shortlists import get_shortlist
from filiera.registry.models import Identifier
from filiera.registry.spreadsheet import write_csv

COLUMNS = ("position", "id", "pic", "name", "country", "kind", "synthetic", "markings", "note")


def _pics(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    stmt = select(Identifier.organisation_id, Identifier.value).where(
        Identifier.scheme == "pic", Identifier.organisation_id.in_(ids)
    )
    return {org_id: pic for org_id, pic in session.execute(stmt)}


def rows(shortlist: ShortlistOut, pics: dict[int, str]) -> list[dict[str, Any]]:
    """The CSV rows of a list, in its order."""
    return [
        {
            "position": e.position,
            "id": e.organisation_id,
            "pic": pics.get(e.organisation_id),
            "name": e.name,
            "country": e.country,
            "kind": e.kind,
            "synthetic": e.synthetic,
            "markings": e.markings,
            "note": e.note,
        }
        for e in shortlist.entries
    ]


def shortlist_csv(
    session: Session, viewer: Viewer, shortlist_id: int, stream: IO[str]
) -> MarkedExport:
    """Write the list (as `viewer` may read it) to `stream` as CSV."""
    shortlist = get_shortlist(session, viewer, shortlist_id)
    ids = [e.organisation_id for e in shortlist.entries]
    count = write_csv(rows(shortlist, _pics(session, ids)), COLUMNS, stream)
    markings = markings_of({e.organisation_id: e.markings for e in shortlist.entries})
    credits = credits_of(session, sources_of(session, ids))
    return MarkedExport(rows=count, credits=credits, markings=markings)
