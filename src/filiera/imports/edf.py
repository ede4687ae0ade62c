"""Import EDF data in the EU Funding & Tenders format (projects.json, companies.json).

Data: European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0.
Keyed by PIC and project id, so running it twice changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from anyascii import anyascii
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import audit
from filiera.errors import ImportFailed, ValidationFailed, field_error
from filiera.imports.report import ImportReport
from filiera.registry.models import Participation, Project, Source
from filiera.registry.names import clean_name, legal_form, normalise_name, readable_name
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn, parse
from filiera.registry.writer import upsert

CREDIT = "European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0"
PIC = re.compile(r"\d{9}")
# The portal's classification, where it says what the organisation is. "Private for profit
# organisation" does not: a company of any size. Prime contractors come from curated data.
KINDS = {
    "Small or medium-size enterprise": "sme",
    "Higher or secondary education establishment": "university",
    "Research Organisation": "research",
    "Public organisation": "public_body",
}
NOT_STATED = "other"  # the registry's kind when the source does not say (shown "Not stated")
UNCLASSIFIED = (None, "", "Other", "Non-governmental organization")
# Words that say what an unclassified organisation is: kind -> (how words of its name start,
# how they end).
NAME_CUES = {
    "university": (
        "universit universid univerz uniwersyt politecn politechn polytechn panepist egyetem",
        "hochschule korkeakoulu yliopisto ulikool",
    ),
    "public_body": ("minist", ""),
    "research": (
        "forschung research recherche cercetare ricerca investigac onderzoek badawcz vyzkum",
        "forschung",
    ),
}
NON_PROFIT_FORMS = frozenset({"asbl", "ev", "gie", "eeig"})
ACRONYM = 5  # a one-word display name this short in capitals is an acronym ("MBDA", "TKMS")
CALL_CAPABILITIES = {
    "AIR": ["air"],
    "GROUND": ["land"],
    "NAVAL": ["naval"],
    "SPACE": ["space"],
    "CYBER": ["cyber"],
    "C4ISR": ["c4isr"],
    "SENS": ["electronics"],
    "MATCOMP": ["materials"],
    "MCBRN": ["cbrn", "medical"],
    "ENERENV": ["propulsion.power_energy"],
    "DIGIT": ["ai_autonomy.ai"],
    "PROTMOB": ["land.armoured_vehicles", "materials.protection"],
    "SHL": ["munitions.ammunition"],
    "POW": ["munitions.propellants"],
    "XPL": ["munitions.explosives"],
    "MIS": ["munitions.missiles"],
    "TRC": ["testing.qualification"],
    "AMMO": ["munitions.ammunition"],
    "AMD": ["munitions.missiles"],
    "SIMTRAIN": ["simulation.training"],
}

Progress = Callable[[int], None]


def programme_of(call_identifier: str) -> str:
    """EDF, ASAP or EDIRPA, from the call identifier."""
    for name in ("ASAP", "EDIRPA"):
        if f"-{name}-" in call_identifier:
            return name
    return "EDF"


def call_capabilities(project: dict[str, Any]) -> list[str]:
    """Capabilities a project evidences, from its call and topic codes."""
    parts = re.split(r"[-_]", f"{project.get('call_identifier', '')}-{project.get('topic', '')}")
    codes = [code for part in parts for code in CALL_CAPABILITIES.get(part, [])]
    return list(dict.fromkeys(codes))


def load_json(path: Path) -> list[dict[str, Any]]:
    """Read a JSON list, naming the file in any error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportFailed(f"{path}: file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportFailed(
            f"{path}: not valid JSON ({error})",
            errors=[field_error(str(path), "(file)", str(error))],
        ) from None
    if not isinstance(data, list):
        raise ImportFailed(f"{path}: expected a JSON list of records")
    return data


