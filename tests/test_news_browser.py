"""The news pages in headless Chromium.

A reviewer signs in, opens an ingested article and sees its entities highlighted (one
colour per kind, the normalised value as a tooltip, the organisation linked to its registry
page), accepts the organisation in the review queue, and finds it on the organisation's
page under "In the news"; the Italian article on a phone does not scroll sideways.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from filiera.app import create_app
from filiera.db import Database
from filiera.news.models import NewsFact
from filiera.web.i18n import strings
from support.auth import PASSWORD, token_for
from support.browser import collect_console_errors, live_server
from support.dataset import build
from test_layout_browser import BESIDE, CONTROLS
from test_news_web import EXTRA, TEXT, TITLE, ingest_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser
REVIEWER = "reviewer@news.example"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
EN, IT = strings("en"), strings("it")


@dataclass
class Live:
    base: str
    article_id: int
    leonardo: int
    fact_id: int  # the organisation fact naming Leonardo
    state: dict[str, Any]  # the signed-in reviewer's cookies


@pytest.fixture(scope="module")
def live(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('news')}/live.db")
    data = build(db, EXTRA)
    token_for(db, REVIEWER, "cluster_manager", (data.orgs["cluster"],))
    [result] = ingest_text(db, "leonardo.txt", TEXT)
    leonardo = data.orgs["leonardo"]
    with db.session() as session:
        facts = session.scalars(
            select(NewsFact).where(
                NewsFact.article_id == result.article_id, NewsFact.kind == "organization"
            )
        )
        fact_id = next(f.id for f in facts if f.data.get("registry_id") == leonardo)
    with live_server(create_app(db)) as base:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/sign-in?lang=en")
        page.fill("input[name=email]", REVIEWER)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form[action='/sign-in'] button[type=submit]").click()
        page.wait_for_selector("[data-signed-in]")
        state = context.storage_state()
        context.close()
        yield Live(base, result.article_id, leonardo, fact_id, state)
    db.dispose()


def open_page(browser: Browser, live: Live, viewport: dict[str, int]) -> Page:
    return browser.new_context(viewport=viewport, storage_state=live.state).new_page()


def test_review_an_article_and_see_it_on_the_organisation_page(
    browser: Browser, live: Live
) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, live, DESKTOP)
    errors = collect_console_errors(page)
    page.goto(f"{live.base}/news?lang=en")
    page.locator("[data-news-nav]").click()
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_url(f"**/news/{live.article_id}")

    mark = page.locator(f'[data-article-text] mark[data-fact="{live.fact_id}"]')
    expect(mark).to_be_visible()
    expect(mark).to_have_attribute("data-status", "proposed")
    assert mark.get_attribute("title").startswith(f"{EN['news.kinds.organization']}: Leonardo")
    expect(mark.locator("a")).to_have_attribute("href", f"/organisations/{live.leonardo}")
    kinds = page.locator("[data-article-text] mark").evaluate_all(
        "els => els.map(e => [e.dataset.kind, getComputedStyle(e).backgroundColor])"
    )
    colours = {kind: colour for kind, colour in kinds}
    assert len(colours) >= 3, kinds  # organisations, places, amounts...
    assert len(set(colours.values())) == len(colours), colours  # one colour per kind
    expect(page.locator('[data-legend-list] [data-legend="organization"]')).to_be_visible()

    page.locator("[data-news-nav]").click()
    page.locator("[data-review-link]").click()
    page.wait_for_url("**/news/review")
    card = page.locator(f'[data-review-fact="{live.fact_id}"]')
    expect(card.locator(f'.news-sentence mark[data-fact="{live.fact_id}"]')).to_be_visible()
    expect(card.locator('input[name="data.name"]')).to_have_value("Leonardo S.p.A.")
    card.locator("[data-accept]").click()
    page.wait_for_url("**/news/review")
    expect(page.locator(f'[data-review-fact="{live.fact_id}"]')).to_have_count(0)

    page.goto(f"{live.base}/organisations/{live.leonardo}?lang=en")
    news = page.locator("[data-in-the-news]")
    expect(news).to_be_visible()
    expect(news.locator("h2")).to_have_text(EN["news.profile.title"])
    item = news.locator(f'[data-news-fact="{live.fact_id}"]')
    expect(item).to_be_visible()
    expect(item.locator(f'a[href="/news/{live.article_id}"]')).to_be_visible()
    item.locator(f'a[href="/news/{live.article_id}"]').click()
    page.wait_for_url(f"**/news/{live.article_id}")
    expect(mark).to_have_attribute("data-status", "accepted")
    assert not errors, errors


def test_the_italian_article_fits_a_phone(browser: Browser, live: Live) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, live, PHONE)
    errors = collect_console_errors(page)
    for path in (f"/news/{live.article_id}", "/news", "/news/review", "/news/digest"):
        page.goto(f"{live.base}{path}?lang=it")
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert fits, path
    page.goto(f"{live.base}/news/{live.article_id}?lang=it")
    expect(page.locator("h2#facts-title")).to_have_text(IT["news.facts.title"])
    assert not errors, errors


def test_every_news_control_is_labelled(browser: Browser, live: Live) -> None:
    page = open_page(browser, live, DESKTOP)
    found, seen = [], 0
    for path in ("/news", f"/news/{live.article_id}", "/news/review", "/news/digest"):
        page.goto(f"{live.base}{path}?lang=it")
        if page.locator("[data-ingest] > summary").count():
            page.locator("[data-ingest] > summary").click()  # the folded ingest form
        controls, boxes = page.evaluate(CONTROLS), page.evaluate(BESIDE)
        found += [(path, c) for c in controls if not c["label"]]
        found += [(path, b) for b in boxes if not b["ok"]]
        seen += len(controls)
    assert found == [] and seen > 20
