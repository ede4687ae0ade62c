"""Web pages of the news, through TestClient on SQLite and PostgreSQL.

An article is ingested through the store; then everyone reads the feed and the article
(visitors and members see accepted facts only, reviewers also the proposed ones and the
forms to decide), reviewers accept, edit and reject facts from the queue and the article,
an accepted organisation shows "In the news" on its registry page, a link a reviewer made
to a record a reader may not see is plain text for that reader, users keep watches and
read their digest (also as a JSON Feed), and an empty upload is reported and stores
nothing. Italian pages say their words in Italian.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from filiera.access import secrets_
from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.db import Database
from filiera.news import store
from filiera.news.models import NewsArticle, NewsFact
from filiera.settings import Settings
from filiera.web.i18n import strings
from support.auth import PASSWORD, token_for
from support.dataset import build

EN, IT = strings("en"), strings("it")
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
TITLE = "Leonardo and Safran sign radar contract in Milan"
TEXT = f"""{TITLE}

Source URL: https://news.example/leonardo-safran-radar

Rome, 12 March 2025 – Leonardo S.p.A. signed a contract worth €1.2 billion with Safran SA \
to build a new radar production line in Milan. The plant will employ more than 300 \
employees from 2026.

Politecnico di Milano will train the engineers, Leonardo S.p.A. said. Hidden Radar Works \
also attended the signing ceremony in Rome.
"""
EXTRA = {
    "hidden": {
        "name": "Hidden Radar Works",
        "kind": "sme",
        "country": "IT",
        "visibility": "restricted",
    },
}
ADMIN, MANAGER, MEMBER, READER = (
    "admin@news.example",
    "manager@news.example",
    "member@news.example",
    "reader@news.example",
)


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


@dataclass
class Site:
    db: Database
    orgs: dict[str, int]
    article_id: int

    def client(self, email: str | None = None) -> TestClient:
        """A browser-like client, signed in as `email` through the real sign-in form."""
        settings = Settings(sign_in_per_minute=1000)
        client = TestClient(create_app(self.db, settings), headers=BROWSER)
        if email:
            token = token_of(client.get("/sign-in").text)
            form = {"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"}
            assert client.post("/sign-in", data=form, follow_redirects=False).status_code == 303
        return client

    def facts(self, **where) -> list[NewsFact]:
        with self.db.session() as session:
            stmt = select(NewsFact).where(NewsFact.article_id == self.article_id)
            for name, value in where.items():
                stmt = stmt.where(getattr(NewsFact, name) == value)
            rows = list(session.scalars(stmt.order_by(NewsFact.id)))
            session.expunge_all()
            return rows

    def articles(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(NewsArticle))


def ingest_text(db: Database, name: str, text: str) -> list[store.IngestResult]:
    with db.session() as session:
        return store.ingest(session, Viewer.system(), [], uploads=[(name, text.encode())])


@pytest.fixture(scope="module")
def site(module_db_url: str) -> Iterator[Site]:
    db = Database(module_db_url)
    data = build(db, EXTRA)
    token_for(db, ADMIN, "admin")
    token_for(db, MANAGER, "cluster_manager", (data.orgs["cluster"],))
    token_for(db, MEMBER, "member", (data.orgs["polimi"],))
    token_for(db, READER, "viewer")
    [result] = ingest_text(db, "leonardo.txt", TEXT)
    assert result.status == "added", result.to_json()
    yield Site(db, data.orgs, result.article_id)
    db.dispose()


def token_of(page: str) -> str:
    return FORM_TOKEN.search(page).group(1)


def visible_text(page: str) -> str:
    """The page's main text outside scripts and elements marked as data or English."""
    body = page[page.find("<main") : page.find("</main>")]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r"<(textarea|select)\b.*?</\1>", " ", body, flags=re.S)
    for _ in range(4):  # nested marked elements
        body = re.sub(
            r'<(\w+)[^>]*(translate="no"|lang="en")[^>]*>(?:(?!<\1[ >]).)*?</\1>',
            " ",
            body,
            flags=re.S,
        )
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def leonardo_fact(site: Site) -> NewsFact:
    """The first organisation fact linking Leonardo (the registry gazetteer finds its name;
    the tests below accept it)."""
    leonardo = site.orgs["leonardo"]
    found = [f for f in site.facts(kind="organization") if f.data.get("registry_id") == leonardo]
    assert found, [(f.text, f.data, f.status) for f in site.facts(kind="organization")]
    return found[0]


