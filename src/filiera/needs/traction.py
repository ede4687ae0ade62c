"""Why an organisation fits a thesis beyond its text: its start-up profile and its traction.

Each reason is a dict like the matchmaking's (`match.explain`): a `kind`, the facts and a
`text` sentence in the reader's language (en, it, fr, de). Traction is read from the
registry for the results shown only: the organisation's projects (how many, its own EU
funding where the source gives it, the most relevant one), its partners (distinct
co-participants the viewer may see, the best known first) and its current certifications.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.match.explain import KIND_LABELS
from filiera.match.index import MatchIndex
from filiera.needs.prior import Prior
from filiera.registry.models import Certification, Organisation, Participation

MAX_PARTNERS = 3
MAX_CERTIFICATIONS = 4
LANGS = ("en", "it", "fr", "de")
TEXTS = {
    "founded": ("founded in {year}", "fondata nel {year}", "fondée en {year}", "gegründet {year}"),
    "employees": (
        "{count} employees",
        "{count} dipendenti",
        "{count} salariés",
        "{count} Beschäftigte",
    ),
    "employee": ("1 employee", "1 dipendente", "1 salarié", "1 Beschäftigte(r)"),
    "stage": (
        "Stage {stage} (estimated from age and size): {verdict}",
        "Fase {stage} (stimata da età e dimensioni): {verdict}",
        "Stade {stage} (estimé d'après l'âge et la taille) : {verdict}",
        "Phase {stage} (geschätzt aus Alter und Größe): {verdict}",
    ),
    "in": (
        "one the thesis funds",
        "tra quelle della tesi",
        "parmi ceux de la thèse",
        "eine der Phasen der These",
    ),
    "near": (
        "next to those the thesis funds",
        "vicina a quelle della tesi",
        "proche de ceux de la thèse",
        "neben den Phasen der These",
    ),
    "out": (
        "outside those the thesis funds",
        "fuori da quelle della tesi",
        "hors de ceux de la thèse",
        "außerhalb der Phasen der These",
    ),
    "projects": (
        "Traction: {count} funded projects",
        "Trazione: {count} progetti finanziati",
        "Traction : {count} projets financés",
        "Traktion: {count} geförderte Projekte",
    ),
    "project": (
        "Traction: 1 funded project",
        "Trazione: 1 progetto finanziato",
        "Traction : 1 projet financé",
        "Traktion: 1 gefördertes Projekt",
    ),
    "funding": (
        "EUR {amount} of EU funding",
        "{amount} EUR di fondi UE",
        "{amount} EUR de financement UE",
        "{amount} EUR EU-Förderung",
    ),
    "best": (
        "most relevant: {title}",
        "il più pertinente: {title}",
        "le plus pertinent : {title}",
        "am passendsten: {title}",
    ),
    "partners": (
        "Partners: {count} in its projects, among them {names}",
        "Partner: {count} nei suoi progetti, tra cui {names}",
        "Partenaires : {count} dans ses projets, dont {names}",
        "Partner: {count} in seinen Projekten, darunter {names}",
    ),
    "partner": (
        "Partner in its projects: {names}",
        "Partner nei suoi progetti: {names}",
        "Partenaire dans ses projets : {names}",
        "Partner in seinen Projekten: {names}",
    ),
    "certifications": (
        "Certifications: {codes}",
        "Certificazioni: {codes}",
        "Certifications : {codes}",
        "Zertifizierungen: {codes}",
    ),
}
STAGE_NAMES = {
    "pre_seed": ("pre-seed", "pre-seed", "pré-amorçage", "Pre-Seed"),
    "seed": ("seed", "seed", "amorçage", "Seed"),
    "series_a": ("Series A", "Serie A", "série A", "Serie A"),
    "series_b": ("Series B", "Serie B", "série B", "Serie B"),
    "growth": ("growth", "crescita", "croissance", "Wachstum"),
    "buyout": ("buyout", "buyout", "rachat", "Buy-out"),
}


SINGULAR = {
    "employees": "employee",
    "projects": "project",
    "partners": "partner",
}  # the form for a count of 1


def say(key: str, lang: str, **values: object) -> str:
    if values.get("count") == 1:
        key = SINGULAR.get(key, key)
    return TEXTS[key][LANGS.index(lang) if lang in LANGS else 0].format(**values)


@dataclass
class Traction:
    """What the registry shows of one organisation's track: projects, partners, awards."""

    projects: int = 0
    eu_funding: float | None = None  # its own EU contribution, where the source gives it
    best_project: dict | None = None  # {project_id, acronym, title, year}
    partners: int = 0  # distinct co-participants the viewer may see
    best_partners: list[dict] = field(default_factory=list)  # [{id, name, projects}]
    certifications: list[str] = field(default_factory=list)


def read_traction(
    session: Session, viewer: Viewer, index: MatchIndex, scores: np.ndarray, positions: list[int]
) -> dict[int, Traction]:
    """position -> Traction of the organisations at `positions`; `scores` are the query's
    project scores (index project position -> score), naming the most relevant project."""
    ids = {int(index.org_ids[p]): p for p in positions}
    out = {p: Traction() for p in positions}
    if not ids:
        return out
    stmt = (
        select(
            Participation.organisation_id,
            func.count(func.distinct(Participation.project_id)),
            func.sum(Participation.contribution),
        )
        .where(Participation.organisation_id.in_(ids))
        .group_by(Participation.organisation_id)
    )
    for org_id, count, funding in session.execute(stmt):
        out[ids[org_id]].projects = int(count)
        out[ids[org_id]].eu_funding = float(funding) if funding else None
    for pos in positions:
        out[pos].best_project = _best_project(index, scores, pos)
    _partners(session, viewer, ids, out)
    _certifications(session, ids, out)
    return out


