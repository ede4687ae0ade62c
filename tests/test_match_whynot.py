""" "Why not…?" for a named organisation (issue 16, item 5), on SQLite and PostgreSQL.

A hand-made registry: twelve optics makers that fit "sensori ottici per droni", a prime
that only mentions optical sensors (ranked after the first page), a shipyard with nothing
in common, a French optics SME the filters leave out, a synthetic one, and a hidden one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.match import whynot_text
from filiera.match.engine import MatchFilters
from filiera.match.service import match
from filiera.match.whynot import FIRST_PAGE, why_not
from filiera.registry.models import Membership, Source
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert
from filiera.settings import Settings
from support.auth import bearer, token_for
from support.dataset import build

TEXT = "sensori ottici per droni"
DESCRIPTION = "Electro-optical sensors and infrared cameras for drones; gimbals for UAVs."


def optics(i: int) -> dict:
    return {
        "name": f"Optica {i:02d} Srl",
        "kind": "sme",
        "country": "IT" if i % 2 else "DE",
        "descriptions": {"en": DESCRIPTION},
        "capabilities": [
            {"code": "electronics.electro_optics", "level": "evidenced"},
            {"code": "air.uas"},
        ],
        "certifications": [{"code": "en9100"}] if i % 3 else [],
    }


EXTRA = {f"optica{i}": optics(i) for i in range(1, 13)}
EXTRA |= {
    "lumen": {
        "name": "Lumen Aerospace SpA",
        "kind": "prime",
        "country": "IT",
        "descriptions": {"en": "Helicopters, aircraft and training; some optical sensors."},
    },
    "ferro": {
        "name": "Ferro Naval Yards",
        "kind": "prime",
        "country": "IT",
        "descriptions": {"en": "Shipbuilding of corvettes and frigates."},
    },
    "optique": {
        "name": "Optique de France",
        "kind": "sme",
        "country": "FR",
        "descriptions": {"en": "Optical sensors for drones."},
    },
    "synthetic": {
        "name": "Synthetic Optics",
        "kind": "startup",
        "country": "IT",
        "synthetic": True,
        "descriptions": {"en": "Optical sensors for drones."},
    },
}
HIDDEN = {
    "name": "Secret Optics Works",
    "kind": "sme",
    "country": "IT",
    "visibility": "owner",
    "descriptions": {"en": f"{DESCRIPTION} Optical sensors for drones, best in class."},
    "capabilities": [{"code": "electronics.electro_optics", "level": "certified"}],
}


HIDDEN_CLUSTER = {"name": "Shadow Optics Alliance", "kind": "cluster", "visibility": "owner"}


@dataclass
class World:
    db: Database
    url: str
    orgs: dict[str, int]
    client: TestClient
    owner_token: str  # a member of the hidden organisation


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    orgs = dict(build(db, extra=EXTRA | {"hidden": HIDDEN, "shadow": HIDDEN_CLUSTER}).orgs)
    with db.session() as session:
        session.add(Membership(cluster_id=orgs["shadow"], organisation_id=orgs["optica1"]))
    token = token_for(db, "owner@whynot.example", "member", (orgs["hidden"],))
    with TestClient(create_app(db, Settings())) as client:
        yield World(db, module_db_url, orgs, client, token)
    db.dispose()


def ask(world: World, key: str, viewer: Viewer | None = None, **options) -> object:
    with world.db.session() as session:
        return why_not(
            session, viewer or Viewer.anonymous(), TEXT, world.orgs[key], lang="it", **options
        )


# --- (b) the filters --------------------------------------------------------------------------


def test_each_failing_filter_is_one_reason(world: World) -> None:
    flt = MatchFilters(
        countries=["it", "DE"],
        region="ITC",
        kinds=["sme"],
        certification="en9100",
        capability="electronics.electro_optics",
        cluster=world.orgs["cluster"],
    )
    answer = ask(world, "optique", filters=flt)
    assert answer.status == "filtered" and answer.rank is None
    failing = [(r["filter"], r["wanted"], r["has"]) for r in answer.reasons]
    assert failing == [
        ("country", ["IT", "DE"], "FR"),
        ("region", "ITC", None),
        ("certification", "en9100", None),
        ("capability", "electronics.electro_optics", None),
        ("cluster", world.orgs["cluster"], None),
    ]  # the kind (sme) passes, so it is not named
    assert "Lombardia Aerospace Cluster" in answer.reasons[-1]["text"]
    english = ask(world, "optique", filters=MatchFilters(sme_only=True, kinds=["prime"]))
    assert [r["filter"] for r in english.reasons] == ["kind"]


def test_a_hidden_cluster_reads_like_a_missing_one(world: World) -> None:
    shadow = world.orgs["shadow"]  # optica1 is a member; anonymous viewers may not see it
    hidden, missing = (
        ask(world, "optica1", filters=MatchFilters(cluster=c), explain_lang="en")
        for c in (shadow, 999_999)
    )
    assert [r["text"] for r in hidden.reasons] == [f"It is not a member of cluster {shadow}"]
    assert [r["text"] for r in missing.reasons] == ["It is not a member of cluster 999999"]
    seen = ask(world, "optica1", Viewer.system(), filters=MatchFilters(cluster=shadow))
    assert seen.status == "first_page"


def test_the_synthetic_rule_and_filter(world: World) -> None:
    left_out = ask(world, "synthetic", filters=MatchFilters(include_synthetic=None))
    assert [r["key"] for r in left_out.reasons] == ["synthetic_left_out"]
    excluded = ask(world, "synthetic", filters=MatchFilters(include_synthetic=False))
    assert [r.get("filter") for r in excluded.reasons] == ["synthetic"]
    included = ask(world, "synthetic")  # include_synthetic=True: ranked like the others
    assert included.status in ("first_page", "below_first_page")


# --- (c) nothing in common, (d) ranked ---------------------------------------------------------


def test_score_zero_names_what_it_lacks(world: World) -> None:
    answer = ask(world, "ferro", explain_lang="en")
    assert (answer.status, answer.rank, answer.score) == ("no_match", None, 0.0)
    (reason,) = answer.reasons
    assert reason["key"] == "no_match" and 3 <= len(reason["missing"]) <= 6
    assert {"drone", "sensor"} <= {m.casefold() for m in reason["missing"]}
    assert reason["text"].startswith("None of the need's words or concepts")


def test_after_the_first_page_it_is_compared_with_rank_ten(world: World) -> None:
    answer = ask(world, "lumen")
    with world.db.session() as session:
        ranking = match(session, Viewer.anonymous(), TEXT, lang="it", top=50)
    ids = [hit.org_id for hit in ranking.results]
    assert answer.status == "below_first_page"
    assert answer.rank == ids.index(world.orgs["lumen"]) + 1 > FIRST_PAGE
    assert answer.of == ranking.candidates  # the hidden organisation is not counted
    tenth = ranking.results[FIRST_PAGE - 1]
    assert (answer.last.org_id, answer.last.rank) == (tenth.org_id, FIRST_PAGE)
    keys = [r["key"] for r in answer.reasons]
    assert keys[0] == "rank" and "part" in keys and "lacks" in keys
    profile = next(r for r in answer.reasons if r.get("part") == "profile")
    assert profile["mine"] < profile["theirs"] == tenth.parts["profile"]
    assert re.search(r"Testo del profilo: 0\.\d\d contro 0\.\d\d in posizione 10", profile["text"])
    lacks = {(r["kind"], r["code"]) for r in answer.reasons if r["key"] == "lacks"}
    assert {("capability", "electronics.electro_optics"), ("certification", "en9100")} <= lacks
    assert all(r["held_by"] >= FIRST_PAGE / 2 for r in answer.reasons if r["key"] == "lacks")


def test_on_the_first_page_it_says_so_with_its_reasons(world: World) -> None:
    answer = ask(world, "optica1", explain_lang="en")
    assert answer.status == "first_page" and 1 <= answer.rank <= FIRST_PAGE
    assert answer.reasons[0]["text"].startswith("It is on the first page: ranked")
    assert "terms" in [e["kind"] for e in answer.explanations]


def test_every_reason_speaks_four_languages() -> None:
    for key, texts in whynot_text.TEMPLATES.items():
        assert len(set(texts)) == 4, key


def test_rank_and_count_do_not_change_when_a_hidden_one_is_added(db_url: str) -> None:
    db = Database(db_url)
    orgs = build(db, extra={k: EXTRA[k] for k in ("optica1", "optica2", "lumen")}).orgs
    with db.session() as session:
        before = why_not(session, Viewer.anonymous(), TEXT, orgs["lumen"])
        resolver = Resolver.from_session(session)
        source = session.query(Source).first()
        upsert(session, OrganisationIn(**HIDDEN), source=source, resolver=resolver)
    with db.session() as session:
        after = why_not(session, Viewer.anonymous(), TEXT, orgs["lumen"])
    assert (after.rank, after.of, after.status) == (before.rank, before.of, before.status)
    db.dispose()


# --- (a) hidden reads as missing; API, CLI, pages ----------------------------------------------


def test_a_hidden_organisation_answers_exactly_like_a_missing_id(world: World) -> None:
    hidden = world.orgs["hidden"]
    answers = [
        world.client.post("/api/match/why-not", json={"text": TEXT, "organisation_id": org_id})
        for org_id in (hidden, 999_999)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    bodies = [a.text.replace(str(i), "ID") for a, i in zip(answers, (hidden, 999_999), strict=True)]
    assert bodies[0] == bodies[1]
    own = world.client.post(
        "/api/match/why-not",
        json={"text": TEXT, "organisation_id": hidden},
        headers=bearer(world.owner_token),
    )
    assert own.status_code == 200 and own.json()["status"] == "first_page"


def test_the_api_answer(world: World) -> None:
    body = {"text": TEXT, "organisation_id": world.orgs["optique"], "country": ["IT"]}
    answer = world.client.post("/api/match/why-not", json=body).json()
    assert answer["status"] == "filtered" and answer["reasons"][0]["filter"] == "country"
    body = {"text": TEXT, "organisation_id": world.orgs["lumen"], "explain_lang": "en"}
    answer = world.client.post("/api/match/why-not", json=body).json()
    assert answer["last"]["rank"] == FIRST_PAGE and answer["rank"] > FIRST_PAGE
    assert answer["reasons"][1]["text"].startswith("Profile text: 0.")
    refused = world.client.post("/api/match/why-not", json={"text": TEXT})
    assert refused.status_code == 422


def test_the_command(world: World) -> None:
    runner = CliRunner()
    lumen = str(world.orgs["lumen"])
    out = runner.invoke(cli_app, ["why-not", lumen, TEXT, "--json", "--db", world.url])
    assert out.exit_code == 0 and json.loads(out.stdout)["status"] == "below_first_page"
    plain = runner.invoke(cli_app, ["why-not", lumen, TEXT, "--country", "FR", "--db", world.url])
    assert "left out by the filters" in plain.stdout
    assert "Il suo paese (IT) non è tra i paesi ammessi (FR)" in plain.stdout


def page(world: World, lang: str, **query: str):
    return world.client.get("/match/why-not", params={"q": TEXT, "lang": lang, **query})


def test_the_page_in_english_and_italian(world: World) -> None:
    english = page(world, "en", name="Lumen Aerospace")
    assert english.status_code == 200 and "After the first page" in english.text
    assert "Profile text: 0." in english.text and 'data-whynot-reason="lacks"' in english.text
    italian = page(world, "it", name="lumen aerospace s.p.a.")
    assert "Oltre la prima pagina" in italian.text and "Testo del profilo: 0." in italian.text
    for phrase in ("After the first page", "Profile text", "Lacks the", "What it matches"):
        assert phrase not in italian.text
    results = world.client.get("/match", params={"q": TEXT, "lang": "it"})
    assert "data-whynot-form" in results.text and "Perché no?" in results.text


def test_the_page_finds_names_only_among_visible_organisations(world: World) -> None:
    close = page(world, "en", name="Optica")
    offered = re.findall(r"data-whynot-choices.*?</div>", close.text, re.S)[0]
    assert close.status_code == 200 and offered.count("data-org=") == 5
    hidden, nothing = page(world, "en", name=HIDDEN["name"]), page(world, "en", name="Zzyzx")
    assert (hidden.status_code, nothing.status_code) == (404, 404)
    for answer in (hidden, nothing):
        assert "data-whynot-unknown" in answer.text and "data-whynot-choices" not in answer.text
    typo = page(world, "en", name="Lumen Aerospce")
    assert 'data-status="below_first_page"' in typo.text
