"""How steeply related projects count grows with the length of the need: a call text can
single out a predecessor project, a few words cannot, so a short need counts every related
project and the makers with several of them come first (docs/matchmaking.md)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import numpy as np
import pytest
from fastapi.testclient import TestClient

from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.db import Database
from filiera.match.engine import (
    PROJECT_POWER,
    SHORT_PROJECT_POWER,
    project_experience,
    project_power,
    query_terms,
)
from filiera.match.service import forget_indexes, match
from support.demo_copy import DemoCopy

LONG_NEED = (
    "Development of a modular counter-drone system for the protection of military camps "
    "and critical infrastructure: detection of small unmanned aircraft by radar, passive "
    "radio-frequency sensors and electro-optical cameras, classification with machine "
    "learning, tracking and data fusion in a command and control node, and neutralisation "
    "by jamming, spoofing, interceptor drones or directed energy, tested in field trials "
    "with armed forces of several member states and ready for qualification and production."
)
MIDDLE_NEED = (
    "Radar and electro-optical sensors for the detection, tracking and classification of "
    "small drones near airports, military camps and power plants, with data fusion"
)


def test_a_short_need_weighs_projects_gently_and_a_long_one_steeply() -> None:
    assert project_power(query_terms("counter-drone radar", "en")) == SHORT_PROJECT_POWER
    assert project_power(query_terms(LONG_NEED, "en")) == PROJECT_POWER
    middle = query_terms(MIDDLE_NEED, "en")  # 17 distinct words: 17 / 5
    assert project_power(middle) == pytest.approx(3.4)


def test_the_power_counts_the_words_of_the_need_not_their_translations() -> None:
    italian = query_terms("sensori ottici per droni", "it")
    assert any(term.startswith("en:") for term in italian.weights)  # loanwords are added
    assert project_power(italian) == SHORT_PROJECT_POWER


def test_terms_added_by_expansion_do_not_make_a_need_longer() -> None:
    terms = query_terms("counter-drone radar", "en")
    added = {f"en:extra{i}": 0.1 for i in range(60)}
    terms.weights.update(added)
    terms.expanded.update(added)
    assert project_power(terms) == SHORT_PROJECT_POWER


def test_several_related_projects_beat_one_best_project_only_under_the_gentle_power() -> None:
    # organisation 0: one project at the best score; organisation 1: three at 0.8 of it
    index = SimpleNamespace(
        size=2,
        part_org=np.array([0, 1, 1, 1]),
        part_project=np.array([0, 1, 2, 3]),
        part_weight=np.ones(4, dtype=np.float32),
    )
    scores = np.array([1.0, 0.8, 0.8, 0.8], dtype=np.float32)
    steep = project_experience(index, scores, PROJECT_POWER)
    gentle = project_experience(index, scores, SHORT_PROJECT_POWER)
    assert steep[0] > steep[1]
    assert gentle[1] > gentle[0]


# --- on the demo's real EDF organisations ----------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(demo_copy: DemoCopy) -> Iterator[Database]:
    forget_indexes()
    db = Database(demo_copy.url)
    yield db
    db.dispose()
    forget_indexes()


@pytest.mark.parametrize(
    ("need", "lang"), [("counter-drone radar", "en"), ("sensori ottici per droni", "it")]
)
def test_a_short_need_puts_a_large_maker_of_the_field_on_the_first_page(
    demo_db: Database, need: str, lang: str
) -> None:
    # With the steep power alone, small partners of the one best-matching project filled
    # the first page: Leonardo was 20th for the radar and 29th for the optical sensors.
    with demo_db.session() as session:
        found = match(session, Viewer.system(), need, lang=lang, top=10)
    names = [hit.name for hit in found.results]
    assert "Leonardo S.p.A." in names, names


# --- shown in the answer ------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(demo_db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(demo_db)) as test_client:
        yield test_client


def test_the_api_says_how_steeply_related_projects_weighed(client: TestClient) -> None:
    for text, power in (("counter-drone radar", SHORT_PROJECT_POWER), (LONG_NEED, PROJECT_POWER)):
        response = client.post("/api/match", json={"text": text, "lang": "en", "top": 3})
        assert response.status_code == 200, response.text
        assert response.json()["ranking"]["related_projects_power"] == power


def test_the_results_page_says_a_short_search_counts_every_related_project(
    client: TestClient,
) -> None:
    short = client.get("/match", params={"q": "sensori ottici per droni", "lang": "it"})
    assert 'data-short-need="2.0"' in short.text
    assert "Ricerca breve: contano tutti i progetti affini" in short.text
    middle = client.get("/match", params={"q": MIDDLE_NEED})
    long = client.get("/match", params={"q": LONG_NEED})
    assert "data-short-need" not in middle.text + long.text
    assert 'data-candidates="' in middle.text and 'data-candidates="' in long.text