def organisation_kind(row: dict[str, Any], names: list[str]) -> str:
    """The kind the data states: the SME flag, the classification, else words of the name
    (university, ministry, research words; research only without a company's legal form)."""
    classification = row.get("classification_type")
    if row.get("sme") is True:
        return "sme"
    if classification not in UNCLASSIFIED:
        return KINDS.get(classification, NOT_STATED)
    words = {w for name in names for w in anyascii(name).casefold().split()}
    company = any(legal_form(name) not in (None, *NON_PROFIT_FORMS) for name in names)
    for kind, (starts, ends) in NAME_CUES.items():
        if kind == "research" and company:
            continue
        starts, ends = tuple(starts.split()), tuple(ends.split())
        if any(w.startswith(starts) or (ends and w.endswith(ends)) for w in words):
            return kind
    return NOT_STATED


def display_name(legal: str, other: str) -> str:
    """The name to show of an organisation with this legal name: the source's display name
    `other` where it is a real name ("Ministry of Defence", "Saab Finland Oy"), else the legal
    name in readable case; never a PIC or a bare acronym ("UNIPV"), which only tells how to
    write that word."""
    if _is_full_name(other, legal):
        return readable_name(other)
    return readable_name(legal or other, _spellings(other))


def _is_full_name(other: str, legal: str) -> bool:
    """Whether the display name reads better than the legal name."""
    if not any(ch.isalpha() for ch in other):
        return False  # empty, or a number such as a PIC
    if not legal:
        return True
    if normalise_name(other) == normalise_name(legal):
        return any(ch.islower() for ch in other)  # the same name, as its owner writes it
    return sum(len(w) >= 4 and w.isalpha() for w in other.split()) >= 2


def _spellings(other: str) -> dict[str, str]:
    """How the display name writes its words: "MBDA" -> {"mbda": "MBDA"}."""
    words = other.split()
    if len(words) == 1 and other.isupper() and other.isalpha() and len(other) <= ACRONYM:
        return {other.casefold(): other}
    return {w.casefold(): w for w in words if w.isalpha() and not w.isupper()}


def organisation_record(row: dict[str, Any], evidence: dict[str, list[str]]) -> dict[str, Any]:
    """Map one companies.json row to an OrganisationIn dict."""
    key = str(row.get("pic") or "")
    identifiers = {"pic": key} if PIC.fullmatch(key) else {"source_key": f"edf:{key}"}
    legal = clean_name(row.get("legal_name") or row.get("name"))
    name = display_name(legal, clean_name(row.get("display_name") or row.get("business_name")))
    spellings = {
        clean_name(row.get(k)) for k in ("name", "legal_name", "display_name", "business_name")
    }
    aliases = sorted(n for n in spellings if n and n not in (name, legal) and not n.isdigit())
    caps = [
        {"code": code, "level": "evidenced", "evidence": "EDF projects: " + ", ".join(projs)}
        for code, projs in sorted(evidence.items())
    ]
    return {
        "name": name,
        "legal_name": legal or None,
        "aliases": aliases,
        "kind": organisation_kind(row, [n for n in (legal, name) if n]),
        "country": row.get("country") or "",
        "city": (row.get("city") or "").title() or None,
        "identifiers": identifiers,
        "capabilities": caps,
    }


