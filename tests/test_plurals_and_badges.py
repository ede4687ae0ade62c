"""Counts with their nouns in the right number, synthetic clusters badged, and the duplicate
review page: reasons in words in both languages, keeping both first, merging confirmed.

Pages through the real app on SQLite and PostgreSQL; the review buttons in headless Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from filiera.access import accounts
from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import Membership, Organisation, ReviewItem
from filiera.registry.resolve import REASONS, reason
from filiera.web.i18n import catalogue as locale
from filiera.web.i18n import flatten, strings, translator
from support.auth import PASSWORD, bearer, token_for
from support.browser import collect_console_errors, live_server
from support.dataset import Dataset, build

if TYPE_CHECKING:
    from playwright.sync_api import Page

EXTRA = {
    "lonely": {
        "name": "Cluster Zaravento Droni",
        "kind": "cluster",
        "country": "IT",
        "city": "Torino",
        "synthetic": True,
    },
    "member": {
        "name": "Brivaloduni Droni S.r.l.",
        "kind": "sme",
        "country": "IT",
        "city": "Torino",
        "synthetic": True,
        "capabilities": [
            {"code": "air.uas"},
            {"code": "air.avionics"},
            {"code": "space.satellites"},
            {"code": "electronics.radar"},
        ],
    },
    "trento": {"name": "Università di Trento", "kind": "university", "country": "IT"},
    "torino": {"name": "Università degli Studi di Torino", "kind": "university", "country": "IT"},
}
# Reasons as the resolver writes them, one of each kind a review item can carry.
REVIEW_REASONS = [
    reason("similar_name", score="0.95"),
    reason("same_country", country="IT"),
    reason("different_city"),
    reason("different_identifier", scheme="PIC", mine="999999001", theirs="999999002"),
    reason("different_places", mine="torino", theirs="trento"),
    "checked by hand",  # a reason not written by the resolver is shown as it is
]


def populate(db: Database) -> Dataset:
    """The fixture registry plus a synthetic cluster with one member and one review item."""
    data = build(db, EXTRA)
    with db.session() as session:
        session.add(
            Membership(
                organisation_id=data.orgs["member"],
                cluster_id=data.orgs["lonely"],
                since=date(2021, 1, 1),
            )
        )
        session.add(
            ReviewItem(
                organisation_id=data.orgs["torino"],
                candidate_id=data.orgs["trento"],
                score=0.84,
                reasons=REVIEW_REASONS,
            )
        )
    return data


@pytest.fixture
def setup(db_url: str) -> Iterator[tuple[TestClient, Dataset]]:
    db = Database(db_url)
    data = populate(db)
    headers = bearer(token_for(db, "admin@plurals.example"))
    with TestClient(create_app(db), headers=headers) as client:
        yield client, data
    db.dispose()


def text_of(html: str) -> str:
    """The visible text of a page: no tags, scripts, attributes or runs of spaces."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def card(html: str, name: str) -> str:
    """The cluster card of `name` on the clusters page."""
    found = re.search(
        rf'<a class="card cluster-card"[^>]*>\s*<h2[^>]*>{re.escape(name)}</h2>.*?</a>', html, re.S
    )
    assert found, name
    return found.group(0)


def test_clusters_list_says_one_member_and_badges_synthetic_clusters(setup) -> None:
    client, _ = setup
    for lang, one, two in (("en", "1 member", "2 members"), ("it", "1 membro", "2 membri")):
        page = client.get(f"/clusters?lang={lang}").text
        lonely, lombardy = (
            card(page, "Cluster Zaravento Droni"),
            card(page, "Lombardia Aerospace Cluster"),
        )
        assert one in text_of(lonely) and two in text_of(lombardy), lang
        assert "badge synthetic" in lonely and "badge synthetic" not in lombardy
        assert strings(lang)["profile.synthetic"] in text_of(lonely)
    assert "1 members" not in client.get("/clusters?lang=en").text


def profile_head(html: str) -> str:
    start = html.index('class="profile-head"')
    return html[start : html.index("</header>", start)]


