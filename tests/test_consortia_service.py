"""Building and checking consortia for a viewer, on the demo database, and the
co-participation graph they rest on."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from filiera.access import accounts
from filiera.access.models import User
from filiera.access.viewer import Viewer, viewer_for
from filiera.consortia import checker, service
from filiera.consortia.graph import History, collaboration, edf_year, read_history
from filiera.consortia.schemas import BuildIn, BuildOut, CheckIn
from filiera.db import Database
from filiera.demo.load import load_demo
from filiera.errors import NotFound, ValidationFailed
from filiera.imports.h2020 import PARTICIPATIONS
from filiera.match.service import current_index
from filiera.registry.models import Organisation, Participation, Project, Source
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert
from support import BACKENDS
from support.pg_server import fresh_database

TEXT = "Counter-drone systems: radar detection and RF jamming to protect air bases"
HIDDEN_TEXT = "Quasarfield photonic radar: quasarfield antennas against drones"
# two real EDF participants (PICs) that share one shipped EDF project, EPIIC (101103592)
PIC_A, PIC_B, EPIIC = "888796451", "888812650", "101103592"
PIC_OMEGA = "912345678"  # in no shipped project
SCORES = {"relevance", "score", "parts"}
DRONES = "Counter-drone radar, RF jamming and detection of drones to protect air bases."


def org(name: str, country: str, kind: str = "sme", **extra) -> dict:
    return {
        "name": name,
        "kind": kind,
        "country": country,
        "descriptions": {"en": extra.pop("text", DRONES)},
        "capabilities": [{"code": "electronics.radar"}],
        **extra,
    }


ORGS = {
    "alpha": org("Alpha Radar Systems", "IT", "midcap", identifiers={"pic": PIC_A}),
    "beta": org("Beta Jamming", "FR", identifiers={"pic": PIC_B}),
    "gamma": org("Gamma Sensors", "DE"),
    "delta": org("Delta Detect", "ES"),
    "epsilon": org("Epsilon Air Defence", "NL", "prime"),
    "zeta": org("Zeta Counter-UAS", "BE"),
    "eta": org("Eta Drone Shield", "IT"),
    "yankee": org("Yankee Radar Works", "US"),
    "omega": org(  # off topic: fixed, it still coordinates
        "Omega Field Kitchens",
        "AT",
        text="Field kitchens and catering for troops.",
        identifiers={"pic": PIC_OMEGA},
    ),
}
HIDDEN = org(
    "Quasarfield Photonics",
    "IT",
    text="Quasarfield photonic radar: quasarfield antennas against drones.",
    visibility="restricted",
)


@dataclass
class Site:
    db: Database
    orgs: dict[str, int]
    member: Viewer  # acts for gamma
    admin: Viewer

    def build(self, viewer: Viewer | None = None, **fields) -> BuildOut:
        fields.setdefault("text", TEXT)
        fields.setdefault("rules", "edf")
        with self.db.session() as session:
            return service.build(session, viewer or self.admin, BuildIn(**fields))

    def check(self, viewer: Viewer | None = None, **fields):
        fields.setdefault("rules", "edf")
        with self.db.session() as session:
            return checker.check(session, viewer or self.admin, CheckIn(**fields))

    def ref(self, key: str) -> str:
        return str(self.orgs[key])


def add_orgs(db: Database, records: dict[str, dict]) -> dict[str, int]:
    with db.session() as session:
        source = Source(name="consortium tests", kind="manual")
        resolver = Resolver.from_session(session)
        return {
            key: upsert(session, OrganisationIn(**record), source=source, resolver=resolver).org_id
            for key, record in records.items()
        }


def add_projects(db: Database, orgs: dict[str, int]) -> None:
    """EPIIC again (as a registry import would hold it) and a project of the registry only."""
    with db.session() as session:
        source = Source(name="consortium tests", kind="edf")
        epiic = Project(
            programme="EDF", external_id=EPIIC, title="EPIIC", start_date=date(2022, 12, 1)
        )
        local = Project(
            programme="EDF", external_id="T-0001", title="Radar test bench", source=source
        )
        epiic.source = source
        session.add_all([epiic, local])
        session.flush()
        for project in (epiic, local):
            for key in ("alpha", "beta"):
                session.add(
                    Participation(
                        project_id=project.id,
                        organisation_id=orgs[key],
                        role="participant",
                        source=source,
                    )
                )


def make_site(url: str) -> Site:
    db = Database(url)
    db.upgrade()
    with db.session() as session:
        load_demo(session, synthetic=12, edf=None, h2020=None)  # no EU data: faster
    orgs = add_orgs(db, ORGS)
    add_projects(db, orgs)
    with db.session() as session:
        user = accounts.add_user(
            session,
            "gamma@example.invalid",
            "Gamma user",
            "a long enough password",
            role="member",
            org_ids=[orgs["gamma"]],
        )
        member = viewer_for(session, user)
        admin = viewer_for(
            session, session.scalar(select(User).where(User.email == "admin@filiera.demo"))
        )
    return Site(db, orgs, member, admin)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    BACKENDS["sqlite"] = "ran"
    made = make_site(f"sqlite:///{tmp_path_factory.mktemp('consortia')}/service.db")
    yield made
    made.db.dispose()


def ids(consortium) -> list[int]:
    return [m.org_id for m in consortium.members]


# --- building -----------------------------------------------------------------------------


def test_edf_build_keeps_every_rule_and_the_fixed_and_excluded_partners(site: Site) -> None:
    first = site.build(**{"with": [PIC_OMEGA]}, size_min=4, size_max=6)
    assert first.consortia and first.rules["name"] == "edf"
    for consortium in first.consortia:
        assert consortium.ok and all(rule.ok for rule in consortium.rules)
        assert {r.rule for r in consortium.rules} == {
            "established_in",
            "not_controlled_from_outside",
            "min_countries",
            "min_independent_entities",
        }
        assert 4 <= len(consortium.members) <= 6
        coordinator = consortium.members[0]
        assert coordinator.org_id == site.orgs["omega"] and coordinator.role == "coordinator"
        assert coordinator.fixed and "locked by you" in coordinator.reasons
        assert coordinator.relevance < max(m.relevance for m in consortium.members)
        assert all(m.role == "participant" for m in consortium.members[1:])
        assert site.orgs["yankee"] not in ids(consortium)  # established in the US
    unwanted = ids(first.consortia[0])[1]
    second = site.build(**{"with": [PIC_OMEGA]}, without=[str(unwanted)], size_min=4, size_max=6)
    for consortium in second.consortia:
        assert unwanted not in ids(consortium)
        assert consortium.members[0].org_id == site.orgs["omega"]
        assert all(rule.ok for rule in consortium.rules)


def test_alternatives_differ_and_say_what_changed(site: Site) -> None:
    out = site.build(size_min=3, size_max=5, alternatives=3, differ=2)
    assert len(out.consortia) == 3
    first = set(ids(out.consortia[0]))
    for consortium in out.consortia[1:]:
        assert len(first - set(ids(consortium))) >= 2
        assert consortium.changed == [m.name for m in consortium.members if m.org_id not in first]
        assert consortium.score <= out.consortia[0].score + 1e-9


def test_explanations_name_shared_projects(site: Site) -> None:
    out = site.build(**{"with": [site.ref("alpha"), site.ref("beta")]}, size_min=3, size_max=4)
    alpha, beta = out.consortia[0].members[:2]
    assert (alpha.org_id, beta.org_id) == (site.orgs["alpha"], site.orgs["beta"])
    assert "worked with Beta Jamming (2 project(s) in common)" in alpha.reasons
    assert "worked with Alpha Radar Systems (2 project(s) in common)" in beta.reasons
    italian = site.build(
        **{"with": [site.ref("alpha"), site.ref("beta")]}, size_max=4, explain_lang="it"
    )
    assert "ha già lavorato con Beta Jamming (2 progetti in comune)" in (
        italian.consortia[0].members[0].reasons
    )


def test_a_partner_outside_the_eligible_countries_cannot_be_fixed(site: Site) -> None:
    with pytest.raises(ValidationFailed) as caught:
        site.build(**{"with": [site.ref("alpha"), site.ref("yankee")]})
    (error,) = caught.value.errors
    assert error["field"] == "with"
    assert "Yankee Radar Works cannot take part under European Defence Fund" in error["message"]
    assert (
        "established outside the eligible countries: Yankee Radar Works (US)" in (error["message"])
    )


def test_a_size_the_rules_cannot_meet_is_refused(site: Site) -> None:
    with pytest.raises(ValidationFailed) as caught:
        site.build(size_max=2)
    (error,) = caught.value.errors
    assert error["field"] == "size_max"
    assert "need at least 3 partners" in error["message"]


def test_an_impossible_request_names_what_makes_it_impossible(site: Site) -> None:
    """Two Italian partners fixed in a consortium of three: not three countries."""
    with pytest.raises(ValidationFailed) as caught:
        site.build(**{"with": [site.ref("alpha"), site.ref("eta")]}, size_min=3, size_max=3)
    assert caught.value.code == "no_consortium"
    fields = {error["field"]: error["message"] for error in caught.value.errors}
    assert fields == {
        "size_max": "the size 3 to 3 is what makes it impossible",
        "rules": "rule min_countries (Art. 10(4)) cannot be met by the partners "
        "you fixed and the organisations available to you",
    }


# --- confidentiality ----------------------------------------------------------------------


def without_scores(value: Any) -> Any:
    """The answer with its relevance figures blanked: BM25's corpus statistics (IDF, mean
    length) count every profile, so a hidden one moves scores in the fourth decimal; the
    match non-interference test leaves them out the same way."""
    if isinstance(value, dict):
        return {k: "<score>" if k in SCORES else without_scores(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_scores(v) for v in value]
    if isinstance(value, str):
        return re.sub(r"score \d+\.\d+", "score <score>", value)
    return value


def scores(value: Any) -> list[float]:
    """Every relevance figure of an answer, in order."""
    if isinstance(value, list):
        return [x for v in value for x in scores(v)]
    if not isinstance(value, dict):
        return []
    found = []
    for key, inner in value.items():
        if key in ("relevance", "score") and isinstance(inner, float):
            found.append(inner)
        else:
            found.extend(scores(inner))
    return found


def test_a_hidden_organisation_is_never_proposed_nor_felt(site: Site) -> None:
    query = {"text": HIDDEN_TEXT, "size_min": 3, "size_max": 5}
    before = site.build(site.member, **query).model_dump(mode="json")
    hidden = add_orgs(site.db, {"hidden": HIDDEN})["hidden"]
    try:
        after = site.build(site.member, **query).model_dump(mode="json")
        assert json.dumps(without_scores(after), sort_keys=True) == json.dumps(
            without_scores(before), sort_keys=True
        )
        moved = [abs(x - y) for x, y in zip(scores(after), scores(before), strict=True)]
        assert max(moved) < 0.01
        assert all(hidden not in ids(c) for c in site.build(site.member, **query).consortia)
        seen = site.build(site.admin, **query)  # an admin sees it: it is worth proposing
        assert hidden in ids(seen.consortia[0])
        for refs in ([str(hidden)], ["999999"]):
            with pytest.raises(NotFound) as caught:
                site.build(site.member, **query, **{"with": refs})
            assert caught.value.errors[0]["field"] == "with"
            assert caught.value.message == (
                f"no organisation {refs[0]!r} (give its id or its 9-digit PIC)"
            )
            with pytest.raises(NotFound):
                site.check(site.member, members=[site.ref("gamma"), *refs])
    finally:
        with site.db.session() as session:
            session.delete(session.get(Organisation, hidden))


# --- checking -----------------------------------------------------------------------------


def test_check_of_a_two_country_consortium_names_the_broken_rule(site: Site) -> None:
    out = site.check(members=[site.ref("alpha"), site.ref("eta"), site.ref("beta")])
    assert not out.ok
    assert [r.rule for r in out.rules if not r.ok] == ["min_countries"]
    (violation,) = out.violations
    assert violation == "2 countries (FR, IT); at least 3 needed"
    assert out.countries == {"IT": 2, "FR": 1}
    assert out.funding is not None and out.funding["article"] == "Art. 13(3)-(4)"
    alpha = out.members[0]
    assert alpha.role == "coordinator"
    assert alpha.reasons == ["worked with Beta Jamming (2 project(s) in common)"]


def test_check_of_a_good_consortium_with_cost_shares(site: Site) -> None:
    members = [site.ref("alpha"), site.ref("beta"), site.ref("gamma")]
    out = site.check(members=members, shares={members[0]: 80, members[1]: 10, members[2]: 10})
    assert out.ok and not out.violations
    assert out.funding["assumed_equal_shares"] is False
    assert out.funding["sme_share"] == 20.0  # beta and gamma are SMEs
    research = site.check(members=members, rule_params={"action": "research"})
    assert research.funding["applies"] is False


# --- the co-participation graph -----------------------------------------------------------


def test_read_history_keeps_projects_up_to_a_year(tmp_path: Path) -> None:
    projects = [
        {"project_id": 1, "call_identifier": "EDF-2021-AIR-D", "pics": ["A", "B"]},
        {
            "project_id": 2,
            "call_identifier": "EDF-2023-DIS",
            "participants": [{"pic": "A"}, {"pic": "C"}],
        },
        {"project_id": 3, "call_identifier": "ASAP", "start_date": "2022-03-01", "pics": ["C"]},
        {"project_id": 4, "call_identifier": "", "pics": ["B"]},  # no year at all
    ]
    with gzip.open(tmp_path / PARTICIPATIONS, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["rcn", "pic", "start_year"])
        writer.writeheader()
        writer.writerows(
            [
                {"rcn": "77", "pic": "A", "start_year": "2019"},
                {"rcn": "77", "pic": "C", "start_year": "2019"},
                {"rcn": "88", "pic": "B", "start_year": "2024"},
            ]
        )
    assert edf_year(projects[2]) == 2022 and edf_year(projects[3]) is None
    everything = read_history(projects, tmp_path)
    assert everything.projects_of["A"] == {("EDF", "1"), ("EDF", "2"), ("H2020", "77")}
    assert everything.projects_of["B"] == {("EDF", "1"), ("EDF", "4"), ("H2020", "88")}
    until = read_history(projects, tmp_path, until_year=2022)
    assert until.projects_of == {
        "A": {("EDF", "1"), ("H2020", "77")},
        "B": {("EDF", "1")},
        "C": {("EDF", "3"), ("H2020", "77")},
    }
    assert set(until.year_of.values()) == {2019, 2021, 2022}
    assert read_history(projects, None).projects_of["C"] == {("EDF", "2"), ("EDF", "3")}


def test_collaboration_counts_a_project_once_from_both_sources(site: Site) -> None:
    with site.db.session() as session:
        index = current_index(session)
    a, b, c = (index.position(site.orgs[k]) for k in ("alpha", "beta", "gamma"))
    history = History(
        projects_of={
            PIC_A: {("EDF", EPIIC), ("H2020", "5")},
            PIC_B: {("EDF", EPIIC), ("H2020", "5"), ("H2020", "6")},
        }
    )
    links = collaboration(index, [a, b, c], history)
    # EPIIC (registry and shipped), T-0001 (registry), H2020 5 (shipped)
    assert links.pair(a, b) == links.pair(b, a) == 3
    assert links.history(a) == 3 and links.history(b) == 4 and links.history(c) == 0
    assert links.partners_of(a, [a, b, c]) == [(b, 3)]
    shipped = collaboration(index, [a, b])  # the EU data that ships with Filiera
    assert shipped.pair(a, b) == 2  # EPIIC once, T-0001
    assert ("EDF", EPIIC) in shipped.projects_of[a]


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.postgres
def test_build_and_check_on_postgresql(pg_url: str) -> None:
    with fresh_database(pg_url, prefix="consortia_service") as url:
        pg = make_site(url)
        try:
            out = pg.build(pg.member, **{"with": [pg.ref("gamma")]}, size_min=3, size_max=5)
            for consortium in out.consortia:
                assert all(rule.ok for rule in consortium.rules)
                assert consortium.members[0].org_id == pg.orgs["gamma"]
            checked = pg.check(members=[pg.ref("alpha"), pg.ref("eta"), pg.ref("beta")])
            assert [r.rule for r in checked.rules if not r.ok] == ["min_countries"]
        finally:
            pg.db.dispose()
