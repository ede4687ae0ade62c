"""News through the services (issue 14), on SQLite and PostgreSQL: ingest, duplicates, bad
inputs, who sees what, review into the registry, watches and the digest.

The registry is `support.dataset` (Leonardo, Safran, LuxSpace, the Lombardia cluster, ...)
plus Quasar Optics, restricted to its own users. The article names Leonardo, the cluster
and Quasar Optics, a person with a role, an amount, a quantity and a date.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from filiera.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from filiera.news import alerts, review, store
from filiera.news.models import NewsArticle, NewsFact
from filiera.registry.models import Organisation, Person, PersonRole, Source
from support.event_registry import Registry, make_registry

ARTICLE = """\
Leonardo e il cluster lombardo firmano un accordo per una nuova linea di produzione

Milano, 12 marzo 2026 – Leonardo e il Lombardia Aerospace Cluster hanno firmato un accordo di \
collaborazione per una nuova linea di produzione di sensori ottici. L'investimento è di 45 \
milioni di euro e porterà 120 nuovi addetti entro il 2027.

Mario Bianchi, Presidente del Lombardia Aerospace Cluster, ha detto che anche la società \
Quasar Optics partecipa al progetto.
"""


@pytest.fixture(scope="module")
def reg(module_db_url: str) -> Iterator[Registry]:
    reg = make_registry(module_db_url)
    yield reg
    reg.db.dispose()


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def ingest(reg: Registry, *paths: str, who: str = "manager"):
    with reg.db.session() as session:
        return store.ingest(session, reg.viewer(who), list(paths))


def facts_of(reg: Registry, article_id: int, kind: str | None = None) -> list[NewsFact]:
    with reg.db.session() as session:
        rows = session.scalars(select(NewsFact).where(NewsFact.article_id == article_id))
        found = [f for f in rows if kind is None or f.kind == kind]
        for f in found:
            session.expunge(f)
        return found


@pytest.fixture(scope="module")
def article_id(reg: Registry, tmp_path_factory) -> int:
    path = write(tmp_path_factory.mktemp("news"), "accordo.txt", ARTICLE)
    (result,) = ingest(reg, path)
    assert result.status == "added", result.message
    return result.article_id


def test_ingest_reads_the_article_and_queues_its_facts(reg: Registry, article_id: int) -> None:
    with reg.db.session() as session:
        article = session.get(NewsArticle, article_id)
        assert article.lang == "it"
        assert article.title.startswith("Leonardo e il cluster lombardo")
        assert str(article.published) == "2026-03-12"
        assert session.get(Source, article.source_id).kind == "news"
    facts = facts_of(reg, article_id)
    assert facts and {f.status for f in facts} == {"proposed"}
    orgs = {f.data["name"]: f.data["registry_id"] for f in facts if f.kind == "organization"}
    assert orgs["Leonardo S.p.A."] == reg.org("leonardo")
    assert orgs["Lombardia Aerospace Cluster"] == reg.org("cluster")
    money = [f.data for f in facts if f.kind == "money"]
    assert money == [{"amount": 45_000_000, "currency": "EUR"}] or money[0]["amount"] == 45e6
    for fact in facts:  # every fact points to the sentence it came from
        assert fact.sentence and fact.text in fact.sentence


def test_a_restricted_organisation_never_shapes_what_is_read(
    reg: Registry, article_id: int
) -> None:
    """Extraction sees public organisations only: Quasar Optics (restricted) is read from
    its context ("la società Quasar Optics") as a name, never linked to its record."""
    quasar = [f for f in facts_of(reg, article_id, "organization") if "Quasar" in f.text]
    assert [f.data["registry_id"] for f in quasar] == [None]
    assert quasar[0].data["found_by"] == ["context"]
    with reg.db.session() as session:
        names = {
            e.name for entries in store.public_gazetteer(session).names.values() for e in entries
        }
    assert "Quasar Optics" not in names and "Leonardo S.p.A." in names


def test_the_same_story_again_is_a_duplicate(reg: Registry, article_id: int, tmp_path) -> None:
    again = write(tmp_path, "again.txt", ARTICLE)
    edited = write(tmp_path, "edited.txt", "Ultime notizie\n\n" + ARTICLE + "\nCondividi\n")
    results = ingest(reg, again, edited)
    assert [r.status for r in results] == ["duplicate", "duplicate"]
    assert f"article {article_id}" in results[0].message
    assert "again.txt" in results[1].message  # the same story as the input before it
    with reg.db.session() as session:
        assert session.query(NewsArticle).count() == 1


def test_bad_inputs_are_reported_one_by_one_and_write_nothing(
    reg: Registry, article_id: int, tmp_path
) -> None:
    good = write(
        tmp_path,
        "good.txt",
        "Safran SA ha aperto un nuovo stabilimento a Tolosa, "
        "in Francia, con 300 addetti. L'annuncio è arrivato il 3 febbraio 2026.",
    )
    empty = write(tmp_path, "empty.txt", "")
    binary = write(tmp_path, "scan.pdf", b"%PDF-1.7\n\x00\x01\x02binary")
    missing = str(tmp_path / "missing.txt")
    results = ingest(reg, empty, good, binary, missing)
    assert [r.status for r in results] == ["error", "added", "error", "error"]
    assert "empty.txt" in results[0].message and "scan.pdf" in results[2].message
    assert "missing.txt" in results[3].message
    with reg.db.session() as session:
        assert session.query(NewsArticle).count() == 2


def test_a_failure_while_storing_one_article_leaves_nothing_of_it(
    reg: Registry, article_id: int, tmp_path, monkeypatch
) -> None:
    calls = {"n": 0}
    real = store._link_extracted

    def failing(fact):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        real(fact)

    monkeypatch.setattr(store, "_link_extracted", failing)
    path = write(
        tmp_path,
        "crash.txt",
        "Thales e Safran SA hanno firmato un contratto da "
        "10 milioni di euro con il ministero il 4 aprile 2026.",
    )
    with reg.db.session() as session:
        before = session.query(NewsFact).count(), session.query(Source).count()
    (result,) = ingest(reg, path)
    assert result.status == "error" and "disk full" in result.message
    with reg.db.session() as session:
        assert (session.query(NewsFact).count(), session.query(Source).count()) == before
        assert session.scalar(select(NewsArticle).where(NewsArticle.given_as == path)) is None


def test_only_managers_and_admins_ingest(reg: Registry, tmp_path) -> None:
    path = write(tmp_path, "x.txt", ARTICLE)
    with pytest.raises(Forbidden):
        ingest(reg, path, who="leo")
    with pytest.raises(Unauthorized):
        ingest(reg, path, who="anonymous")


def view(reg: Registry, who: str, article_id: int) -> list[dict]:
    with reg.db.session() as session:
        viewer = reg.viewer(who)
        article = store.get_article(session, viewer, article_id)
        seen = store.facts_seen(viewer, article)
        visible = store.visible_ids(session, viewer, seen)
        return [store.fact_view(f, visible, store.is_reviewer(viewer)) for f in seen]


def decide(reg: Registry, fact_id: int, decision: str = "accept", who="manager", **kw):
    with reg.db.session() as session:
        fact = review.decide(session, reg.viewer(who), fact_id, decision, **kw)
        return fact.status, dict(fact.data)


def first(reg: Registry, article_id: int, kind: str, text: str) -> NewsFact:
    return next(
        f for f in facts_of(reg, article_id, kind) if text in f.text and f.status == "proposed"
    )


def test_readers_see_accepted_facts_reviewers_all(reg: Registry, article_id: int) -> None:
    assert view(reg, "anonymous", article_id) == view(reg, "leo", article_id)
    assert {f["status"] for f in view(reg, "manager", article_id)} >= {"proposed"}
    assert all(f["status"] == "accepted" for f in view(reg, "leo", article_id))


def test_accepting_a_person_puts_them_in_the_registry(reg: Registry, article_id: int) -> None:
    person = first(reg, article_id, "person", "Mario Bianchi")
    assert person.data["role"] == "Presidente"
    assert person.data["organization_id"] == reg.org("cluster")
    status, data = decide(reg, person.id)
    assert status == "accepted"
    with reg.db.session() as session:
        found = session.scalars(select(Person).where(Person.name == "Mario Bianchi")).one()
        role = session.scalars(select(PersonRole).where(PersonRole.person_id == found.id)).one()
        assert (role.organisation_id, role.title) == (reg.org("cluster"), "Presidente")
        assert found.source_id is not None
        news = alerts.person_news(session, reg.viewer("anonymous"), found.id)
    assert [n["text"] for n in news] == ["Mario Bianchi"]


def test_an_accepted_amount_shows_on_its_organisations_page(reg: Registry, article_id: int) -> None:
    money = next(f for f in facts_of(reg, article_id, "money") if f.status == "proposed")
    decide(reg, money.id, changes={"amount": 45_000_000, "currency": "EUR"})
    with reg.db.session() as session:
        news = alerts.organisation_news(session, reg.viewer("anonymous"), reg.org("leonardo"))
    assert [(n["kind"], n["data"]["amount"]) for n in news] == [("money", 45_000_000)]
    assert news[0]["article"]["id"] == article_id and news[0]["sentence"]


def test_edits_are_checked_field_by_field(reg: Registry, article_id: int) -> None:
    money = next(f for f in facts_of(reg, article_id, "quantity") if f.status == "proposed")
    with pytest.raises(ValidationFailed) as caught:
        decide(reg, money.id, changes={"value": -3, "colour": "red"})
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"data.value", "data.colour"}
    assert all(e["record"] == f"news fact {money.id}" for e in caught.value.errors)
    assert facts_of(reg, article_id, "quantity")[0].status == "proposed"  # nothing changed


def test_a_fact_is_decided_once(reg: Registry, article_id: int) -> None:
    date = first(reg, article_id, "date", "2027")
    decide(reg, date.id, "reject", note="a target, not a date of the story")
    with pytest.raises(Conflict):
        decide(reg, date.id)


def test_creating_an_organisation_from_the_news(reg: Registry, article_id: int) -> None:
    quasar = first(reg, article_id, "organization", "Quasar")
    # the manager may not see the restricted Quasar Optics: accepting creates a new public
    # record with the article as its source (a hidden near-duplicate goes to admin review)
    status, data = decide(reg, quasar.id, create_organisation=True)
    assert status == "accepted" and data["registry_id"] not in (None, reg.org("quasar"))
    with reg.db.session() as session:
        org = session.get(Organisation, data["registry_id"])
        assert org.name == "Quasar Optics" and org.visibility == "public"
        assert session.get(Source, org.source_id).kind == "news"


def test_links_to_what_a_viewer_may_not_see_read_as_plain_text(
    reg: Registry, article_id: int
) -> None:
    fact = (
        first(reg, article_id, "organization", "Safran")
        if any("Safran" in f.text for f in facts_of(reg, article_id, "organization"))
        else first(reg, article_id, "organization", "Leonardo")
    )
    with pytest.raises(NotFound):  # the manager may not link to a record they cannot see
        decide(reg, fact.id, changes={"registry_id": reg.org("quasar")})
    decide(reg, fact.id, who="admin", changes={"registry_id": reg.org("quasar")})
    as_leo = next(f for f in view(reg, "leo", article_id) if f["id"] == fact.id)
    as_quasar = next(f for f in view(reg, "quasar", article_id) if f["id"] == fact.id)
    assert as_leo["data"]["registry_id"] is None and as_leo["data"]["name"] == fact.text
    assert as_leo["organisation_ids"] == []
    assert as_quasar["data"]["registry_id"] == reg.org("quasar")


def test_watches_and_the_digest(reg: Registry, article_id: int) -> None:
    with reg.db.session() as session:
        leo = reg.viewer("leo")
        alerts.add_watch(session, leo, name="Leonardo", organisation_id=reg.org("leonardo"))
        alerts.add_watch(session, leo, name="Presidents", query="Presidente", kinds=["person"])
        found = alerts.digest(session, leo)
        with pytest.raises(NotFound):  # a restricted organisation cannot be watched
            alerts.add_watch(session, leo, name="Q", organisation_id=reg.org("quasar"))
        with pytest.raises(ValidationFailed):
            alerts.add_watch(session, leo, name="nothing")
        feed = alerts.json_feed(found, "http://127.0.0.1:8000", "http://127.0.0.1:8000/f")
    watched = {(i["kind"], tuple(i["watches"])) for i in found["items"]}
    assert ("money", ("Leonardo",)) in watched and ("person", ("Presidents",)) in watched
    assert all(i["status"] == "accepted" for i in found["items"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert len(feed["items"]) == len(found["items"]) and feed["items"][0]["id"]