def test_cluster_page_badges_a_synthetic_cluster_and_counts_in_words(setup) -> None:
    client, data = setup
    for lang, one in (("en", "1 member"), ("it", "1 membro")):
        page = client.get(f"/clusters/{data.orgs['lonely']}?lang={lang}").text
        head = profile_head(page)
        assert "badge synthetic" in head and one in text_of(page), lang
        assert "Brivaloduni Droni" in page
    real = client.get(f"/clusters/{data.orgs['cluster']}?lang=it").text
    head = profile_head(real)
    assert "badge synthetic" not in head and "2 membri" in text_of(real)


def test_the_clusters_api_says_which_clusters_are_synthetic(setup) -> None:
    client, data = setup
    found = {c["id"]: c for c in client.get("/api/clusters").json()["data"]}
    assert found[data.orgs["lonely"]]["synthetic"] is True
    assert found[data.orgs["lonely"]]["members"] == 1
    assert found[data.orgs["cluster"]]["synthetic"] is False


def test_directory_counts_and_more_capabilities_agree_in_number(setup) -> None:
    client, data = setup
    url = f"/organisations?cluster={data.orgs['lonely']}"
    for lang, one, more in (
        ("en", "1 organisation", "+1 more"),
        ("it", "1 organizzazione", "+1 altra"),
    ):
        page = text_of(client.get(f"{url}&lang={lang}").text)
        assert one in page and more in page, lang
    assert "1 organizzazioni" not in text_of(client.get(f"{url}&lang=it").text)
    many = text_of(client.get("/organisations?country=IT&lang=it").text)
    assert re.search(r"\b\d+ organizzazioni\b", many)


def test_profile_partners_say_one_shared_project(setup) -> None:
    client, data = setup
    for lang, one in (("en", "1 shared project"), ("it", "1 progetto in comune")):
        page = text_of(client.get(f"/organisations/{data.orgs['polimi']}?lang={lang}").text)
        assert one in page, lang


def test_home_labels_follow_the_figures(tmp_path) -> None:
    db = Database(f"sqlite:///{tmp_path}/one.db")
    db.ensure_ready()
    build_one(db)
    with TestClient(create_app(db)) as client:
        english = client.get("/?lang=en").text
        italian = client.get("/?lang=it").text
    db.dispose()
    for page, organisation, countries, projects in (
        (english, "Organisation", "Country", "Funded projects"),
        (italian, "Organizzazione", "Paese", "Progetti finanziati"),
    ):
        assert f'data-figure="organisations">1</span><span class="label">{organisation}<' in page
        assert f'data-figure="countries">1</span><span class="label">{countries}<' in page
        assert f'data-figure="projects">0</span><span class="label">{projects}<' in page


def build_one(db: Database) -> None:
    """A registry of exactly one organisation and no project."""
    from filiera.registry.models import Source
    from filiera.registry.resolve import Resolver
    from filiera.registry.schemas import OrganisationIn
    from filiera.registry.writer import upsert

    with db.session() as session:
        source = Source(name="manual", kind="manual")
        rec = OrganisationIn(name="Solo Aerospace", kind="sme", country="IT")
        upsert(session, rec, source=source, resolver=Resolver.from_session(session))


PLURALS = (
    "clusters.members",
    "directory.results",
    "directory.more",
    "profile.shared",
    "users.waiting",
    "match.candidates",
    "home.organisations",
    "home.projects",
    "home.countries",
)


def test_counted_nouns_have_both_forms_in_both_languages() -> None:
    english, italian = flatten(locale("en")), flatten(locale("it"))
    for key in PLURALS:
        for table in (english, italian):
            assert f"{key}.one" in table and f"{key}.other" in table, key
            assert key not in table  # no flat form left for a caller to use without a count
    it = translator("it")
    assert it("users.waiting", count=1, number="1") == "1 indirizzo in attesa"
    assert it("users.waiting", count=3, number="3") == "3 indirizzi in attesa"
    assert it("match.candidates", count=1, number="1", lang="it").startswith("1 organizzazione ")