def accepted_leonardo(site: Site) -> NewsFact:
    fact = leonardo_fact(site)
    if fact.status == "proposed":
        assert decide(site.client(ADMIN), fact.id, "accept").status_code == 303
    return leonardo_fact(site)


def decide(client: TestClient, fact_id: int, decision: str, **fields: str):
    page = client.get("/news/review").text
    form = {"csrf_token": token_of(page), "decision": decision, "back": "review", **fields}
    return client.post(f"/news/facts/{fact_id}/decision", data=form, follow_redirects=False)


# --- the feed ----------------------------------------------------------------------------------


def test_everyone_reads_the_feed_reviewers_get_the_forms(site: Site) -> None:
    proposed = len(site.facts(status="proposed"))
    assert proposed > 0
    for email in (None, READER, MEMBER, MANAGER, ADMIN):
        page = site.client(email).get("/news?lang=en")
        assert page.status_code == 200, email
        text = page.text
        assert f'data-article="{site.article_id}"' in text and TITLE in text
        assert 'href="https://news.example/leonardo-safran-radar"' in text  # the original
        assert EN["news.credit_note"] in text
        assert f"data-news-nav>{EN['news.nav']}<" in text
        may_ingest = email in (MANAGER, ADMIN)
        assert ("data-ingest-form" in text) == may_ingest, email
        assert ("data-review-link" in text) == may_ingest, email
        assert (f'data-proposed-count="{proposed}"' in text) == may_ingest, email
        assert "data-count-kind" not in text  # nothing accepted yet (the next tests accept)


def test_search_language_and_paging(site: Site) -> None:
    client = site.client()
    found = client.get("/news", params={"q": "radar contract", "language": "en"}).text
    assert f'data-article="{site.article_id}"' in found
    for params in ({"q": "submarine"}, {"language": "fr"}):
        page = client.get("/news", params=params).text
        assert f'data-article="{site.article_id}"' not in page and "data-no-articles" in page
    assert client.get("/news", params={"page": 0}).status_code == 422


# --- an article --------------------------------------------------------------------------------


def test_the_article_shows_facts_each_reader_may_see(site: Site) -> None:
    proposed = site.facts(status="proposed")
    visitor = site.client().get(f"/news/{site.article_id}?lang=en")
    assert visitor.status_code == 200
    assert 'data-status="proposed"' not in visitor.text and "data-decide" not in visitor.text
    assert "data-given-as" not in visitor.text and "leonardo.txt" not in visitor.text
    admin = site.client(ADMIN).get(f"/news/{site.article_id}?lang=en").text
    assert "data-given-as" in admin and "leonardo.txt" in admin
    for fact in proposed:
        assert f'data-fact-row="{fact.id}"' in admin
        assert f'data-decide="{fact.id}"' in admin
    marks = re.findall(r'<mark class="news-mark kind-(\w+) status-proposed" data-fact="\d+"', admin)
    assert marks and set(marks) <= {f.kind for f in proposed}
    fact = leonardo_fact(site)
    assert fact.status == "proposed"
    mark = re.search(rf'<mark [^>]*data-fact="{fact.id}"[^>]*title="([^"]+)">(.*?)</mark>', admin)
    assert mark, "the organisation is highlighted"
    assert html.unescape(mark.group(1)).startswith(f"{EN['news.kinds.organization']}: Leonardo")
    assert f'href="/organisations/{site.orgs["leonardo"]}"' in mark.group(2)
    assert 'data-legend="organization"' in admin
    assert site.client(MEMBER).get("/news/999999").status_code == 404