def _best_project(index: MatchIndex, scores: np.ndarray, pos: int) -> dict | None:
    """The organisation's project that best matches the thesis (None when none does)."""
    projects = index.part_project[index.part_org == pos]
    if not len(projects) or float(scores[projects].max()) <= 0:
        return None
    info = index.projects[int(projects[int(np.argmax(scores[projects]))])]
    return {"project_id": info.id, "acronym": info.acronym, "title": info.title, "year": info.year}


def _partners(session: Session, viewer: Viewer, ids: dict[int, int], out: dict) -> None:
    """Distinct co-participants the viewer may see, the best known (most projects) first."""
    mine, theirs = aliased(Participation), aliased(Participation)
    stmt = (
        select(mine.organisation_id, theirs.organisation_id)
        .join(theirs, theirs.project_id == mine.project_id)
        .where(
            mine.organisation_id.in_(ids),
            theirs.organisation_id != mine.organisation_id,
            theirs.organisation_id.in_(policy.visible_org_ids(viewer)),
        )
        .distinct()
    )
    partners: dict[int, set[int]] = defaultdict(set)
    for org_id, partner_id in session.execute(stmt):
        partners[org_id].add(partner_id)
    everyone = set().union(*partners.values()) if partners else set()
    if not everyone:
        return
    known = (
        select(
            Organisation.id,
            Organisation.name,
            func.count(func.distinct(Participation.project_id)),
        )
        .join(Participation, Participation.organisation_id == Organisation.id)
        .where(Organisation.id.in_(everyone))
        .group_by(Organisation.id, Organisation.name)
    )
    facts = {
        i: {"id": i, "name": name, "projects": int(n)} for i, name, n in session.execute(known)
    }
    for org_id, found in partners.items():
        ranked = sorted(found, key=lambda i: (-facts[i]["projects"], facts[i]["name"], i))
        out[ids[org_id]].partners = len(found)
        out[ids[org_id]].best_partners = [facts[i] for i in ranked[:MAX_PARTNERS]]


def _certifications(session: Session, ids: dict[int, int], out: dict) -> None:
    """Current certifications (not past their validity), by code."""
    today = date.today()
    stmt = (
        select(Certification.organisation_id, Certification.code)
        .where(
            Certification.organisation_id.in_(ids),
            (Certification.valid_until.is_(None)) | (Certification.valid_until >= today),
        )
        .distinct()
        .order_by(Certification.organisation_id, Certification.code)
    )
    for org_id, code in session.execute(stmt):
        out[ids[org_id]].certifications.append(code)


# --- the reasons -------------------------------------------------------------------------------


def reasons(kind: str, prior: Prior, traction: Traction, lang: str) -> list[dict]:
    """The thesis reasons of one organisation, in `lang`: profile, stage, traction."""
    out = [_profile(kind, prior, lang)]
    if prior.stage is not None and prior.stage_fit is not None:
        out.append(_stage(prior, lang))
    if traction.projects:
        out.append(_projects(traction, lang))
    if traction.partners:
        out.append(_partners_reason(traction, lang))
    if traction.certifications:
        codes = traction.certifications[:MAX_CERTIFICATIONS]
        out.append(
            {
                "kind": "certifications",
                "codes": codes,
                "text": say("certifications", lang, codes=", ".join(codes)),
            }
        )
    return out


def _profile(kind: str, prior: Prior, lang: str) -> dict:
    at = LANGS.index(lang) if lang in LANGS else 0
    label = KIND_LABELS[kind][at] if kind in KIND_LABELS else kind
    clauses = [label[:1].upper() + label[1:]]
    if prior.founded_year is not None:
        clauses.append(say("founded", lang, year=prior.founded_year))
    if prior.employees is not None:
        clauses.append(say("employees", lang, count=prior.employees))
    return {
        "kind": "startup",
        "org_kind": kind,
        "founded_year": prior.founded_year,
        "employees": prior.employees,
        "weight": prior.value,
        "parts": {"kind": prior.kind, "age": prior.age, "size": prior.size},
        "text": ", ".join(clauses),
    }


def _stage(prior: Prior, lang: str) -> dict:
    at = LANGS.index(lang) if lang in LANGS else 0
    return {
        "kind": "stage",
        "stage": prior.stage,
        "derived": True,
        "fit": prior.stage_fit,
        "weight": prior.stage_score,
        "text": say(
            "stage",
            lang,
            stage=STAGE_NAMES[prior.stage][at],
            verdict=say(prior.stage_fit, lang),
        ),
    }


def _projects(traction: Traction, lang: str) -> dict:
    text = say("projects", lang, count=traction.projects)
    if traction.eu_funding:
        text += "; " + say("funding", lang, amount=_thousands(traction.eu_funding, lang))
    if traction.best_project:
        text += "; " + say("best", lang, title=traction.best_project["title"])
    return {
        "kind": "traction",
        "projects": traction.projects,
        "eu_funding": traction.eu_funding,
        "best_project": traction.best_project,
        "text": text,
    }


def _partners_reason(traction: Traction, lang: str) -> dict:
    names = ", ".join(p["name"] for p in traction.best_partners)
    return {
        "kind": "partners",
        "partners": traction.partners,
        "best_known": traction.best_partners,
        "text": say("partners", lang, count=traction.partners, names=names),
    }


def _thousands(value: float, lang: str) -> str:
    """`450000` as `450,000` (en), `450.000` (it, de) or `450 000` (fr)."""
    grouped = f"{value:,.0f}"
    return grouped.replace(",", {"it": ".", "de": ".", "fr": "\u202f"}.get(lang, ","))
