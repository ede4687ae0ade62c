"""Load the bundled demo: the real EU data shipped in the package (EDF participants and
projects, their Horizon 2020 security research), the news-based ecosystem, synthetic fill."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera import yamlfile
from filiera.access import audit
from filiera.access.policy import narrower
from filiera.demo.access import DEMO_PASSWORD, load_demo_access
from filiera.demo.capacity import load_demo_capacity
from filiera.demo.consortia import load_demo_consortia
from filiera.demo.events import load_demo_events
from filiera.demo.needs import load_demo_needs
from filiera.demo.news import load_demo_news
from filiera.imports.data import EDF_DIR, H2020_DIR
from filiera.imports.edf import import_edf
from filiera.imports.h2020 import import_h2020
from filiera.registry.models import Membership, Organisation, Person, PersonRole, Relation, Source
from filiera.registry.names import normalise_name
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn, parse
from filiera.registry.writer import upsert
from filiera.synth import load_synthetic

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"
ORG_FIELDS = set(OrganisationIn.model_fields)
CLUSTER_REGIONS = {
    "luxdefence": ("LU",),
    "lombardia_aerospace_cluster": ("ITC4",),
    "distretto_aerospaziale_piemonte": ("ITC1",),
}


@cache
def demo_data() -> dict[str, Any]:
    return yamlfile.safe_load(DEMO_FILE.read_text(encoding="utf-8"))


def load_demo(
    session: Session,
    *,
    synthetic: int = 600,
    edf: Path | None = EDF_DIR,
    h2020: Path | None = H2020_DIR,
) -> dict[str, Any]:
    """Load everything once; a second call finds the demo source and does nothing.

    `edf` and `h2020` are the folders of the real EU data, by default the copies shipped in
    the package (`filiera.imports.data`); None skips that part.
    """
    if session.scalar(select(Source.id).where(Source.kind == "demo")) is not None:
        return {"status": "already loaded"}
    audit.bulk(session, "import", "demo dataset")
    summary: dict[str, Any] = {"edf": _load_edf(session, edf)}
    sources: dict[str, Source] = {}
    keys = _load_organisations(session, demo_data()["organisations"], sources)
    summary["organisations"] = len(keys)
    summary["people"] = _load_people(session, demo_data().get("people", []), keys, sources)
    summary["memberships"] = _load_memberships(session, demo_data(), keys, sources)
    summary["relations"] = _load_relations(session, demo_data().get("relations", []), keys, sources)
    summary["h2020"] = _load_h2020(session, h2020)
    if synthetic:
        summary["synthetic"] = synthetic
        summary["synthetic_cluster_members"] = _load_synthetic(session, synthetic, keys)
    summary["access"] = load_demo_access(session, keys)
    summary["needs"] = load_demo_needs(session, keys)
    summary["consortia"] = load_demo_consortia(session, demo_data(), keys, DEMO_PASSWORD)
    summary["events"] = load_demo_events(session, keys)
    summary["capacity"] = load_demo_capacity(session, keys)
    summary["news"] = load_demo_news(session, demo_data(), keys)
    return summary


def _source(sources: dict[str, Source], session: Session, ref: str | None) -> Source:
    ref = ref or "public knowledge"
    if ref not in sources:
        seed = ref.removeprefix("seed:")
        name = f"news article {seed}" if ref.startswith("seed:") else "public knowledge"
        sources[ref] = Source(
            name=f"Filiera demo dataset: {name}",
            kind="demo",
            location=ref,
            credit="Written by the Filiera contributors from the cited news (Apache-2.0)",
        )
        session.add(sources[ref])
    return sources[ref]


def _load_edf(session: Session, folder: Path | None) -> str | dict[str, int]:
    if folder is None:
        return "skipped: no EDF folder given"
    if not (folder / "companies.json").exists():
        return f"skipped: {folder} not found"
    report = import_edf(session, folder, skip_invalid=True, imported_by="demo")
    return dict(report.counts)


def _load_h2020(session: Session, folder: Path | None) -> str | dict[str, int]:
    """Horizon 2020 security research projects of the organisations now in the registry."""
    if folder is None:
        return "skipped: no Horizon 2020 folder given"
    if not (folder / "h2020_participations.csv.gz").exists():
        return f"skipped: {folder} not found"
    report = import_h2020(session, folder, imported_by="demo")
    return dict(report.counts)


def organisation_record(row: dict[str, Any]) -> dict[str, Any]:
    """A demo.yaml organisation as an OrganisationIn dict."""
    record = {k: v for k, v in row.items() if k in ORG_FIELDS}
    if "description" in row:
        record["descriptions"] = row["description"]
    return record


def _load_organisations(
    session: Session, rows: list[dict[str, Any]], sources: dict[str, Source]
) -> dict[str, int]:
    resolver = Resolver.from_session(session)
    keys: dict[str, int] = {}
    for index, row in enumerate(rows):
        rec = parse(OrganisationIn, organisation_record(row), f"demo.yaml organisations[{index}]")
        source = _source(sources, session, row.get("source"))
        outcome = upsert(session, rec, source=source, resolver=resolver)
        if outcome.action == "merged":
            _prefer_curated_name(session.get(Organisation, outcome.org_id), rec.name)
        keys[row["key"]] = outcome.org_id
    return keys


def _prefer_curated_name(org: Organisation, name: str) -> None:
    """An imported record the demo describes takes the demo's name ("Leonardo S.p.A."); the
    imported name stays an alias (the merge has made the demo's name one: they swap)."""
    curated = next((a for a in org.aliases if a.name == name), None)
    if curated is None or org.name == name:
        return
    curated.name, curated.name_key, org.name = org.name, org.name_key, name
    org.name_key = normalise_name(name)


def _load_people(session, rows, keys, sources) -> int:
    """People with their roles; each no more visible than any organisation of their roles."""
    for row in rows:
        person = Person(name=row["name"], source=_source(sources, session, row.get("source")))
        person.visibility = row.get("visibility", "public")
        for role in row.get("roles", []):
            org = session.get(Organisation, keys[role["org"]])
            person.visibility = narrower(person.visibility, org.visibility or "public")
            since = role.get("since") or role.get("as_of")
            person.roles.append(
                PersonRole(
                    organisation_id=keys[role["org"]],
                    title=role["title"],
                    since=since if isinstance(since, dt.date) else None,
                    source=person.source,
                )
            )
        session.add(person)
    return len(rows)


def _load_memberships(session, data, keys, sources) -> int:
    seen: set[tuple[int, int]] = set()
    for row in data.get("memberships", []):
        pair = (keys[row["org"]], keys[row["cluster"]])
        if pair in seen or pair[0] == pair[1]:
            continue
        seen.add(pair)
        session.add(
            Membership(
                organisation_id=pair[0],
                cluster_id=pair[1],
                role=row.get("role", "member"),
                since=row.get("since"),
                until=row.get("until"),
                source=_source(sources, session, row.get("source")),
            )
        )
    session.flush()
    return len(seen)


def _load_relations(session, rows, keys, sources) -> int:
    for row in rows:
        session.add(
            Relation(
                kind=row["kind"],
                source_org_id=keys[row["source"]],
                target_org_id=keys[row["target"]],
                date=row.get("date"),
                description=row.get("description"),
                reference=row.get("source_ref"),
                source=_source(sources, session, row.get("source_ref")),
            )
        )
    return len(rows)


def _load_synthetic(session: Session, count: int, keys: dict[str, int]) -> int:
    """Fictional organisations; those in a cluster's region join it (as synthetic members)."""
    load_synthetic(session, count, seed=2025)
    session.flush()
    rows = session.execute(
        select(Organisation.id, Organisation.country, Organisation.region).where(
            Organisation.synthetic.is_(True)
        )
    )
    joined = 0
    for org_id, country, region in rows:
        for cluster, prefixes in CLUSTER_REGIONS.items():
            if cluster in keys and any((region or country).startswith(p) for p in prefixes):
                session.add(Membership(organisation_id=org_id, cluster_id=keys[cluster]))
                joined += 1
    return joined