def capability_evidence(projects: list[dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    """PIC -> capability code -> acronyms of the projects that evidence it."""
    evidence: dict[str, dict[str, list[str]]] = {}
    seen: set[str] = set()
    for project in projects:
        if project["project_id"] in seen:
            continue  # projects.json repeats some projects verbatim
        seen.add(project["project_id"])
        for code in call_capabilities(project):
            for participant in project.get("participants") or []:
                by_code = evidence.setdefault(str(participant.get("pic")), {})
                by_code.setdefault(code, []).append(project.get("acronym") or project["project_id"])
    return evidence


def import_edf(
    session: Session,
    folder: Path,
    *,
    skip_invalid: bool = False,
    imported_by: str = "cli",
    progress: Progress | None = None,
) -> ImportReport:
    """Import organisations then projects and participations, in the caller's transaction."""
    companies = load_json(folder / "companies.json")
    projects = load_json(folder / "projects.json")
    report = ImportReport(str(folder))
    audit.bulk(session, "import", f"EDF import from {folder}")
    source = Source(
        name="EDF projects and participants",
        kind="edf",
        location=str(folder),
        credit=CREDIT,
        imported_by=imported_by,
    )
    session.add(source)
    org_ids = _import_organisations(session, companies, projects, source, report, progress)
    _import_projects(session, projects, org_ids, source, report, progress)
    if not skip_invalid:
        report.raise_if_rejected()
    source.stats = report.to_dict()["counts"]
    report.publish()
    return report


def _import_organisations(
    session: Session,
    companies: list[dict[str, Any]],
    projects: list[dict[str, Any]],
    source: Source,
    report: ImportReport,
    progress: Progress | None,
) -> dict[str, int]:
    evidence = capability_evidence(projects)
    resolver = Resolver.from_session(session)
    org_ids: dict[str, int] = {}
    for index, row in enumerate(companies):
        ref = f"companies.json[{index}] (pic {row.get('pic')})"
        try:
            rec = parse(
                OrganisationIn, organisation_record(row, evidence.get(str(row.get("pic")), {})), ref
            )
            outcome = upsert(session, rec, source=source, resolver=resolver)
        except ValidationFailed as error:
            report.reject(ref, error.errors)
            continue
        report.counts[f"organisations_{outcome.action}"] += 1
        org_ids[str(row.get("pic"))] = outcome.org_id
        if progress:
            progress(1)
    return org_ids


def _import_projects(
    session: Session,
    projects: list[dict[str, Any]],
    org_ids: dict[str, int],
    source: Source,
    report: ImportReport,
    progress: Progress | None,
) -> None:
    stored = {
        (p.programme, p.external_id): p
        for p in session.scalars(
            select(Project).where(Project.programme.in_(["EDF", "ASAP", "EDIRPA"]))
        )
    }
    for index, row in enumerate(projects):
        ref = f"projects.json[{index}] (project {row.get('project_id')})"
        errors = _project_errors(ref, row, org_ids)
        if errors:
            report.reject(ref, errors)
            continue
        key = (programme_of(row["call_identifier"]), str(row["project_id"]))
        project = stored.get(key)
        if project is None:
            project = _new_project(key, row, source)
            session.add(project)
            session.flush()
            stored[key] = project
            report.counts["projects_created"] += 1
        elif project.source is source:
            report.counts["project_rows_repeated"] += 1
        else:
            report.counts["projects_unchanged"] += 1
        _link_participants(session, project, row, org_ids, source, report)
        if progress:
            progress(1)


def _project_errors(ref: str, row: dict[str, Any], org_ids: dict[str, int]) -> list[dict[str, str]]:
    errors = [
        field_error(ref, name, "is required")
        for name in ("project_id", "title", "call_identifier")
        if not row.get(name)
    ]
    for i, participant in enumerate(row.get("participants") or []):
        if str(participant.get("pic")) not in org_ids:
            errors.append(
                field_error(
                    ref,
                    f"participants.{i}.pic",
                    f"PIC {participant.get('pic')} is not in companies.json",
                )
            )
    return errors


def _parse_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _new_project(key: tuple[str, str], row: dict[str, Any], source: Source) -> Project:
    keywords = [k.strip() for kw in row.get("keywords") or [] for k in re.split(r"[;\n]", kw)]
    return Project(
        programme=key[0],
        external_id=key[1],
        acronym=row.get("acronym"),
        title=row["title"],
        objective=row.get("objective"),
        keywords=[k for k in keywords if k],
        call_identifier=row.get("call_identifier"),
        topic=row.get("topic"),
        type_of_action=row.get("type_of_action"),
        status=row.get("status"),
        start_date=_parse_date(row.get("start_date")),
        end_date=_parse_date(row.get("end_date")),
        eu_contribution=row.get("eu_contribution"),
        overall_budget=row.get("overall_budget"),
        source=source,
    )


def _link_participants(
    session: Session,
    project: Project,
    row: dict[str, Any],
    org_ids: dict[str, int],
    source: Source,
    report: ImportReport,
) -> None:
    linked = {p.organisation_id for p in project.participations}
    for participant in row.get("participants") or []:
        org_id = org_ids[str(participant["pic"])]
        if org_id in linked:
            continue
        project.participations.append(
            Participation(
                organisation_id=org_id, role=participant.get("role") or "participant", source=source
            )
        )
        linked.add(org_id)
        report.counts["participations_created"] += 1
