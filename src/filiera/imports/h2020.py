"""Import Horizon 2020 participations (CORDIS) of the organisations the registry knows.

Data: European Commission, CORDIS, CC BY 4.0. A row is one participation: the project's
CORDIS record number (`rcn`), the partner's PIC, its role and its own EU contribution, and
the project's dates and costs; there are no names or titles. Only organisations already in
the registry (by PIC) are linked, so a project lists its known partners only. Keyed by record
number and organisation, so running it twice changes nothing.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access import audit
from filiera.errors import ImportFailed
from filiera.imports.report import ImportReport
from filiera.registry.models import Identifier, Participation, Project, Source

CREDIT = "European Commission, CORDIS, CC BY 4.0"
PROGRAMME = "H2020"
PARTICIPATIONS = "h2020_participations.csv.gz"
PARTS = "programme_parts.csv.gz"
SECURE_SOCIETIES = ("SC7",)  # the security research part: the demo's default
ROLES = {"coordinator": "coordinator", "participant": "participant"}  # else "associatedPartner"


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a gzip-compressed CSV file, naming the file in any error."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)
    except FileNotFoundError:
        raise ImportFailed(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ImportFailed(f"{path}: not a readable gzip CSV file ({error})") from None


def programme_parts(folder: Path) -> dict[str, set[str]]:
    """Record number -> the programme parts of the project ("SC7", "LEIT", ...)."""
    parts: dict[str, set[str]] = defaultdict(set)
    for row in read_rows(folder / PARTS):
        parts[row["rcn"]].add(row["programme_part"])
    return parts


def import_h2020(
    session: Session,
    folder: Path,
    *,
    parts: Iterable[str] | None = SECURE_SOCIETIES,
    imported_by: str = "cli",
) -> ImportReport:
    """Link the registry's organisations to their Horizon 2020 projects of `parts` (every
    part with None), with each one's own EU contribution, in the caller's transaction."""
    report = ImportReport(str(folder))
    pics = select(Identifier.value, Identifier.organisation_id).where(Identifier.scheme == "pic")
    known = {pic: org_id for pic, org_id in session.execute(pics)}
    wanted = set(parts) if parts is not None else None
    by_part = programme_parts(folder)
    by_project: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in read_rows(folder / PARTICIPATIONS):
        if row["pic"] in known and (wanted is None or by_part.get(row["rcn"], set()) & wanted):
            by_project[row["rcn"]].append(row)
    if not by_project:
        return report
    audit.bulk(session, "import", f"Horizon 2020 participations from {folder}")
    source = Source(
        name="Horizon 2020 participations (CORDIS)",
        kind="h2020",
        location=str(folder),
        credit=CREDIT,
        imported_by=imported_by,
    )
    session.add(source)
    stored = _stored_projects(session, set(by_project))
    for rcn, rows in sorted(by_project.items()):
        project = stored.get(rcn)
        if project is None:
            project = _new_project(rcn, rows[0], sorted(by_part.get(rcn, ())), source)
            session.add(project)
            report.counts["projects_created"] += 1
        else:
            report.counts["projects_unchanged"] += 1
        _link(project, rows, known, source, report)
    source.stats = report.to_dict()["counts"]
    report.publish()
    return report


def _stored_projects(session: Session, rcns: set[str]) -> dict[str, Project]:
    stmt = (
        select(Project)
        .where(Project.programme == PROGRAMME, Project.external_id.in_(sorted(rcns)))
        .options(selectinload(Project.participations))
    )
    return {p.external_id: p for p in session.scalars(stmt)}


def _new_project(rcn: str, row: dict[str, str], parts: list[str], source: Source) -> Project:
    """A project as CORDIS describes it here: no title in the data, so its record number."""
    return Project(
        programme=PROGRAMME,
        external_id=rcn,
        title=f"CORDIS {rcn}",
        topic=", ".join(parts) or None,
        start_date=_date(row.get("start_date")),
        end_date=_date(row.get("end_date")),
        eu_contribution=_amount(row.get("max_contribution")),
        overall_budget=_amount(row.get("total_cost")),
        keywords=[],
        source=source,
        participations=[],
    )


def _link(
    project: Project,
    rows: list[dict[str, str]],
    known: dict[str, int],
    source: Source,
    report: ImportReport,
) -> None:
    linked = {p.organisation_id for p in project.participations}
    for row in rows:
        org_id = known[row["pic"]]
        if org_id in linked:
            continue
        project.participations.append(
            Participation(
                organisation_id=org_id,
                role=ROLES.get(row["role"], "associatedPartner"),
                contribution=_amount(row.get("contribution")),
                source=source,
            )
        )
        linked.add(org_id)
        report.counts["participations_created"] += 1


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _amount(value: str | None) -> float | None:
    """Euros; CORDIS writes "NA" where a partner receives nothing it reports."""
    try:
        return float(value) if value else None
    except ValueError:
        return None
