"""The match page in headless Chromium: paging, the CSV link, synthetic organisations, and
saving results to a shortlist that a colleague reads with their own (narrower) view.

A live uvicorn server on SQLite, as in tests/test_access_browser.py. 45 real organisations
and 2 synthetic ones describe graphene, so a search has three pages; "Grafene Riservato",
restricted and granted to buyers, is seen by the buyer `keeper` and not by their colleague
`mate` (a member of the same organisation).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from filiera.access import accounts
from filiera.access.models import AccessGrant
from filiera.app import create_app
from filiera.db import Database
from filiera.web.i18n import strings
from support.auth import PASSWORD
from support.browser import collect_console_errors, live_server
from support.dataset import Dataset, build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

CITIES = (  # noqa: SIM905 (a list literal would take 45 lines)
    "Torino Milano Genova Venezia Trieste Bologna Firenze Pisa Roma Napoli Bari Lecce "
    "Palermo Catania Cagliari Ancona Perugia Pescara Trento Bolzano Verona Padova Brescia "
    "Bergamo Como Varese Novara Parma Modena Rimini Siena Arezzo Livorno Salerno Foggia "
    "Taranto Messina Sassari Udine Vicenza Treviso Mantova Cremona Pavia Asti"
).split()
REAL = {
    f"real_{city}": {
        "name": f"Grafene {city} S.r.l.",
        "kind": "sme",
        "country": "IT",
        "descriptions": {"en": f"Graphene sensors and coatings made in {city}."},
    }
    for city in CITIES
}
OTHERS = {
    "granted": {
        "name": "Grafene Riservato S.p.A.",
        "kind": "sme",
        "country": "FR",
        "visibility": "restricted",
        "descriptions": {"en": "Graphene radomes for naval radar."},
    },
    "synthetic_a": {
        "name": "Synthgraph Alpha",
        "kind": "startup",
        "country": "IT",
        "synthetic": True,
        "descriptions": {"en": "Graphene sensors, fictional."},
    },
    "synthetic_b": {
        "name": "Synthgraph Beta",
        "kind": "startup",
        "country": "IT",
        "synthetic": True,
        "descriptions": {"en": "Graphene coatings, fictional."},
    },
}
KEEPER = "keeper@pages.example"
MATE = "mate@pages.example"
EN, IT = strings("en"), strings("it")
QUERY = "graphene sensors coatings"


@dataclass
class Site:
    base: str
    db: Database
    data: Dataset


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('match-pages')}/site.db")
    data = build(db, {**REAL, **OTHERS})
    polimi = data.orgs["polimi"]
    with db.session() as session:
        session.add(
            AccessGrant(entity="organisation", entity_id=data.orgs["granted"], role="buyer")
        )
        accounts.add_user(session, KEEPER, "Kim Keeper", PASSWORD, role="buyer", org_ids=[polimi])
        accounts.add_user(session, MATE, "Mo Mate", PASSWORD, role="member", org_ids=[polimi])
    with live_server(create_app(db)) as base:
        yield Site(base, db, data)
    db.dispose()


def sign_in(page: Page, site: Site, email: str, next_url: str = "/") -> None:
    page.goto(f"{site.base}/sign-in?lang=en&next={next_url}")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.wait_for_url(f"{site.base}{next_url}")


def save_to(hit, *, new_name: str | None = None, existing: str | None = None) -> None:
    """Open a result's "Save to shortlist" form and submit it."""
    hit.locator("[data-save-shortlist] summary").click()
    if new_name:
        hit.locator("input[name=new_name]").fill(new_name)
    else:
        hit.locator("select[name=shortlist_id]").select_option(label=existing)
    hit.locator("[data-save-shortlist] button[type=submit]").click()


def api_ranking(page: Page, site: Site, text: str = QUERY, **filters) -> list[str]:
    """Ids ranked by `POST /api/match` for the same search (all of them, up to 200)."""
    body = {"text": text, "top": 200, **filters}
    answer = page.request.post(f"{site.base}/api/match", data=body).json()
    assert answer["candidates"] == len(answer["results"])
    return [str(hit["id"]) for hit in answer["results"]]


