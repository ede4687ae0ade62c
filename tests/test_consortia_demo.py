"""The demo's consortium data (issue 11): three calls with their credit, each buildable into
consortia that satisfy its rules, and a draft bid whose partners pass the regional rules.

The demo is loaded once per backend with the EU data shipped in the package (about 25 s);
the rule checks here are recomputed from the database, not read back from the builder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from filiera.access import accounts
from filiera.access.viewer import Viewer, viewer_for
from filiera.consortia import bids, checker, rules, service
from filiera.consortia.models import Bid, Call
from filiera.consortia.schemas import BuildIn, BuildOut, CheckIn
from filiera.db import Database
from filiera.demo.access import DEMO_PASSWORD
from filiera.demo.consortia import LOMBARDIA_MANAGER
from filiera.demo.load import demo_data
from filiera.errors import NotFound
from filiera.imports.data import EDF_DIR
from filiera.registry.models import Organisation
from filiera.settings import Settings
from support.demo_copy import DemoCopy

FT_CREDIT = "European Commission, Funding & Tenders portal, CC BY 4.0"
REGIONS = ("ITC4", "ITC1", "ITC3")
EDF_COUNTRIES = set(rules.load("edf").params["eligible_countries"])
LOMBARDIA = LOMBARDIA_MANAGER["email"]


@pytest.fixture(scope="module")
def demo_db(demo_copy: DemoCopy) -> Iterator[Database]:
    db = Database(demo_copy.url)
    summary = demo_copy.summary
    assert summary["consortia"] == {"calls": 3, "bids": 1, "bid_partners": 6}
    yield db
    db.dispose()


def _viewer(session, email: str) -> Viewer:
    return viewer_for(session, accounts.get_user(session, email))


def _calls(session) -> dict[str, Call]:
    return {call.identifier: call for call in session.scalars(select(Call))}


def _author(identifier: str) -> str:
    """The demo account that published the call, from demo.yaml."""
    return next(c["by"] for c in demo_data()["calls"] if c["identifier"] == identifier)


@pytest.fixture(scope="module")
def proposals(demo_db: Database) -> dict[str, BuildOut]:
    """Three alternatives per call, built by the account that published it."""
    out = {}
    with demo_db.session() as session:
        for identifier, call in _calls(session).items():
            viewer = _viewer(session, _author(identifier))
            out[identifier] = service.build(session, viewer, BuildIn(call_id=call.id))
    return out


# --- the calls ----------------------------------------------------------------------------


def test_three_calls_with_their_credit_and_owners(demo_db: Database) -> None:
    with demo_db.session() as session:
        calls = _calls(session)
        assert set(calls) == {
            "EDF-2024-DA-C4ISR-SEEU-STEP",
            "EDF-2024-RA-GROUND-IWAS",
            "DEMO-LPL-2026-01",
        }
        for identifier, call in calls.items():
            author = _viewer(session, _author(identifier))
            assert call.owner_id in author.org_ids  # the account acts for the owner
            assert call.created_by == author.user_id and call.status == "open"
            assert call.credit and call.capabilities and call.work_packages
        seeu, iwas = calls["EDF-2024-DA-C4ISR-SEEU-STEP"], calls["EDF-2024-RA-GROUND-IWAS"]
        for call in (seeu, iwas):
            assert FT_CREDIT in " ".join(call.credit.split()) and call.rules == "edf"
            assert call.lang == "en" and "not the official topic text" in call.credit
        assert (seeu.rule_params["action"], iwas.rule_params["action"]) == (
            "development",
            "research",
        )
        assert (seeu.owner.name, iwas.owner.name) == (
            "LuxDefence a.s.b.l.",
            "Directorate of Defence of Luxembourg",
        )
        regional = calls["DEMO-LPL-2026-01"]
        assert regional.owner.name == "Lombardia Aerospace Cluster"
        assert regional.rules == "regional" and regional.lang == "it"
        assert tuple(regional.rule_params["regions"]) == REGIONS
        assert "non è un bando reale" in " ".join(regional.credit.split())


def test_edf_calls_name_real_2024_topics_of_the_shipped_data() -> None:
    projects = json.loads((EDF_DIR / "projects.json").read_text(encoding="utf-8"))
    topics = {p["topic"] for p in projects}
    for call in demo_data()["calls"]:
        if call["rules"] == "edf":
            assert call["identifier"] in topics and call["identifier"].startswith("EDF-2024-")


def test_lombardia_manager_acts_for_the_cluster(demo_db: Database) -> None:
    with demo_db.session() as session:
        viewer = _viewer(session, LOMBARDIA)
        assert viewer.role == "cluster_manager"
        cluster = session.get(Organisation, next(iter(viewer.org_ids)))
        assert cluster.name == "Lombardia Aerospace Cluster" and len(viewer.org_ids) == 1
        user_id = viewer.user_id
    # it signs in with the demo password, like every demo account
    signed_in = accounts.authenticate(demo_db, Settings(), LOMBARDIA, DEMO_PASSWORD, "127.0.0.1")
    assert signed_in == user_id


# --- building for each call ---------------------------------------------------------------


def _members(session, consortium) -> list[Organisation]:
    return [session.get(Organisation, m.org_id) for m in consortium.members]


@pytest.mark.parametrize(
    "identifier",
    ["EDF-2024-DA-C4ISR-SEEU-STEP", "EDF-2024-RA-GROUND-IWAS", "DEMO-LPL-2026-01"],
)
def test_each_call_builds_consortia_that_satisfy_its_rules(
    demo_db: Database, proposals: dict[str, BuildOut], identifier: str
) -> None:
    out = proposals[identifier]
    assert len(out.consortia) >= 2, out.notes
    with demo_db.session() as session:
        call = _calls(session)[identifier]
        viewer = _viewer(session, _author(identifier))
        teams = set()
        for consortium in out.consortia:
            assert consortium.ok and not consortium.missing, consortium.rules
            orgs = _members(session, consortium)
            assert call.size_min <= len(orgs) <= call.size_max
            teams.add(frozenset(o.id for o in orgs))
            if call.rules == "edf":
                assert {o.country for o in orgs} <= EDF_COUNTRIES
                assert len({o.country for o in orgs}) >= 3
                assert not [o.name for o in orgs if o.controlled_from not in (None, *EDF_COUNTRIES)]
            else:
                assert all(o.region and o.region.startswith(REGIONS) for o in orgs), orgs
                assert len({o.region[:4] for o in orgs}) >= 2
                assert 2 * sum(o.kind in ("sme", "startup") for o in orgs) >= len(orgs)
            # the checker, given the same team, agrees with the builder
            names = [str(o.id) for o in orgs]
            checked = checker.check(session, viewer, CheckIn(members=names, call_id=call.id))
            assert checked.ok, checked.violations
        assert len(teams) == len(out.consortia)  # different alternatives


def test_edf_funding_follows_the_action(proposals: dict[str, BuildOut]) -> None:
    development = proposals["EDF-2024-DA-C4ISR-SEEU-STEP"].consortia[0].funding
    research = proposals["EDF-2024-RA-GROUND-IWAS"].consortia[0].funding
    assert development["base_rate"] == 80.0 and development["article"] == "Art. 13(3)-(4)"
    assert research["base_rate"] == 100.0 and not research["applies"]
    assert proposals["DEMO-LPL-2026-01"].consortia[0].funding is None


# --- organisations' control ---------------------------------------------------------------


def test_declared_control_drives_the_edf_rules(demo_db: Database) -> None:
    with demo_db.session() as session:
        by_name = {
            o.name: o
            for o in session.scalars(
                select(Organisation).where(
                    Organisation.name.in_(
                        ["Leonardo S.p.A.", "Telespazio S.p.A.", "Avio Aero", "Thales S.A."]
                    )
                )
            )
        }
        leonardo = by_name["Leonardo S.p.A."]
        assert (leonardo.control_group, leonardo.controlled_from) == ("Leonardo", "IT")
        refs = [str(o.id) for o in by_name.values()]
        out = checker.check(session, Viewer.system(), CheckIn(members=refs, rules="edf"))
    outcome = {r.rule: r for r in out.rules}
    assert not outcome["not_controlled_from_outside"].ok
    assert "Avio Aero (US)" in outcome["not_controlled_from_outside"].detail
    # Leonardo and its Telespazio are one entity under common control
    assert any("Telespazio" in w and "count as one" in w for w in out.warnings)


# --- the demo bid -------------------------------------------------------------------------


def test_demo_bid_with_its_statuses_passes_the_regional_rules(demo_db: Database) -> None:
    with demo_db.session() as session:
        manager = _viewer(session, LOMBARDIA)
        [bid] = session.scalars(select(Bid)).all()
        assert bid.created_by == manager.user_id and bid.owner_id in manager.org_ids
        assert bid.status == "draft" and bid.call.identifier == "DEMO-LPL-2026-01"
        statuses = {p.organisation.name: p.status for p in bid.partners}
        assert statuses == {
            "Secondo Mona S.p.A.": "accepted",
            "Aidro S.r.l.": "invited",
            "Aerea S.p.A.": "invited",
            "ALTEC S.p.A.": "invited",
            "Politecnico di Milano": "invited",
            "Politecnico di Torino": "invited",
        }
        coordinator = next(p for p in bid.partners if p.role == "coordinator")
        assert coordinator.organisation.name == "Secondo Mona S.p.A." and coordinator.decided_at
        orgs = [p.organisation for p in bid.partners]
        assert all(o.region.startswith(REGIONS) for o in orgs)
        assert {o.region[:4] for o in orgs} == {"ITC4", "ITC1"}
        assert 2 * sum(o.kind in ("sme", "startup") for o in orgs) >= len(orgs)
        seen = bids.bid_out(session, manager, bids.get_bid(session, manager, bid.id))
        assert seen.mine and seen.check is not None
        assert seen.check.ok and not seen.check.violations, seen.check.violations
        assert [r.rule for r in seen.check.rules if r.ok] == [
            "located_in_regions",
            "min_distinct_regions",
            "min_share",
            "size",
        ]
        # an account acting for none of its organisations does not learn it exists
        outsider = _viewer(session, "viewer@filiera.demo")
        with pytest.raises(NotFound):
            bids.get_bid(session, outsider, bid.id)
        assert bid.id not in [b.id for b in bids.list_bids(session, outsider)]


def test_partners_of_a_project_close_to_the_topic_say_so(demo_db: Database) -> None:
    """Locking the coordinator of a real EDF project and asking for its topic: its past
    partners in that project are proposed with the project named as the reason, in the
    language asked for; a free text without the coordinator names no such project."""
    projects = json.loads((EDF_DIR / "projects.json").read_text(encoding="utf-8"))
    epiic = next(p for p in projects if p["acronym"] == "EPIIC")
    partners = {p["pic"] for p in epiic["participants"]} - {epiic["coordinator"]["pic"]}
    topic = "Fighter cockpit: pilot interfaces, helmet mounted display, virtual assistant"
    with demo_db.session() as session:
        built = service.build(
            session,
            Viewer.system(),
            BuildIn(
                text=topic, rules="edf", size_min=6, size_max=6, alternatives=1,
                explain_lang="it", **{"with": [epiic["coordinator"]["pic"]]},
            ),
        )  # fmt: skip
        unlocked = service.build(
            session, Viewer.system(), BuildIn(text=topic, rules="edf", alternatives=1)
        )
    members = built.consortia[0].members
    said = [m for m in members if any("in EPIIC, un progetto vicino" in r for r in m.reasons)]
    assert said and all(m.pic in partners for m in said)
    assert all(not m.fixed for m in said)
    everyone = [r for m in unlocked.consortia[0].members for r in m.reasons]
    assert not any("a project close to this topic" in r for r in everyone)