def test_the_review_queue_is_for_reviewers(site: Site) -> None:
    visitor = site.client().get("/news/review", follow_redirects=False)
    assert visitor.status_code == 303 and visitor.headers["location"].startswith("/sign-in")
    for email in (MEMBER, READER):
        assert site.client(email).get("/news/review").status_code == 403, email
    queue = site.client(MANAGER).get("/news/review?lang=en").text
    assert f'data-review-article="{site.article_id}"' in queue
    for fact in site.facts(status="proposed"):
        assert f'data-review-fact="{fact.id}"' in queue
    leonardo = leonardo_fact(site)
    block = queue[queue.find(f'data-review-fact="{leonardo.id}"') :]
    block = block[: block.find("</article>")]
    assert 'name="data.name"' in block and 'name="data.registry_id"' in block
    assert "data-create-organisation" not in block  # already a registry record
    assert re.search(rf'<mark [^>]*data-fact="{leonardo.id}"', block)  # in its sentence
    only_money = site.client(MANAGER).get("/news/review?kind=money").text
    kinds = set(re.findall(r'data-review-fact="\d+" data-kind="(\w+)"', only_money))
    assert kinds <= {"money"}


def test_accepting_and_rejecting_from_the_queue(site: Site) -> None:
    client = site.client(ADMIN)
    fact = leonardo_fact(site)
    page = client.get("/news/review").text
    refused = client.post(
        f"/news/facts/{fact.id}/decision", data={"decision": "accept"}, follow_redirects=False
    )
    assert refused.status_code == 403  # no CSRF token
    member = site.client(MEMBER)
    token = token_of(member.get("/news").text)
    refused = member.post(
        f"/news/facts/{fact.id}/decision", data={"decision": "accept", "csrf_token": token}
    )
    assert refused.status_code == 403
    assert token_of(page)
    answer = decide(client, fact.id, "accept", note="checked")
    assert answer.status_code == 303 and answer.headers["location"] == "/news/review"
    assert leonardo_fact(site).status == "accepted"
    queue = client.get("/news/review").text
    assert f'data-review-fact="{fact.id}"' not in queue
    again = decide(client, fact.id, "reject")
    assert again.status_code == 409 and "data-fact-error" not in again.text  # no longer listed
    assert "data-error-notice" in again.text

    visitor = site.client().get(f"/news/{site.article_id}?lang=en").text
    assert re.search(rf'<mark [^>]*status-accepted" data-fact="{fact.id}"', visitor)
    assert 'data-count-kind="organization"' in site.client().get("/news").text
    profile = site.client().get(f"/organisations/{site.orgs['leonardo']}?lang=en").text
    assert "data-in-the-news" in profile and EN["news.profile.title"] in profile
    assert f'data-news-fact="{fact.id}"' in profile
    assert f'href="/news/{site.article_id}"' in profile
    assert (
        "data-in-the-news" not in site.client().get(f"/organisations/{site.orgs['luxspace']}").text
    )

    other = next(f for f in site.facts(status="proposed") if f.kind != "organization")
    rejected = decide(client, other.id, "reject", filter=other.kind)
    assert rejected.headers["location"] == f"/news/review?kind={other.kind}"
    assert [f.status for f in site.facts() if f.id == other.id] == ["rejected"]
    assert f'data-fact-row="{other.id}"' not in site.client().get(f"/news/{site.article_id}").text


def test_a_reviewer_edits_before_accepting(site: Site) -> None:
    client = site.client(MANAGER)
    money = site.facts(kind="money", status="proposed")
    assert money, [(f.kind, f.text) for f in site.facts()]
    fact = money[0]
    bad = decide(client, fact.id, "accept", **{"data.amount": "lots"})
    assert bad.status_code == 422 and "data-fact-error" in bad.text
    assert 'data-error-field="data.amount"' in bad.text
    assert [f.status for f in site.facts() if f.id == fact.id] == ["proposed"]
    wrong_currency = decide(client, fact.id, "accept", **{"data.currency": "euro"})
    assert wrong_currency.status_code == 422
    answer = decide(
        client, fact.id, "accept", **{"data.amount": "1300000000", "data.currency": "EUR"}
    )
    assert answer.status_code == 303
    [stored] = [f for f in site.facts() if f.id == fact.id]
    assert stored.status == "accepted" and stored.data["amount"] == 1_300_000_000
    assert stored.reviewed_at is not None