def test_anonymous_pages_through_results_with_continuing_ranks(page: Page, site: Site) -> None:
    from playwright.sync_api import expect

    errors = collect_console_errors(page)
    ranked = api_ranking(page, site, country=["IT"])
    total = len(ranked)
    assert total > 40  # three pages
    page.goto(f"{site.base}/match?lang=en")
    page.fill("textarea[name=q]", QUERY)
    page.fill("input[name=country]", "IT")
    page.click("[data-match-form] button[type=submit]")
    hits = page.locator("[data-match-results] > li")
    expect(hits).to_have_count(20)
    expect(page.locator("[data-candidates]")).to_have_attribute("data-candidates", str(total))
    expect(page.locator("[data-showing]")).to_have_text(f"showing 1–20 of {total}")
    expect(page.locator("[data-synthetic-left-out]")).to_contain_text("2 synthetic")
    first_page = [hits.nth(i).get_attribute("data-org") for i in range(20)]
    expect(page.locator("[data-sign-in-to-save]")).to_be_visible()
    expect(page.locator("[data-save-shortlist]")).to_have_count(0)

    page.get_by_role("link", name=re.compile(EN["directory.next"])).click()
    expect(hits.first).to_have_attribute("data-rank", "21")
    expect(hits.first.locator(".rank")).to_have_text("21.")
    expect(page.locator("[data-showing]")).to_have_text(f"showing 21–40 of {total}")
    assert "country=IT" in page.url and "page=2" in page.url
    second_page = [hits.nth(i).get_attribute("data-org") for i in range(20)]
    page.get_by_role("link", name=re.compile(EN["directory.next"])).click()
    expect(hits).to_have_count(total - 40)
    expect(hits.last).to_have_attribute("data-rank", str(total))
    third_page = [hits.nth(i).get_attribute("data-org") for i in range(total - 40)]
    shown = first_page + second_page + third_page
    assert shown == ranked and not set(shown) & {
        str(site.data.orgs[k]) for k in ("synthetic_a", "synthetic_b", "granted")
    }

    link = page.locator("[data-csv-export]")
    expect(link).to_have_text(EN["matching.download_csv"])
    href = link.get_attribute("href")
    assert "country=IT" in href and "q=graphene" in href and "page" not in href
    rows = list(csv.DictReader(io.StringIO(page.request.get(f"{site.base}{href}").text())))
    assert [r["id"] for r in rows] == shown and {r["synthetic"] for r in rows} == {"false"}

    page.locator("[data-show-synthetic]").click()
    expect(page.locator("[data-include-synthetic]")).to_be_checked()
    expect(page.locator("[data-candidates]")).to_have_attribute("data-candidates", str(total + 2))
    with_synthetic = api_ranking(page, site, country=["IT"], include_synthetic=True)
    fictional = str(site.data.orgs["synthetic_a"])
    where = with_synthetic.index(fictional)
    page.goto(f"{page.url}&page={where // 20 + 1}")
    hit = page.locator(f"[data-match-results] > li[data-org='{fictional}']")
    expect(hit).to_have_attribute("data-rank", str(where + 1))
    expect(hit).to_have_attribute("data-synthetic", "")
    expect(hit.locator(".badge.synthetic")).to_have_text(EN["profile.synthetic"])
    assert not errors


def test_italian_results_page_is_in_italian(page: Page, site: Site) -> None:
    from playwright.sync_api import expect

    total = len(api_ranking(page, site, text="graphene"))
    page.goto(f"{site.base}/match?lang=it&q=graphene&page=2")
    expect(page.locator("[data-showing]")).to_have_text(f"mostrate 21–40 di {total}")
    expect(page.locator("[data-csv-export]")).to_have_text(IT["matching.download_csv"])
    body = page.locator("main").inner_text()
    for english in ("showing", "Download CSV", "left out", "Show them", "Previous", "Next"):
        assert english not in body, english


