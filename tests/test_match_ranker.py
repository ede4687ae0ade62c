"""The learned ranker: training on the registry's history, the model's use and its
fallbacks, graded scores, explanations, and what hidden records may not change.

Database tests run on SQLite and PostgreSQL (the `db_url` fixture).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import lightgbm
import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.errors import ValidationFailed
from filiera.match import features, ranker, training
from filiera.match.service import forget_indexes, match
from filiera.registry.models import Identifier, Organisation, Participation, Project
from filiera.settings import Settings
from filiera.web.i18n import strings

ANONYMOUS = Viewer.anonymous()
QUERY = "hypersonic glider thermal protection"
TOPICS = ("hypersonic glider thermal protection", "naval mine countermeasures", "soldier radio")


@pytest.fixture(autouse=True)
def clean_models() -> Iterator[None]:
    """Every test starts and ends with the default model choice and fresh indexes."""
    ranker.use_model(None)
    ranker.forget()
    forget_indexes()
    yield
    ranker.use_model(None)
    ranker.forget()
    forget_indexes()


def add_org(session, name: str, *, kind: str = "sme", visibility: str = "public") -> int:
    org = Organisation(
        name=name, name_key=name.lower(), country="IT", kind=kind, visibility=visibility
    )
    session.add(org)
    session.flush()
    session.add(Identifier(organisation_id=org.id, scheme="pic", value=str(900000000 + org.id)))
    return org.id


def add_project(session, n: int, year: int, topic: str, members: list[tuple[int, str]]) -> None:
    project = Project(
        programme="EDF",
        external_id=f"P{year}-{n}",
        acronym=f"P{n}",
        title=f"{topic} study {n}",
        objective=f"Work on {topic}.",
        call_identifier=f"EDF-{year}-RA-{n}",
        start_date=date(year, 12, 1),
    )
    session.add(project)
    session.flush()
    for org_id, role in members:
        session.add(Participation(project_id=project.id, organisation_id=org_id, role=role))


@pytest.fixture
def history(db_url: str) -> Database:
    """Four call years of projects on three topics, each topic with its own regulars."""
    db = Database(db_url)
    db.ensure_ready()
    with db.session() as session:
        regulars = {t: [add_org(session, f"{t} firm {i}") for i in range(4)] for t in TOPICS}
        for year in (2020, 2021, 2022, 2023):
            for n in range(12):
                topic = TOPICS[n % 3]
                team = regulars[topic]
                members = [(team[0], "coordinator"), (team[1 + n % 3], "participant")]
                add_project(session, year * 100 + n, year, topic, members)
    return db


def learned_model(path: Path, *, adopted: bool = True) -> Path:
    """A model that ranks purely by track record (projects_log): easy to tell from BM25."""
    rng = np.random.default_rng(5)
    rows = rng.random((400, len(features.FEATURES)))
    record = rows[:, features.FEATURES.index("projects_log")]
    grades = np.zeros(400, dtype=int)
    for start in range(0, 400, 20):  # in each query of 20, the 4 longest track records
        grades[start + np.argsort(-record[start : start + 20])[:4]] = 1
    data = lightgbm.Dataset(rows, grades, group=[20] * 20)
    booster = lightgbm.train({**training.PARAMS, "num_threads": 1}, data, num_boost_round=30)
    ranker.save(path, booster, {"adopted": adopted})
    return path


# --- fallbacks ----------------------------------------------------------------------------


def test_the_packaged_model_loads_and_records_its_verdict() -> None:
    model = ranker.load(ranker.PACKAGED)
    assert isinstance(model, ranker.Ranker)
    assert model.features == features.FEATURES
    assert isinstance(model.meta["adopted"], bool)
    assert model.meta["validation_ndcg@10_first_stage"] > 0


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "is missing"),
        ("{not json", "cannot be read"),
        (json.dumps({"format": 0, "features": [], "model": ""}), "has format 0"),
        (json.dumps({"format": 1, "features": ["fixed"], "model": ""}), "other features"),
        (
            json.dumps({"format": 1, "features": list(features.FEATURES), "model": "garbage"}),
            "cannot be loaded",
        ),
    ],
)
def test_an_unusable_model_falls_back_to_fixed_weights_and_says_why(
    history: Database, tmp_path: Path, content: str | None, said: str
) -> None:
    path = tmp_path / "ranker.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    ranker.use_model(path)
    with history.session() as session:
        result = match(session, ANONYMOUS, QUERY)
    assert result.ranking.model == "fixed"
    assert said in result.ranking.notice and "ranker.json" in result.ranking.notice
    assert str(tmp_path) not in result.ranking.notice  # no server path in an answer
    assert result.results  # still answered, with the fixed weights
    client = TestClient(create_app(history, Settings()))
    body = client.post("/api/match", json={"text": QUERY}).json()
    assert body["ranking"] == {
        "model": "fixed",
        "notice": result.ranking.notice,
        "related_projects_power": result.ranking.related_projects_power,
    }
    for lang in ("en", "it"):
        page = client.get("/match", params={"q": QUERY, "lang": lang}).text
        assert strings(lang)["matching.fixed_weights"] in page


def test_no_notice_on_the_page_when_the_model_is_usable(history: Database, tmp_path: Path) -> None:
    ranker.use_model(learned_model(tmp_path / "m.json"))
    client = TestClient(create_app(history, Settings()))
    page = client.get("/match", params={"q": QUERY}).text
    assert "data-ranking-notice" not in page and "data-match-results" in page


def test_a_model_not_adopted_leaves_the_fixed_ranking_unchanged(
    history: Database, tmp_path: Path
) -> None:
    with history.session() as session:
        ranker.use_model(tmp_path / "none.json")
        fixed = match(session, ANONYMOUS, QUERY)
        ranker.use_model(learned_model(tmp_path / "no.json", adopted=False))
        kept = match(session, ANONYMOUS, QUERY)
    assert kept.ranking.model == "fixed" and kept.ranking.notice is None
    assert [(h.org_id, h.score) for h in kept.results] == [
        (h.org_id, h.score) for h in fixed.results
    ]


# --- the learned ranking ------------------------------------------------------------------


def test_an_adopted_model_reorders_and_explains_with_its_features(
    history: Database, tmp_path: Path
) -> None:
    with history.session() as session:
        veteran = add_org(session, "Veteran Systems")  # many projects, none on the topic
        for n in range(30):
            add_project(session, 9000 + n, 2020, "soldier radio", [(veteran, "coordinator")])
        novice = add_org(session, "Hypersonic Newcomer")
        novice_org = session.get(Organisation, novice)
        novice_org.descriptions = {"en": "hypersonic glider thermal protection " * 3}
    with history.session() as session:
        ranker.use_model(tmp_path / "none.json")
        fixed = [h.org_id for h in match(session, ANONYMOUS, QUERY + " radio").results]
        ranker.use_model(learned_model(tmp_path / "m.json"))
        learned = match(session, ANONYMOUS, QUERY + " radio", explain_lang="it")
    order = [h.org_id for h in learned.results]
    assert learned.ranking.model == "learned"
    assert order.index(veteran) < fixed.index(veteran)  # track record carried it up
    assert set(order) == set(fixed)  # the same candidates, another order
    scores = [h.score for h in learned.results]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0 and scores[0] <= 1
    reason = next(
        e for e in learned.results[order.index(veteran)].explanations if e["kind"] == "learned"
    )
    assert "esperienza" in reason["text"]  # Italian label of projects_log
    assert reason["features"][0]["feature"] == "projects_log"


def test_a_hidden_organisation_changes_no_visible_order(history: Database, tmp_path: Path) -> None:
    """Adding a restricted organisation that fits the query changes nothing the public gets."""
    ranker.use_model(learned_model(tmp_path / "m.json"))
    orders = []
    for hidden in (False, True):
        if hidden:
            with history.session() as session:
                secret = add_org(session, "Secret hypersonic lab", visibility="restricted")
                for n in range(8):
                    add_project(session, 7000 + n, 2022, TOPICS[0], [(secret, "coordinator")])
        with history.session() as session:
            result = match(session, ANONYMOUS, QUERY)
        assert result.ranking.model == "learned"
        orders.append(
            [
                (h.name, [(e["kind"], e.get("features")) for e in h.explanations])
                for h in result.results
            ]
        )
    assert [name for name, _ in orders[0]] == [name for name, _ in orders[1]]
    assert [why for _, why in orders[0]] == [why for _, why in orders[1]]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(0.001, 1.0), min_size=1, max_size=40),
    st.integers(1, 40),
    st.integers(0, 2**31 - 1),
)
def test_reranked_scores_stay_graded_and_keep_the_pool_on_top(
    firsts: list[float], pool_size: int, seed: int
) -> None:
    first_stage = np.array(sorted(firsts, reverse=True))
    positions = np.arange(min(pool_size, len(first_stage)))
    margins = np.random.default_rng(seed).normal(size=len(positions))

    class Fixed:
        def margins(self, rows):
            return margins

    final = ranker.rerank(Fixed(), first_stage, np.zeros((len(positions), 1)), positions)
    inside, outside = final[positions], np.delete(final, positions)
    assert ((final > 0) & (final <= 1)).all()
    if len(outside):
        assert inside.min() > outside.max()
        assert (np.diff(outside) <= 0).all()  # those below keep their first-stage order


# --- training -----------------------------------------------------------------------------


def test_training_on_the_registry_history_reports_its_verdict(history: Database) -> None:
    with history.session() as session:
        booster, report = training.train(session)
    assert report.train_year == 2022  # the second newest year; 2023 stays unseen
    assert report.train_queries == 24  # 2021's and 2022's projects as queries
    assert isinstance(report.chosen["adopted"], bool)
    assert report.chosen["rounds"] in training.ROUNDS
    assert booster.num_feature() == len(features.FEATURES)
    assert abs(sum(report.importance.values()) - 1) < 0.01


def test_training_needs_three_years_and_names_the_field(db_url: str) -> None:
    db = Database(db_url)
    db.ensure_ready()
    with db.session() as session:
        org = add_org(session, "Lonely firm")
        add_project(session, 1, 2023, TOPICS[0], [(org, "coordinator")])
    with db.session() as session, pytest.raises(ValidationFailed) as raised:
        training.train(session)
    assert raised.value.errors[0]["field"] == "projects"


def test_cli_trains_beside_the_database_and_status_reports_it(
    history: Database, tmp_path: Path
) -> None:
    url = history.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "model.json"
    runner = CliRunner()
    trained = runner.invoke(cli_app, ["ranker", "train", "--db", url, "--out", str(out), "--json"])
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.stdout)["train_year"] == 2022 and out.is_file()
    status = runner.invoke(cli_app, ["ranker", "status", "--db", url, "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["model"] in ("learned", "fixed")


def test_cli_refuses_to_train_on_too_little_history(db_url: str, tmp_path: Path) -> None:
    db = Database(db_url)
    db.ensure_ready()
    with db.session() as session:
        org = add_org(session, "Lonely firm")
        add_project(session, 1, 2023, TOPICS[0], [(org, "coordinator")])
    url = db.engine.url.render_as_string(hide_password=False)
    out = tmp_path / "model.json"
    refused = CliRunner().invoke(cli_app, ["ranker", "train", "--db", url, "--out", str(out)])
    assert refused.exit_code != 0 and "call years" in refused.output
    assert not out.exists()
