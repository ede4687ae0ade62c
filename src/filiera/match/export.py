"""Match results as CSV: one row per ranked organisation, for the API, the web and the CLI.

Columns: `rank`, `id`, `pic`, `name`, `country`, `kind`, `score`, the three scaled parts
of the score (`profile`, `projects`, `record`), `reasons` (the explanations' sentences
joined by ` | `) and `markings`. The rows are those of `service.run` for the same request
and viewer (who only ever gets organisations they may see; the run audits restricted
ones). Every cell goes through `registry.spreadsheet` (formula injection neutralised); the
sources' credit lines are returned for the front end to give outside the rows.
"""

from __future__ import annotations

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
    "score",
    "profile",
    "projects",
    "record",
    "reasons",
    "markings",
)
REASON_SEPARATOR = " | "


def _markings(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, list[str]]:
    """id -> markings of those of `ids` the viewer may see."""
    if not ids:
        return {}
    stmt = select(Organisation.id, Organisation.markings).where(
        Organisation.id.in_(ids), visible_organisations(viewer)
    )
    return {org_id: list(markings or []) for org_id, markings in session.execute(stmt)}


def _sources(session: Session, ids: list[int]) -> set[int]:
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
    for rank, hit in enumerate(result.results, 1):
        row: dict[str, Any] = {
            "rank": rank,
            "id": hit.org_id,
            "pic": hit.pic,
            "name": hit.name,
            "country": hit.country,
            "kind": hit.kind,
            "score": hit.score,
            "reasons": REASON_SEPARATOR.join(e.get("text", "") for e in hit.explanations),
            "markings": markings.get(hit.org_id, []),
        }
        row.update({part: hit.parts.get(part) for part in PARTS})
        out.append(row)
    return out


def match_csv(session: Session, viewer: Viewer, result: MatchResult, stream: IO[str]) -> CsvExport:
    """Write a match result (from `service.run` for `viewer`) to `stream` as CSV."""
    ids = [hit.org_id for hit in result.results]
    count = write_csv(rows(result, _markings(session, viewer, ids)), COLUMNS, stream)
    return CsvExport(rows=count, credits=credits_of(session, _sources(session, ids)))
