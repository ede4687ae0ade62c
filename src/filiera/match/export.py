"""Match results as CSV: one row per ranked organisation, for the API, the web and the CLI.

Columns: `rank`, `id`, `pic`, `name`, `country`, `kind`, `synthetic` (`true` for synthetic
demo records), `score`, the three scaled parts of the score (`profile`, `projects`,
`record`), `reasons` (the explanations' sentences joined by ` | `) and `markings` (the
record's export-control markings). The rows are those of `service.run` for the same
request and viewer (who only ever gets organisations they may see; the run audits
restricted ones); ranks continue from the request's offset. Every cell goes through
`registry.spreadsheet` (formula injection neutralised). Returned for the front end to give
outside the rows: the sources' credit lines and the markings the rows carry (the
`X-Export-Markings` header of an HTTP download, a note on standard error at the CLI).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.directory.export import credits_of
from filiera.match.engine import PARTS
from filiera.match.service import MatchResult
from filiera.registry.models import Organisation, Participation, Project
from filiera.registry.spreadsheet import CsvExport, write_csv

COLUMNS = (
    "rank",
    "id",
    "pic",
    "name",
    "country",
    "kind",
    "synthetic",
    "score",
    "profile",
    "projects",
    "record",
    "reasons",
    "markings",
)
REASON_SEPARATOR = " | "
MARKINGS_HEADER = "X-Export-Markings"  # the markings an HTTP export's rows carry


@dataclass
class MarkedExport(CsvExport):
    """A CSV export whose rows may carry export-control markings (codes, sorted)."""

    markings: list[str] = field(default_factory=list)

    def markings_header(self) -> str:
        """The markings as one header value: the codes joined by `; ` (ASCII)."""
        return "; ".join(self.markings)

    def markings_note(self) -> str | None:
        """One line for a reader of the file: which markings its rows carry."""
        if not self.markings:
            return None
        return f"export-controlled rows ({', '.join(self.markings)}): see the markings column"


def add_markings_header(headers: Any, export: MarkedExport) -> None:
    """Put the export's markings in `X-Export-Markings` of an HTTP response (when any)."""
    if export.markings:
        headers[MARKINGS_HEADER] = export.markings_header()


def markings_of(markings: dict[int, list[str]]) -> list[str]:
    """Every code in a `{id: codes}` map, once, sorted."""
    return sorted({code for codes in markings.values() for code in codes})


def markings_by_id(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, list[str]]:
    """id -> markings of those of `ids` the viewer may see."""
    if not ids:
        return {}
    stmt = select(Organisation.id, Organisation.markings).where(
        Organisation.id.in_(ids), visible_organisations(viewer)
    )
    return {org_id: list(markings or []) for org_id, markings in session.execute(stmt)}


def sources_of(session: Session, ids: list[int]) -> set[int]:
    """Sources of the ranked organisations and of the funded projects they took part in."""
    if not ids:
        return set()
    orgs = select(Organisation.source_id).where(Organisation.id.in_(ids))
    projects = (
        select(Project.source_id)
        .join(Participation, Participation.project_id == Project.id)
        .where(Participation.organisation_id.in_(ids))
    )
    found = set(session.scalars(orgs)) | set(session.scalars(projects))
    return {s for s in found if s is not None}


def rows(result: MatchResult, markings: dict[int, list[str]]) -> list[dict[str, Any]]:
    """The CSV rows of a match result, best first."""
    out = []
    for rank, hit in enumerate(result.results, result.offset + 1):
        row: dict[str, Any] = {
            "rank": rank,
            "id": hit.org_id,
            "pic": hit.pic,
            "name": hit.name,
            "country": hit.country,
            "kind": hit.kind,
            "synthetic": hit.synthetic,
            "score": hit.score,
            "reasons": REASON_SEPARATOR.join(e.get("text", "") for e in hit.explanations),
            "markings": markings.get(hit.org_id, []),
        }
        row.update({part: hit.parts.get(part) for part in PARTS})
        out.append(row)
    return out


def match_csv(
    session: Session, viewer: Viewer, result: MatchResult, stream: IO[str]
) -> MarkedExport:
    """Write a match result (from `service.run` for `viewer`) to `stream` as CSV."""
    ids = [hit.org_id for hit in result.results]
    markings = markings_by_id(session, viewer, ids)
    count = write_csv(rows(result, markings), COLUMNS, stream)
    credits = credits_of(session, sources_of(session, ids))
    return MarkedExport(rows=count, credits=credits, markings=markings_of(markings))
