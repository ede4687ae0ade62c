"""A text with nothing to match says why, instead of an empty list (issue 16, "Bad input").

Only stop words, only numbers, only punctuation or another script: `unusable_reason` names
the reason, `POST /api/match` answers 422 in the one error shape, /match shows the sentence
in the page's language, `filiera match` exits 1 with it, and a need or thesis whose saved
text is unusable answers the same on its candidates.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape
from typer.testing import CliRunner

from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.cli.main import app as cli_app
from filiera.db import Database
from filiera.match.engine import query_terms
from filiera.match.requests import MatchRequest
from filiera.match.usable import NothingToMatch, unusable_reason
from filiera.needs import service as needs
from filiera.needs.schemas import NeedIn, ThesisIn
from filiera.settings import Settings
from filiera.web.i18n import strings
from support.dataset import build

EN, IT = strings("en"), strings("it")


def shown(key: str, table: dict[str, str]) -> str:
    """The sentence as an HTML page shows it (quotes escaped)."""
    return str(escape(table[key]))


UNUSABLE = [  # (text, language or None: detected, reason)
    ("the and of", "en", "only_stop_words"),
    ("il la di", "it", "only_stop_words"),
    ("le la les des", "fr", "only_stop_words"),
    ("der die das und", "de", "only_stop_words"),
    ("of the with", None, "only_stop_words"),
    ("2024 155 12", None, "only_numbers"),
    ("the 2024", "en", "only_numbers"),
    ("dal 2024 al 2026", "it", "only_numbers"),
    ("de 2024 à 2026", "fr", "only_numbers"),
    ("von 2024 bis 2026", "de", "only_numbers"),
    ("", None, "empty"),
    ("  \n\t ", None, "empty"),
    ("!!! ... ?? -- ;", None, "empty"),
    ("беспилотник", None, "other_script"),
    ("无人机", None, "other_script"),
    ("طائرة بدون طيار", None, "other_script"),
    ("беспилотник 2024", None, "other_script"),
    ("the беспилотник", "en", "other_script"),
]
USABLE = [
    ("droni 2024", None),
    ("sensori ottici per droni", "it"),
    ("counter-drone radar", "en"),
    ("radar de surveillance", "fr"),
    ("Flugabwehr 2024", "de"),
    ("155 mm", None),
    ("Drohne беспилотник", None),
]


@pytest.mark.parametrize(("text", "lang", "reason"), UNUSABLE)
def test_each_reason_in_the_four_languages(text: str, lang: str | None, reason: str) -> None:
    assert unusable_reason(text, lang) == reason


@pytest.mark.parametrize(("text", "lang"), USABLE)
def test_a_text_with_one_content_word_is_usable(text: str, lang: str | None) -> None:
    assert unusable_reason(text, lang) is None


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(categories=("Nd", "P", "Zs", "Cc")), max_size=40))
def test_digits_punctuation_and_spaces_never_match(text: str) -> None:
    assert unusable_reason(text) is not None


WORDS = ["the", "and", "of", "il", "di", "le", "des", "der", "und", "2024", "155", "a", "x"]
CONTENT = ["radar", "droni", "munizioni", "Flugabwehr", "satellites", "mm", "capacità"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS + CONTENT), max_size=8), st.sampled_from([None, "en", "it"]))
def test_usable_exactly_when_the_engine_finds_a_word_or_a_concept(
    chosen: list[str], lang: str | None
) -> None:
    text = " ".join(chosen)
    terms = query_terms(text, lang)
    engine_has_words = bool(terms.concepts) or any(
        not term.split(":", 1)[1].isdigit() for term in terms.weights
    )
    assert (unusable_reason(text, lang) is None) == engine_has_words, text


def test_the_request_is_refused_with_the_reason_naming_the_field() -> None:
    with pytest.raises(NothingToMatch) as refused:
        MatchRequest.model_validate({"text": "il la di", "lang": "it"})
    assert refused.value.reason == "only_stop_words"
    assert refused.value.status == 422
    assert refused.value.key == "nothing_to_match_only_stop_words"
    body = refused.value.to_body()["error"]
    assert body["code"] == "nothing_to_match"
    assert [(d["record"], d["field"]) for d in body["details"]] == [("match", "text")]
    assert MatchRequest.model_validate({"text": "droni 2024"}).text == "droni 2024"


def test_every_reason_has_a_sentence_in_english_and_italian() -> None:
    for reason in ("empty", "only_stop_words", "only_numbers", "other_script"):
        key = f"errors.nothing_to_match_{reason}"
        assert EN[key] != IT[key], key


# --- over HTTP, on the pages and in the shell -------------------------------------------------


@dataclass
class World:
    client: TestClient
    url: str
    need_id: int
    thesis_id: int


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    data = build(db)
    with db.session() as session:
        system = Viewer.system()
        owner = data.orgs["leonardo"]
        need = needs.publish_need(
            session, system, NeedIn(title="il la di", text="per con della dei", owner_id=owner)
        )
        thesis = needs.publish_thesis(
            session,
            system,
            ThesisIn(title="2024", text="2025 2026 2027", owner_id=data.orgs["cluster"]),
        )
        ids = need.id, thesis.id
    with TestClient(create_app(db, Settings())) as client:
        yield World(client, module_db_url, *ids)
    db.dispose()


def test_the_api_answers_422_in_the_one_error_shape(world: World) -> None:
    refused = world.client.post("/api/match", json={"text": "the and of"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "nothing_to_match"
    assert "only common words" in error["message"]
    assert error["details"] == [
        {"record": "match", "field": "text", "message": "has only stop words"}
    ]
    assert world.client.post("/api/match", json={"text": "беспилотник"}).status_code == 422
    assert world.client.post("/api/match", json={"text": "droni 2024"}).status_code == 200


def test_the_match_page_says_why_in_the_page_language(world: World) -> None:
    english = world.client.get("/match", params={"q": "2024 155 12", "lang": "en"})
    assert english.status_code == 422
    assert shown("errors.nothing_to_match_only_numbers", EN) in english.text
    assert "data-match-results" not in english.text
    italian = world.client.get("/match", params={"q": "无人机", "lang": "it"})
    assert italian.status_code == 422
    assert shown("errors.nothing_to_match_other_script", IT) in italian.text
    assert shown("errors.nothing_to_match_other_script", EN) not in italian.text


def test_a_need_or_thesis_with_nothing_to_match_says_so(world: World) -> None:
    need = world.client.get(f"/api/needs/{world.need_id}/candidates")
    assert need.status_code == 422
    detail = need.json()["error"]["details"][0]
    assert (detail["record"], detail["field"]) == (f"need {world.need_id}", "text")
    thesis = world.client.get(f"/api/theses/{world.thesis_id}/startups")
    assert thesis.json()["error"]["code"] == "nothing_to_match"
    page = world.client.get(
        f"/needs/{world.need_id}", params={"lang": "it"}, headers={"accept": "text/html"}
    )
    assert page.status_code == 200  # the record shows, with the reason for no candidates
    assert "per con della dei" in page.text and "data-nothing-to-match" in page.text
    assert shown("errors.nothing_to_match_only_stop_words", IT) in page.text
    thesis_page = world.client.get(f"/theses/{world.thesis_id}", params={"lang": "en"})
    assert thesis_page.status_code == 200 and "2025 2026 2027" in thesis_page.text
    assert shown("errors.nothing_to_match_only_numbers", EN) in thesis_page.text


def test_the_cli_exits_1_with_the_reason(world: World) -> None:
    runner = CliRunner()
    plain = runner.invoke(cli_app, ["match", "il la di", "--lang", "it", "--db", world.url])
    assert plain.exit_code == 1
    assert "only common words" in plain.stderr and plain.stdout == ""
    as_json = runner.invoke(cli_app, ["match", "2024", "--json", "--db", world.url])
    assert as_json.exit_code == 1
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] == "nothing_to_match" and error["details"][0]["field"] == "text"
    need = runner.invoke(cli_app, ["need", "match", str(world.need_id), "--db", world.url])
    assert need.exit_code == 1 and "only common words" in need.stderr