# --- the review page ---------------------------------------------------------------------


def reasons_of(html: str) -> list[str]:
    block = re.search(r'<ul class="review-reasons[^"]*">(.*?)</ul>', html, re.S)
    assert block
    return [text_of(li) for li in re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.S)]


def test_review_reasons_are_words_in_both_languages(setup) -> None:
    client, _ = setup
    english = reasons_of(client.get("/review?lang=en").text)
    italian = reasons_of(client.get("/review?lang=it").text)
    assert english == [
        "similar names (similarity 0.95)",
        "same country: Italy",
        "different cities",
        "different PIC: 999999001 and 999999002",
        "the names name different places: torino and trento",
        "checked by hand",
    ]
    assert italian == [
        "nomi simili (somiglianza 0,95)",
        "stesso paese: Italia",
        "città diverse",
        "PIC diversi: 999999001 e 999999002",
        "i nomi indicano luoghi diversi: torino e trento",
        "checked by hand",
    ]
    page = text_of(client.get("/review?lang=it").text)
    for code, english_text in REASONS.items():
        assert code not in page
        assert english_text.split(" {")[0].split(":")[0] not in page, english_text


def test_every_resolver_reason_has_words_in_both_languages() -> None:
    for lang in ("en", "it"):
        table = strings(lang)
        assert {f"duplicates.why.{code}" for code in REASONS} <= set(table), lang


def test_keeping_both_comes_first_and_merging_is_not_a_plain_button(setup) -> None:
    client, _ = setup
    page = client.get("/review?lang=en").text
    actions = page[page.index('class="review-actions"') :]
    actions = actions[: actions.index("</div>")]
    buttons = re.findall(r'<button[^>]*data-decision="(\w+)"', actions)
    assert buttons == ["reject", "merge"]
    confirm = re.search(r"<details class=\"merge-confirm\">(.*?)</details>", actions, re.S)
    assert confirm and 'data-decision="merge"' in confirm.group(1)  # only inside the disclosure
    assert 'data-decision="merge"' not in actions.replace(confirm.group(0), "")


@dataclass
class Site:
    base: str
    db: Database
    data: Dataset


ADMIN = "admin@review-browser.example"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('review-browser')}/site.db")
    data = populate(db)
    with db.session() as session:
        accounts.add_user(session, ADMIN, "Ada Admin", PASSWORD, role="admin")
    with live_server(create_app(db)) as base:
        yield Site(base, db, data)
    db.dispose()


def open_review(page: Page, site: Site, lang: str) -> None:
    page.goto(f"{site.base}/sign-in?lang={lang}&next=/review")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.wait_for_url(f"{site.base}/review")


@pytest.mark.browser
def test_merging_asks_for_confirmation_in_the_browser(page: Page, site: Site) -> None:
    from playwright.sync_api import expect

    errors = collect_console_errors(page)
    open_review(page, site, "it")
    it = strings("it")
    item = page.locator("[data-review]")
    expect(item).to_have_count(1)
    buttons = item.locator("button:visible")
    expect(buttons).to_have_count(1)  # the only button on show keeps both
    expect(buttons.first).to_have_text(it["review.reject"])
    confirm = item.get_by_role("button", name=it["duplicates.confirm_merge"])
    expect(confirm).to_be_hidden()
    item.locator("summary", has_text=it["review.merge"]).click()
    expect(confirm).to_be_visible()
    expect(item).to_contain_text("Università degli Studi di Torino")
    expect(item.locator(".review-reasons")).to_contain_text("luoghi diversi: torino e trento")
    item.locator("summary", has_text=it["review.merge"]).click()  # closing it merges nothing
    expect(confirm).to_be_hidden()
    buttons.first.click()
    expect(item.locator(".review-status")).to_have_text(it["review.rejected"])
    with site.db.session() as session:
        status = session.scalars(select(ReviewItem.status)).one()
        assert status == "rejected"
        assert session.get(Organisation, site.data.orgs["torino"]) is not None
    assert errors == []