def test_saved_results_make_a_shortlist_a_colleague_reads_with_their_own_view(
    page: Page, browser: Browser, site: Site
) -> None:
    from playwright.sync_api import expect

    errors = collect_console_errors(page)
    sign_in(page, site, KEEPER, "/match")
    page.fill("textarea[name=q]", QUERY)
    page.click("[data-match-form] button[type=submit]")
    page.get_by_role("link", name=re.compile(EN["directory.next"])).click()
    hits = page.locator("[data-match-results] > li")
    expect(hits.first).to_have_attribute("data-rank", "21")
    first, second = hits.nth(0).get_attribute("data-org"), hits.nth(1).get_attribute("data-org")

    save_to(hits.nth(0), new_name="Graphene picks")
    page.wait_for_url(re.compile(r".*page=2.*"))
    expect(hits.nth(0).locator("[data-saved-in]")).to_contain_text("Graphene picks")
    save_to(hits.nth(1), existing="Graphene picks")
    page.wait_for_url(re.compile(r".*page=2.*"))
    expect(hits.nth(1).locator("[data-saved-in]")).to_contain_text("Graphene picks")
    expect(hits.first).to_have_attribute("data-rank", "21")  # still on page 2

    page.goto(f"{site.base}/match?q=radomes")  # only the restricted one, which keeper sees
    expect(hits).to_have_count(1)
    granted = str(site.data.orgs["granted"])
    expect(hits.first).to_have_attribute("data-org", granted)
    save_to(hits.first, existing="Graphene picks")
    expect(hits.first.locator("[data-saved-in]")).to_contain_text("Graphene picks")

    page.locator("[data-shortlists-link]").click()
    page.wait_for_url(f"{site.base}/shortlists")
    mine = page.locator("[data-my-shortlists] [data-shortlist]")
    expect(mine).to_have_count(1)
    expect(mine.first).to_have_attribute("data-count", "3")
    expect(mine.first).to_contain_text("3 organisations")
    mine.first.get_by_role("link").click()
    entries = page.locator("[data-entries] > li")
    assert [entries.nth(i).get_attribute("data-entry") for i in range(3)] == [
        first,
        second,
        granted,
    ]
    page.locator("[data-change-shortlist] select[name=shared_with_id]").select_option(
        label=EN["shortlist.share_with"].format(org="Politecnico di Milano")
    )
    page.locator("[data-change-shortlist] button[type=submit]").click()
    expect(page.locator("[data-shortlist-count]")).to_contain_text("Politecnico di Milano")
    list_url = page.url
    own_export = page.request.get(f"{list_url}.csv")
    assert own_export.ok and "Grafene Riservato" in own_export.text()

    colleague = browser.new_context()
    try:
        other = colleague.new_page()
        sign_in(other, site, MATE, "/shortlists")
        shared = other.locator("[data-shared-shortlists] [data-shortlist]")
        expect(shared).to_have_count(1)
        expect(shared.first).to_have_attribute("data-count", "2")
        expect(shared.first).to_contain_text("2 organisations")
        expect(shared.first).to_contain_text("Kim Keeper")
        shared.first.get_by_role("link").click()
        seen = other.locator("[data-entries] > li")
        expect(seen).to_have_count(2)
        assert [seen.nth(i).get_attribute("data-entry") for i in range(2)] == [first, second]
        expect(seen.last).to_have_attribute("data-position", "2")
        assert "Grafene Riservato" not in other.content()
        expect(other.locator("[data-remove], [data-change-shortlist]")).to_have_count(0)
        export = other.request.get(f"{list_url}.csv").text()
        assert "Grafene Riservato" not in export and export.count("\r\n") == 3
    finally:
        colleague.close()

    stranger = browser.new_context()
    try:
        anonymous = stranger.new_page()
        anonymous.goto(list_url)
        assert "/sign-in" in anonymous.url
    finally:
        stranger.close()
    assert not errors


def test_owner_reorders_annotates_and_deletes(page: Page, site: Site) -> None:
    from playwright.sync_api import expect

    sign_in(page, site, KEEPER, "/shortlists")
    page.fill("#new-shortlist-name", "To sort")
    page.locator("[data-create-shortlist] button[type=submit]").click()
    list_url = page.url
    assert re.search(r"/shortlists/\d+$", list_url)
    expect(page.locator("[data-empty-shortlist]")).to_be_visible()
    page.goto(f"{site.base}/match?q=graphene+Torino+Milano")
    hits = page.locator("[data-match-results] > li")
    top = [hits.nth(i).get_attribute("data-org") for i in range(2)]
    for i in range(2):
        save_to(hits.nth(i), existing="To sort")
        expect(hits.nth(i).locator("[data-saved-in]")).to_contain_text("To sort")
    page.goto(list_url)
    entries = page.locator("[data-entries] > li")
    # Each form posts and reloads the page: wait for the load before the next step,
    # or the next fill can land in a page that is about to be replaced.
    with page.expect_navigation(wait_until="load"):
        entries.nth(1).locator("[data-move-up]").click()
    expect(entries.first).to_have_attribute("data-entry", top[1])
    entries.first.locator("input[name=note]").fill("call first")
    with page.expect_navigation(wait_until="load"):
        entries.first.locator(".entry-note button").click()
    expect(entries.first.locator("input[name=note]")).to_have_value("call first")
    with page.expect_navigation(wait_until="load"):
        entries.last.locator("[data-remove]").click()
    expect(entries).to_have_count(1)
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(list_url, form={"name": " ", "csrf_token": token})
    assert refused.status == 422 and EN["shortlist.invalid.name"] in refused.text()
    page.locator("[data-delete-shortlist] button").click()
    page.wait_for_url(f"{site.base}/shortlists")
    expect(page.locator(f"[data-shortlist] a[href='{list_url[len(site.base) :]}']")).to_have_count(
        0
    )
