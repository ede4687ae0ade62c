"""News over the REST API (issue 14), on SQLite and PostgreSQL: a cluster manager ingests
documents (a bad one reported by name, the good one stored), reviews a fact; readers see
accepted facts only; the digest is a JSON Feed; errors have the one JSON shape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.api_world import World, api_world
from test_news_store import ARTICLE


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    with api_world(module_db_url) as made:
        yield made


@pytest.fixture(scope="module")
def article_id(world: World) -> int:
    body = {
        "documents": [
            {"name": "empty.txt", "content": "   "},
            {"name": "accordo.txt", "content": ARTICLE},
        ],
        "credit": "Example press release",
    }
    answer = world.ask("manager", "POST", "/api/news/ingest", body)
    assert answer.status_code == 200, answer.text
    empty, good = answer.json()
    assert (empty["status"], good["status"]) == ("error", "added")
    assert "empty.txt" in empty["message"]
    assert any(o["registry_id"] == world.reg.org("leonardo") for o in good["organizations"])
    return good["article_id"]


def test_readers_see_the_article_and_accepted_facts_only(world: World, article_id: int) -> None:
    listed = world.ask("anonymous", "GET", "/api/news/articles").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == article_id
    as_reader = world.ask("leo", "GET", f"/api/news/articles/{article_id}").json()
    assert as_reader["fact_list"] == [] and as_reader["credit"] == "Example press release"
    as_manager = world.ask("manager", "GET", f"/api/news/articles/{article_id}").json()
    text = as_manager["text"]
    assert as_manager["fact_list"]
    for fact in as_manager["fact_list"]:  # offsets point into the text
        assert text[fact["start"] : fact["end"]] == fact["text"]


def test_review_then_the_fact_is_on_the_organisation(world: World, article_id: int) -> None:
    queue = world.ask("manager", "GET", "/api/news/review", kind="money").json()
    fact = queue[0]
    bad = world.ask(
        "manager",
        "POST",
        f"/api/news/facts/{fact['id']}/decision",
        {"decision": "accept", "changes": {"currency": "euro"}},
    )
    assert bad.status_code == 422
    detail = bad.json()["error"]["details"][0]
    assert (detail["record"], detail["field"]) == (f"news fact {fact['id']}", "data.currency")
    ok = world.ask(
        "manager", "POST", f"/api/news/facts/{fact['id']}/decision", {"decision": "accept"}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    again = world.ask(
        "manager", "POST", f"/api/news/facts/{fact['id']}/decision", {"decision": "reject"}
    )
    assert again.status_code == 409
    news = world.ask("anonymous", "GET", f"/api/news/organisations/{world.reg.org('leonardo')}")
    assert [n["id"] for n in news.json()] == [fact["id"]]
    hidden = world.ask("leo", "GET", f"/api/news/organisations/{world.reg.org('quasar')}")
    missing = world.ask("leo", "GET", "/api/news/organisations/999999")
    assert hidden.status_code == missing.status_code == 404


def test_who_may_ingest_and_review(world: World) -> None:
    body = {"documents": [{"name": "x.txt", "content": ARTICLE}]}
    assert world.ask("anonymous", "POST", "/api/news/ingest", body).status_code == 401
    assert world.ask("leo", "POST", "/api/news/ingest", body).status_code == 403
    assert world.ask("leo", "GET", "/api/news/review").status_code == 403


def test_watches_and_the_json_feed(world: World, article_id: int) -> None:
    leonardo = world.reg.org("leonardo")
    made = world.ask("leo", "POST", "/api/news/watches", {"name": "L", "organisation_id": leonardo})
    assert made.status_code == 201
    assert [w["name"] for w in world.ask("leo", "GET", "/api/news/watches").json()] == ["L"]
    feed = world.ask("leo", "GET", "/api/news/digest")
    assert feed.headers["content-type"].startswith("application/feed+json")
    body = feed.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert body["items"] and all("money" in item["tags"] for item in body["items"])
    other = world.ask("saf", "DELETE", f"/api/news/watches/{made.json()['id']}")
    assert other.status_code == 404  # someone else's watch does not exist for you
    gone = world.ask("leo", "DELETE", f"/api/news/watches/{made.json()['id']}")
    assert gone.status_code == 204


def test_the_server_reads_public_web_addresses_only(world: World) -> None:
    """No path on the server, no address of its own network (also after a redirect)."""
    body = {"urls": ["/etc/passwd", "http://127.0.0.1:9/news", "http://localhost/x"]}
    answer = world.ask("manager", "POST", "/api/news/ingest", body)
    results = answer.json()
    assert [r["status"] for r in results] == ["error", "error", "error"]
    assert "not a web address" in results[0]["message"]
    assert all("private or local address" in r["message"] for r in results[1:])
