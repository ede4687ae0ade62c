"""Investment theses rank start-ups first, with their traction (issue 16, part 4).

Before: a thesis ranked start-ups and SMEs by text relevance alone, so the demo thesis
listed 20 SMEs and no start-up, and its reasons said nothing of a start-up's traction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from filiera.access import audit
from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.match.engine import PROJECT_POWER, MatchFilters
from filiera.match.service import forget_indexes, relevance
from filiera.needs import investing, prior, service
from filiera.needs.models import Thesis
from filiera.needs.schemas import ThesisIn
from filiera.needs.service import STARTUP_KINDS
from filiera.registry.models import Participation, Project
from support.dataset import build

THIS_YEAR = date.today().year
TEXT = "Seed capital for swarming reconnaissance drones with onboard autonomy"
ABOUT = "Swarming reconnaissance drones with onboard autonomy for the armed forces."
EXTRA = {
    # A start-up with a project and partners.
    "young": {
        "name": "Kestrel One",
        "kind": "startup",
        "country": "IT",
        "founded_year": THIS_YEAR - 2,
        "employees": 12,
        "descriptions": {"en": ABOUT},
    },
    "fresh": {
        "name": "Merlin One",
        "kind": "startup",
        "country": "IT",
        "founded_year": THIS_YEAR - 2,
        "employees": 12,
        "descriptions": {"en": ABOUT},
    },
    # The same words as "fresh", so the same relevance: only the kind differs.
    "twin": {
        "name": "Merlin Two",
        "kind": "sme",
        "country": "IT",
        "founded_year": THIS_YEAR - 2,
        "employees": 12,
        "descriptions": {"en": ABOUT},
    },
    # Shares one word of the thesis, and only once.
    "offtopic": {
        "name": "Harbour Bakery Tech",
        "kind": "startup",
        "country": "IT",
        "founded_year": THIS_YEAR - 1,
        "employees": 3,
        "descriptions": {"en": "Bread ovens and pastry for harbour cafés; onboard ordering."},
    },
    "veteran": {
        "name": "Falcon Works",
        "kind": "sme",
        "country": "IT",
        "founded_year": THIS_YEAR - 40,
        "employees": 200,
        "descriptions": {"en": f"{ABOUT} {ABOUT} Reconnaissance drones, swarming drones."},
    },
    # Says how many it employs to its own users only.
    "quiet": {
        "name": "Quiet Drones",
        "kind": "startup",
        "country": "IT",
        "founded_year": THIS_YEAR - 3,
        "employees": 9,
        "field_visibility": {"employees": "owner"},
        "descriptions": {"en": "Reconnaissance drones."},
    },
    "partner": {"name": "Open Avionics Lab", "kind": "research", "country": "FR"},
    "hidden": {
        "name": "Zyxwv Covert Partner",
        "kind": "research",
        "country": "DE",
        "visibility": "owner",
    },
}


@dataclass
class World:
    db: Database
    orgs: dict[str, int]
    thesis_id: int


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    forget_indexes()
    db = Database(module_db_url)
    data = build(db, extra=EXTRA)
    orgs = data.orgs
    with db.session() as session:
        audit.bind(session, Viewer.system())
        project = Project(
            programme="EDF",
            external_id="101999001",
            acronym="SWARM-EYE",
            title="Swarming reconnaissance drones",
            start_date=date(2024, 1, 1),
        )
        session.add(project)
        session.flush()
        for key, role, money in (
            ("young", "participant", 450_000.0),
            ("partner", "coordinator", None),
            ("hidden", "participant", None),
        ):
            session.add(
                Participation(
                    project_id=project.id,
                    organisation_id=orgs[key],
                    role=role,
                    contribution=money,
                )
            )
        thesis = service.publish_thesis(
            session,
            Viewer.system(),
            ThesisIn(
                title="Autonomy at the edge",
                text=TEXT,
                owner_id=orgs["leonardo"],
                stages=["seed", "series_a"],
                lang="en",
            ),
        )
        thesis_id = thesis.id
    yield World(db, orgs, thesis_id)
    forget_indexes()
    db.dispose()


def ranked(world: World, viewer: Viewer | None = None, lang: str = "en"):
    with world.db.session() as session:
        return service.startups_for(
            session, viewer or Viewer.anonymous(), world.thesis_id, top=50, explain_lang=lang
        )


def position(result, org_id: int) -> int:
    return next(i for i, hit in enumerate(result.results) if hit.org_id == org_id)


def test_a_start_up_outranks_an_sme_of_equal_relevance(world: World) -> None:
    result = ranked(world)
    fresh = result.results[position(result, world.orgs["fresh"])]
    twin = result.results[position(result, world.orgs["twin"])]
    assert fresh.parts["relevance"] == pytest.approx(twin.parts["relevance"], rel=0.05)
    assert position(result, world.orgs["fresh"]) < position(result, world.orgs["twin"])
    assert fresh.score > twin.score
    assert all(0 < hit.score <= 1 for hit in result.results)


def test_an_irrelevant_start_up_does_not_outrank_a_relevant_sme(world: World) -> None:
    result = ranked(world)
    ids = [hit.org_id for hit in result.results]
    assert world.orgs["veteran"] in ids
    if world.orgs["offtopic"] in ids:
        assert position(result, world.orgs["veteran"]) < position(result, world.orgs["offtopic"])


def test_traction_reasons_name_projects_and_partners(world: World) -> None:
    hit = ranked(world).results[position(ranked(world), world.orgs["young"])]
    reasons = {e["kind"]: e for e in hit.explanations}
    assert reasons["startup"]["founded_year"] == THIS_YEAR - 2
    assert reasons["stage"]["derived"] is True
    assert reasons["traction"]["projects"] == 1
    assert reasons["traction"]["eu_funding"] == 450_000.0
    assert reasons["traction"]["best_project"]["title"] == "Swarming reconnaissance drones"
    assert "Swarming reconnaissance drones" in reasons["traction"]["text"]
    assert [p["name"] for p in reasons["partners"]["best_known"]] == ["Open Avionics Lab"]
    assert "Open Avionics Lab" in reasons["partners"]["text"]
    italian = ranked(world, lang="it").results[position(ranked(world), world.orgs["young"])]
    texts = {e["kind"]: e["text"] for e in italian.explanations}
    assert texts["traction"].startswith("Trazione: 1 progetto finanziato; 450.000 EUR")
    assert "fondata nel" in texts["startup"]


def test_a_hidden_partner_never_appears(world: World) -> None:
    anonymous = ranked(world)
    hit = anonymous.results[position(anonymous, world.orgs["young"])]
    partners = next(e for e in hit.explanations if e["kind"] == "partners")
    assert partners["partners"] == 1
    assert "Zyxwv" not in json.dumps([h.explanations for h in anonymous.results])
    admin = ranked(world, Viewer.system())  # the same question by one who may see it
    hit = admin.results[position(admin, world.orgs["young"])]
    partners = next(e for e in hit.explanations if e["kind"] == "partners")
    assert partners["partners"] == 2
    assert "Zyxwv Covert Partner" in partners["text"]


def test_a_withheld_employees_field_is_neither_used_nor_shown(world: World) -> None:
    def quiet(viewer: Viewer):
        result = ranked(world, viewer)
        hit = result.results[position(result, world.orgs["quiet"])]
        return next(e for e in hit.explanations if e["kind"] == "startup"), hit.parts["startup"]

    hidden, hidden_prior = quiet(Viewer.anonymous())
    shown, shown_prior = quiet(Viewer.system())
    assert hidden["employees"] is None and "9" not in hidden["text"]
    assert shown["employees"] == 9 and hidden_prior < shown_prior


def test_opportunities_rank_a_start_up_with_its_thesis_reasons(world: World) -> None:
    with world.db.session() as session:
        found = service.opportunities(session, Viewer.anonymous(), world.orgs["young"])
    (item,) = [t for t in found["theses"] if t["id"] == world.thesis_id]
    assert item["rank"] == 1
    assert {"startup", "traction", "partners"} <= {e["kind"] for e in item["explanations"]}


def test_the_thesis_page_api_and_cli_show_the_traction(world: World) -> None:
    client = TestClient(create_app(world.db))
    english = client.get(f"/theses/{world.thesis_id}?lang=en").text
    assert "Traction: 1 funded project" in english and "Open Avionics Lab" in english
    assert "re-weighted by the start-up profile" in english
    italian = client.get(f"/theses/{world.thesis_id}?lang=it").text
    assert "Trazione: 1 progetto finanziato" in italian and "fondata nel" in italian
    assert "Traction" not in italian and "founded in" not in italian
    assert "Zyxwv" not in english + italian
    api = client.get(f"/api/theses/{world.thesis_id}/startups").json()
    young = next(h for h in api["results"] if h["id"] == world.orgs["young"])
    assert {"startup", "stage", "traction", "partners"} <= {
        e["kind"] for e in young["explanations"]
    }
    assert 0 < young["parts"]["startup"] <= 1
    shown = CliRunner().invoke(
        cli_app, ["thesis", "match", str(world.thesis_id), "--db", world.db.url]
    )
    assert shown.exit_code == 0, shown.output
    assert "Traction: 1 funded project" in " ".join(shown.output.split())


def test_the_stage_comes_from_the_thesis_or_its_ticket() -> None:
    assert prior.wanted_stages(["seed"], 10_000_000, None) == ["seed"]
    assert prior.wanted_stages([], 1_000_000, 2_500_000) == ["seed", "series_a"]
    assert prior.wanted_stages([], None, None) == []
    found = prior.priors(
        np.arange(3),
        np.array(["startup", "startup", "sme"]),
        np.array([THIS_YEAR - 1, THIS_YEAR - 30, np.nan]),
        np.array([3, 400, np.nan]),
        ["pre_seed"],
    )
    assert found.of(0).stage == "pre_seed" and found.of(0).stage_fit == "in"
    assert found.of(1).stage == "buyout" and found.of(1).stage_fit == "out"
    assert found.of(2).stage is None and found.of(2).value == pytest.approx(0.25)
    assert found.value[0] == pytest.approx(1.0) and found.value[0] > found.value[1]


DEMO_STARTUPS_IN_TOP_10 = 5


def test_the_demo_thesis_ranks_start_ups_first(demo_copy) -> None:
    """The demo holds 104 start-ups (all synthetic, none with an EU project) and 220 real
    SMEs with EDF projects; about ten of the start-ups work on drones, space or cyber, the
    thesis's sectors. Half of the first ten is what a thesis "for start-ups" must show."""
    forget_indexes()
    db = Database(demo_copy.url)
    with db.session() as session:
        thesis = session.query(Thesis).filter_by(
            title="Mission 2044 – emerging defence technologies"
        )
        result = service.startups_for(session, Viewer.anonymous(), thesis.one().id, top=10)
    kinds = [hit.kind for hit in result.results]
    assert kinds.count("startup") >= DEMO_STARTUPS_IN_TOP_10
    assert "sme" in kinds  # the most relevant SMEs still rank
    first = next(h for h in result.results if h.kind == "startup")
    assert first.synthetic and any(e["kind"] == "startup" for e in first.explanations)
    db.dispose()
    forget_indexes()


def test_a_thesis_weighs_related_projects_steeply_however_short_it_is(demo_copy) -> None:
    """Matching counts every related project for a short need (the makers with several
    come first); a thesis must not, or the incumbents' track record would outweigh the
    start-up prior: its relevance keeps the steep power of long needs."""
    forget_indexes()
    db = Database(demo_copy.url)
    text, viewer = "composites and additive manufacturing", Viewer.anonymous()
    flt = MatchFilters(kinds=list(STARTUP_KINDS), include_synthetic=True)
    with db.session() as session:
        ranking = investing.rank(session, viewer, text, lang="en", filters=flt, stages=[])
        steep = relevance(session, viewer, text, lang="en", filters=flt, power=PROJECT_POWER)
        by_length = relevance(session, viewer, text, lang="en", filters=flt)
    assert np.array_equal(ranking.relevance.final, steep.final)
    assert not np.array_equal(steep.final, by_length.final)  # the power makes a difference
    db.dispose()
    forget_indexes()
