"""A small registry for API and web tests, written through the real writer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from filiera.db import Database
from filiera.registry.models import Membership, Participation, Project, Source
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert

CREDIT = "European Commission, Funding & Tenders portal / CORDIS, CC BY 4.0"
XSS = "<script>alert(1)</script>"

ORGANISATIONS = {
    "leonardo": {
        "name": "Leonardo S.p.A.",
        "kind": "prime",
        "country": "IT",
        "region": "ITI43",
        "city": "Roma",
        "identifiers": {"pic": "999880463"},
        "website": "https://www.leonardo.com",
        "descriptions": {
            "en": "Helicopters, electronics and space.",
            "it": "Elicotteri, elettronica e spazio.",
        },
        "capabilities": [
            {"code": "air.rotorcraft", "level": "evidenced", "evidence": "AW101 programme"},
            {"code": "electronics.radar", "level": "certified"},
        ],
        "certifications": [
            {"code": "en9100", "valid_from": "2022-01-01", "valid_until": "2030-12-31"}
        ],
    },
    "safran": {
        "name": "Safran SA",
        "kind": "prime",
        "country": "FR",
        "city": "Paris",
        "identifiers": {"pic": "999993856"},
        "descriptions": {"en": "Aircraft engines and equipment."},
        "capabilities": [{"code": "propulsion.aero_engines", "level": "evidenced"}],
    },
    "luxspace": {
        "name": "LuxSpace Sàrl",
        "kind": "sme",
        "country": "LU",
        "city": "Betzdorf",
        "capabilities": [{"code": "space.satellites"}],
        "certifications": [{"code": "iso9001"}],
    },
    "cluster": {
        "name": "Lombardia Aerospace Cluster",
        "kind": "cluster",
        "country": "IT",
        "region": "ITC4",
        "city": "Milano",
        "descriptions": {"it": "Il distretto aerospaziale lombardo."},
    },
    "polimi": {
        "name": "Politecnico di Milano",
        "kind": "university",
        "country": "IT",
        "region": "ITC4",
        "city": "Milano",
        "identifiers": {"pic": "999879881"},
        "capabilities": [{"code": "materials.composites"}, {"code": "space.earth_observation"}],
    },
    "aerosud": {
        "name": "Aero Sud Additive",
        "kind": "startup",
        "country": "IT",
        "region": "ITF3",
        "city": "Napoli",
        "synthetic": True,
        "capabilities": [{"code": "additive.metal"}],
    },
}


@dataclass
class Dataset:
    """Ids of the records `build` wrote."""

    orgs: dict[str, int]
    projects: dict[str, int]


def build(db: Database, extra: dict[str, dict] | None = None) -> Dataset:
    """Write the organisations, two EDF projects and cluster memberships into `db`."""
    db.ensure_ready()
    with db.session() as session:
        source = Source(name="EDF results", kind="edf", credit=CREDIT)
        session.add(source)
        resolver = Resolver.from_session(session)
        orgs = {}
        for key, record in {**ORGANISATIONS, **(extra or {})}.items():
            outcome = upsert(session, OrganisationIn(**record), source=source, resolver=resolver)
            orgs[key] = outcome.org_id
        epc = Project(
            programme="EDF",
            external_id="101103254",
            acronym="EPC",
            title="European Patrol Corvette",
            eu_contribution=60_000_000.0,
            start_date=date(2022, 12, 1),
            source=source,
        )
        space = Project(
            programme="EDF",
            external_id="101121414",
            acronym="SPACE-EYE",
            title="Space-based early warning",
            eu_contribution=25_500_000.0,
            start_date=date(2023, 11, 1),
            source=source,
        )
        session.add_all([epc, space])
        session.flush()
        for project, key, role in (
            (epc, "leonardo", "coordinator"),
            (epc, "safran", "participant"),
            (epc, "polimi", "participant"),
            (space, "leonardo", "participant"),
            (space, "safran", "coordinator"),
        ):
            session.add(
                Participation(
                    project_id=project.id, organisation_id=orgs[key], role=role, source=source
                )
            )
        for key in ("polimi", "aerosud"):
            session.add(
                Membership(
                    organisation_id=orgs[key],
                    cluster_id=orgs["cluster"],
                    since=date(2020, 1, 1),
                    source=source,
                )
            )
        session.flush()
        return Dataset(orgs, {"epc": epc.id, "space": space.id})