def test_accepting_from_the_article_page(site: Site) -> None:
    client = site.client(ADMIN)
    fact = next(f for f in site.facts(status="proposed"))
    page = client.get(f"/news/{site.article_id}").text
    form = {
        "csrf_token": token_of(page),
        "decision": "accept",
        "back": "article",
        "article_id": str(site.article_id),
    }
    answer = client.post(f"/news/facts/{fact.id}/decision", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/news/{site.article_id}#fact-{fact.id}"
    again = client.post(f"/news/facts/{fact.id}/decision", data=form)
    assert again.status_code == 409 and "data-fact-error" in again.text


def test_a_link_to_a_hidden_record_is_plain_text(site: Site) -> None:
    """A reviewer links a name to a restricted organisation: readers who may not see it
    get the article's words, with no link and not the record's name."""
    hidden = site.orgs["hidden"]
    with site.db.session() as session:
        fact = NewsFact(
            article_id=site.article_id,
            kind="organization",
            text="Hidden Radar Works",
            start=TEXT.index("Hidden Radar Works"),
            end=TEXT.index("Hidden Radar Works") + len("Hidden Radar Works"),
            sentence="Hidden Radar Works also attended the signing ceremony in Rome.",
            data={"name": "Radar Works Secret Name", "registry_id": None, "found_by": ["context"]},
            status="proposed",
        )
        session.add(fact)
        session.flush()
        fact_id = fact.id
    answer = decide(site.client(ADMIN), fact_id, "accept", **{"data.registry_id": str(hidden)})
    assert answer.status_code == 303
    admin = site.client(ADMIN).get(f"/news/{site.article_id}").text
    assert f'href="/organisations/{hidden}"' in admin and "Radar Works Secret Name" in admin
    for email in (None, MEMBER, MANAGER):
        page = site.client(email).get(f"/news/{site.article_id}").text
        assert f"/organisations/{hidden}" not in page, email
        assert "Radar Works Secret Name" not in page, email
        assert f'data-fact="{fact_id}"' in page  # still highlighted, as the article's words


# --- ingesting ---------------------------------------------------------------------------------


def ingest_form(client: TestClient, files: list, urls: str = ""):
    token = token_of(client.get("/news").text)
    return client.post(
        "/news/ingest", data={"csrf_token": token, "urls": urls, "lang": "auto"}, files=files
    )


def test_an_empty_upload_is_reported_and_stores_nothing(site: Site) -> None:
    client = site.client(MANAGER)
    before = site.articles()
    answer = ingest_form(client, [("files", ("empty.txt", b"", "text/plain"))])
    assert answer.status_code == 200
    rows = re.findall(r'<tr data-result="(\w+)">(.*?)</tr>', answer.text, re.S)
    assert [status for status, _ in rows] == ["error"]
    assert "empty.txt" in rows[0][1] and "data-result-message" in rows[0][1]
    assert site.articles() == before
    nothing = ingest_form(client, [("files", ("", b"", "application/octet-stream"))])
    assert nothing.status_code == 422 and EN["errors.news_nothing_given"] in nothing.text
    assert site.articles() == before


def test_uploads_are_added_or_reported_as_duplicates(site: Site) -> None:
    client = site.client(ADMIN)
    text = (
        "Safran opens a plant in Bordeaux\n\nBordeaux, 3 February 2025 – Safran SA opened a "
        "new engine plant in Bordeaux with 250 employees, Safran SA said on Monday.\n"
    )
    answer = ingest_form(
        client,
        [
            ("files", ("safran.txt", text.encode(), "text/plain")),
            ("files", ("again.txt", TEXT.encode(), "text/plain")),
        ],
    )
    statuses = re.findall(r'<tr data-result="(\w+)">', answer.text)
    assert statuses == ["added", "duplicate"]
    added = re.search(r'data-result-article="(\d+)"', answer.text).group(1)
    assert site.client().get(f"/news/{added}").status_code == 200
    assert site.client(MEMBER).post("/news/ingest", data={"csrf_token": "x"}).status_code == 403


# --- watches and the digest --------------------------------------------------------------------


def test_watches_and_the_digest(site: Site) -> None:
    accepted_leonardo(site)
    visitor = site.client().get("/news/digest", follow_redirects=False)
    assert visitor.status_code == 303
    assert site.client(READER).get("/news/digest").status_code == 200  # every signed-in user
    client = site.client(MEMBER)
    page = client.get("/news/digest?lang=en").text
    assert "data-no-watches" in page and "data-digest-items" in page  # every accepted fact
    token = token_of(page)
    bad = client.post("/news/watches", data={"csrf_token": token, "name": "Nothing"})
    assert bad.status_code == 422 and 'data-error-field="query"' in bad.text
    hidden = client.post(
        "/news/watches",
        data={"csrf_token": token, "name": "Hidden", "organisation_id": str(site.orgs["hidden"])},
    )
    assert hidden.status_code == 404 and "data-error-notice" in hidden.text
    leonardo = site.orgs["leonardo"]
    added = client.post(
        "/news/watches",
        data={
            "csrf_token": token,
            "name": "Leonardo news",
            "organisation_id": str(leonardo),
            "kinds": ["organization"],
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    page = client.get("/news/digest?lang=en").text
    watch_id = re.search(r'data-watch="(\d+)"', page).group(1)
    assert "Leonardo news" in page and f'href="/organisations/{leonardo}"' in page
    items = re.findall(r'data-news-fact="(\d+)"', page)
    accepted = {f.id for f in site.facts(status="accepted", kind="organization")}
    assert items and set(map(int, items)) <= accepted
    feed = client.get("/news/digest.json")
    assert feed.headers["content-type"].startswith("application/feed+json")
    body = feed.json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert {item["_filiera"]["kind"] for item in body["items"]} == {"organization"}
    assert 'href="/news/digest.json"' in page
    gone = client.post(
        f"/news/watches/{watch_id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303
    assert "data-no-watches" in client.get("/news/digest").text
    prefill = client.get(f"/news/digest?organisation={leonardo}&name=Leonardo").text
    assert f'name="organisation_id" value="{leonardo}"' in prefill


# --- Italian -----------------------------------------------------------------------------------

ENGLISH = (
    "News",
    "Review",
    "Accept",
    "Reject",
    "Organisation",
    "Amount",
    "Event",
    "Search",
    "language",
    "watch",
    "digest",
    "Sentence",
    "employees",
    "Highlighted",
    "Place",
    "Result",
)


def test_italian_pages_show_no_english(site: Site) -> None:
    admin = site.client(ADMIN)
    pages = {
        "/news?lang=it": IT["news.title"],
        f"/news/{site.article_id}?lang=it": IT["news.facts.title"],
        "/news/review?lang=it": IT["news.review.title"],
        "/news/digest?lang=it": IT["news.digest.title"],
        f"/organisations/{site.orgs['leonardo']}?lang=it": IT["news.profile.title"],
    }
    for url, heading in pages.items():
        page = admin.get(url)
        assert page.status_code == 200, url
        assert heading in page.text, url
        text = visible_text(page.text)
        for english in ENGLISH:
            assert not re.search(rf"\b{english}\b", text), (url, english)
    token = token_of(admin.get("/news?lang=it").text)
    answer = admin.post(
        "/news/ingest?lang=it",
        data={"csrf_token": token, "urls": ""},
        files=[("files", ("vuoto.txt", b"", "text/plain"))],
    )
    assert IT["news.ingest.status.error"] in answer.text
    assert not re.search(r"\bempty\b", visible_text(answer.text))  # the message is lang="en"
