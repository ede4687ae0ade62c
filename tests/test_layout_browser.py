"""Layout in headless Chromium (issue 10, items 3, 5 and 14): phones, forms, notices, admin menu.

Every main page at 390x844 in English and Italian has no sideways scroll and nothing spills
out of a card (a long organisation name, long e-mail addresses); every visible control has
a label, is drawn in the page's font, and checkboxes sit beside their label; error notices
are styled alerts; the directory filters fold on phones; admins reach review, audit and
users from the navigation on a desktop and on a phone, and nobody else sees those links.
A live uvicorn server on SQLite, as in tests/test_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import pytest

from filiera.access import accounts
from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import Person, PersonRole, ReviewItem
from filiera.web import TEMPLATES_DIR
from filiera.web.i18n import strings
from support.auth import PASSWORD, bearer, token_for
from support.browser import collect_console_errors, live_server
from support.dataset import Dataset, build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
ADMIN = "platform.administrator.of.the.registry@ministero-della-difesa-e-aerospazio.example"
MEMBER = "member@layout.example"
CONTACT = "responsabile.cooperazione.industriale.internazionale@politecnico-di-milano.example"
LONG_WORD = "Forschungsgesellschaftfuerangewandteverteidigungstechnologieundsatellitenradar"
EXTRA = {
    "long": {
        "name": f"{LONG_WORD} GmbH",
        "kind": "research",
        "country": "DE",
        "city": "Wachtberg",
        "capabilities": [{"code": "electronics.radar"}, {"code": "space.satellites"}],
        "descriptions": {"en": f"Radar and satellites. {LONG_WORD}."},
    },
}
ADMIN_PAGES = ("/review", "/audit", "/users")


@dataclass
class Site:
    base: str
    data: Dataset
    need_id: int


def populate(db: Database) -> Dataset:
    """The test registry, a long-named institute, a contact with a long e-mail, accounts."""
    data = build(db, EXTRA)
    orgs = data.orgs
    with db.session() as session:
        person = Person(name="Paola Rossi", email=CONTACT, phone="+39 02 0000 0000")
        person.roles.append(PersonRole(organisation_id=orgs["polimi"], title="Liaison officer"))
        session.add(person)
        session.add(
            ReviewItem(
                organisation_id=orgs["aerosud"],
                candidate_id=orgs["luxspace"],
                score=0.61,
                reasons=["test pair"],
            )
        )
        accounts.add_user(session, ADMIN, "Ada Admin", PASSWORD, role="admin")
        accounts.add_user(
            session, MEMBER, "Maria Member", PASSWORD, role="member", org_ids=[orgs["aerosud"]]
        )
    return data


def publish_need(base: str, token: str, owner_id: int) -> int:
    """A need published through the API, as a buyer's tool would."""
    need = {
        "title": "Counter-drone radar for air bases",
        "text": "Radar and RF jamming to protect air bases from small drones, with satellites.",
        "owner_id": owner_id,
        "capabilities": ["electronics.radar"],
    }
    response = httpx.post(f"{base}/api/needs", json=need, headers=bearer(token), timeout=120)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('layout')}/site.db")
    data = populate(db)
    token = token_for(db, "publisher@layout.example", "admin")
    with live_server(create_app(db)) as base:
        yield Site(base, data, publish_need(base, token, data.orgs["leonardo"]))
    db.dispose()


def main_pages(site: Site) -> list[str]:
    """Every main page, with results where a page can have them (match, a need)."""
    orgs = site.data.orgs
    return [
        "/",
        "/organisations",
        "/organisations?country=IT",
        f"/organisations/{orgs['polimi']}",
        f"/organisations/{orgs['long']}",
        f"/organisations/{orgs['leonardo']}",
        "/clusters",
        f"/clusters/{orgs['cluster']}",
        f"/projects/{site.data.projects['epc']}",
        "/match?q=radar+satellites+for+air+defence",
        "/projects",
        "/needs",
        f"/needs/{site.need_id}",
        "/needs/new",
        "/theses",
        "/theses/new",
        "/shortlists",
        "/map",
        "/docs",
        "/account",
        f"/organisations/{orgs['polimi']}/access",
        f"/organisations/{orgs['aerosud']}/invitations",
        *ADMIN_PAGES,
    ]


SIGNED_IN: dict[tuple[str, str], dict] = {}  # (server, e-mail) -> cookies of a signed-in browser


def signed_in_page(browser: Browser, site: Site, email: str, viewport: dict) -> Page:
    """A new browser context of the given size, signed in through the real form.

    Each account signs in once per server and later contexts reuse its cookies, so the
    sign-in rate limit is never what a layout test meets.
    """
    key = (site.base, email)
    if key not in SIGNED_IN:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(f"{site.base}/sign-in?lang=en")
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form[action='/sign-in'] button[type=submit]").click()
        page.wait_for_url(f"{site.base}/")
        SIGNED_IN[key] = context.storage_state()
        context.close()
    page = browser.new_context(viewport=viewport, storage_state=SIGNED_IN[key]).new_page()
    page.goto(f"{site.base}/")  # where the sign-in form leads
    return page


def with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


SPILLS = """() => {
  const page = document.documentElement;
  const spilled = [...document.querySelectorAll('.card, .notice')]
    .filter(el => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
    .map(el => el.className + ': ' + el.textContent.trim().slice(0, 60));
  return {scroll: page.scrollWidth, inner: window.innerWidth, spilled: spilled};
}"""


@pytest.mark.parametrize("lang", ["en", "it"])
def test_no_sideways_scroll_on_a_phone(browser: Browser, site: Site, lang: str) -> None:
    page = signed_in_page(browser, site, ADMIN, PHONE)
    errors = collect_console_errors(page)
    problems = []
    try:
        for url in main_pages(site):
            response = page.goto(f"{site.base}{with_lang(url, lang)}", wait_until="load")
            assert response is not None and response.status == 200, url
            found = page.evaluate(SPILLS)
            if found["scroll"] > found["inner"] or found["spilled"]:
                problems.append((url, found))
            if url == "/match?q=radar+satellites+for+air+defence":
                assert page.locator("[data-match-results] li").count() >= 2
    finally:
        page.context.close()
    assert problems == []
    assert errors == []


def test_long_addresses_and_words_wrap_inside_cards_on_a_desktop(
    browser: Browser, site: Site
) -> None:
    page = signed_in_page(browser, site, ADMIN, DESKTOP)
    try:
        for url in (f"/organisations/{site.data.orgs['polimi']}", "/account", "/match?q=radar"):
            page.goto(f"{site.base}{url}")
            found = page.evaluate(SPILLS)
            assert found["spilled"] == [], url
            assert found["scroll"] <= found["inner"], url
        page.goto(f"{site.base}/organisations/{site.data.orgs['polimi']}")
        contact = page.locator("a[data-contact]").bounding_box()
        card = page.locator(".card.people").bounding_box()
        assert contact is not None and card is not None
        assert contact["x"] + contact["width"] <= card["x"] + card["width"]
        signed_in = page.locator("[data-signed-in]").bounding_box()
        assert signed_in is not None and signed_in["x"] + signed_in["width"] <= DESKTOP["width"]
    finally:
        page.context.close()


CONTROLS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), select, textarea')]
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const labels = [...(el.labels || [])].map(l => l.textContent.trim()).filter(Boolean);
    const named = el.getAttribute('aria-label') ||
      (el.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
        .map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
    const style = getComputedStyle(el);
    return {
      control: el.outerHTML.slice(0, 90), type: el.type, label: labels.join(' ') || named,
      font: style.fontFamily, size: style.fontSize, radius: parseFloat(style.borderTopLeftRadius),
    };
  })"""
BESIDE = """() => [...document.querySelectorAll('input[type=checkbox], input[type=radio]')]
  .filter(el => el.offsetParent !== null && el.labels && el.labels.length)
  .map(el => {
    const label = el.labels[0];
    const range = document.createRange();
    const text = [...label.childNodes].find(n => n.nodeType === 3 && n.textContent.trim());
    if (!text) return {control: el.outerHTML, ok: false, why: 'no text'};
    range.selectNodeContents(text);
    const line = range.getClientRects()[0];
    const text_box = range.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    const centre = box.top + box.height / 2;
    return {control: el.outerHTML.slice(0, 90), ok: box.right <= line.left + 1
      && centre >= text_box.top && centre <= text_box.bottom};
  })"""


def form_pages(site: Site) -> list[str]:
    orgs = site.data.orgs
    return [
        "/organisations",
        "/match?q=radar",
        "/account",
        "/users",
        "/audit",
        f"/organisations/{orgs['polimi']}/access",
        f"/needs/{site.need_id}",
        "/needs/new",
        "/theses/new",
    ]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_control_is_labelled_and_styled(browser: Browser, site: Site, viewport: dict) -> None:
    anonymous = browser.new_context(viewport=viewport).new_page()
    anonymous.goto(f"{site.base}/sign-in?lang=it")
    pages = [("/sign-in", anonymous.evaluate(CONTROLS), anonymous.evaluate(BESIDE))]
    anonymous.context.close()
    page = signed_in_page(browser, site, ADMIN, viewport)
    try:
        body_font = page.evaluate("getComputedStyle(document.body).fontFamily")
        body_size = page.evaluate("getComputedStyle(document.body).fontSize")
        for url in form_pages(site):
            page.goto(f"{site.base}{with_lang(url, 'it')}")
            if page.locator("[data-filters-panel]").count():
                page.locator("[data-filters-panel] > summary").click()  # folded on phones
            pages.append((url, page.evaluate(CONTROLS), page.evaluate(BESIDE)))
    finally:
        page.context.close()
    seen = 0
    for url, controls, checkboxes in pages:
        for control in controls:
            seen += 1
            assert control["label"], (url, control)
            if control["type"] not in ("checkbox", "radio"):
                assert control["font"] == body_font, (url, control)
                assert float(control["size"][:-2]) >= float(body_size[:-2]), (url, control)
                assert control["radius"] > 0, (url, control)
        assert all(box["ok"] for box in checkboxes), (url, checkboxes)
    assert seen > 30


def test_checkboxes_sit_beside_their_labels_in_stacked_forms(browser: Browser, site: Site) -> None:
    page = signed_in_page(browser, site, ADMIN, DESKTOP)
    try:
        page.goto(f"{site.base}/organisations/{site.data.orgs['polimi']}/access?lang=en")
        boxes = page.evaluate(BESIDE)
        assert len(boxes) >= 4
        assert [box for box in boxes if not box["ok"]] == []
    finally:
        page.context.close()


ERROR_NOTICE = re.compile(r"<(\w+)[^>]*class=\"notice (?:bad|error)\b[^>]*>")


def test_every_error_notice_in_the_templates_is_an_alert() -> None:
    found = []
    for template in sorted(TEMPLATES_DIR.glob("*.html")):
        found += [(template.name, tag) for tag in ERROR_NOTICE.finditer(template.read_text())]
    assert len(found) >= 5
    assert [(name, m.group(0)) for name, m in found if 'role="alert"' not in m.group(0)] == []


NOTICE = """el => { const s = getComputedStyle(el); return {
  background: s.backgroundColor, edge: parseFloat(s.borderLeftWidth), colour: s.color,
  role: el.getAttribute('role')}; }"""


@pytest.mark.parametrize("lang", ["en", "it"])
def test_error_notices_are_styled_alerts(page: Page, site: Site, lang: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{site.base}/sign-in?lang={lang}")
    page.fill("input[name=email]", MEMBER)
    page.fill("input[name=password]", "certainly not the password")
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    notice = page.locator(".notice.bad")
    expect(notice).to_have_text(strings(lang)["access.sign_in_failed"])
    style = notice.evaluate(NOTICE)
    assert style["role"] == "alert"
    assert style["background"] not in ("rgba(0, 0, 0, 0)", "transparent")
    assert style["edge"] >= 3
    body = page.evaluate("getComputedStyle(document.body).color")
    assert style["colour"] != body  # the text itself is in the error colour


def test_directory_filters_fold_on_a_phone(browser: Browser, site: Site) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport=PHONE).new_page()
    try:
        page.goto(f"{site.base}/organisations?lang=en")
        panel = page.locator("[data-filters-panel]")
        country = page.locator("select[name=country]")
        expect(panel).not_to_have_attribute("open", "")
        expect(country).to_be_hidden()
        rows = page.locator("tr[data-org]")
        first_row = rows.first.bounding_box()
        assert first_row is not None and first_row["y"] < PHONE["height"]  # results in view
        page.locator("[data-filters-panel] > summary").click()
        expect(country).to_be_visible()
        country.select_option("FR")
        page.get_by_role("button", name=strings("en")["directory.apply"]).click()
        page.wait_for_url("**/organisations?*country=FR*")
        expect(rows).to_have_count(1)
        expect(country).to_be_hidden()
        expect(page.locator("[data-active-filters]")).to_have_text("1")
    finally:
        page.context.close()


def test_directory_filters_stay_open_on_a_desktop(browser: Browser, site: Site) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        page.goto(f"{site.base}/organisations?lang=it")
        country = page.locator("select[name=country]")
        expect(page.locator("[data-filters-panel]")).to_have_attribute("open", "")
        expect(country).to_be_visible()
        page.locator("[data-filters-panel] > summary").click()
        expect(country).to_be_visible()
        page.set_viewport_size(PHONE)  # a window made narrow folds them
        expect(country).to_be_hidden()
        page.set_viewport_size(DESKTOP)
        expect(country).to_be_visible()
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["en", "it"])
def test_admins_reach_review_audit_and_users_from_the_menu(
    browser: Browser, site: Site, viewport: dict, lang: str
) -> None:
    from playwright.sync_api import expect

    words = strings(lang)
    page = signed_in_page(browser, site, ADMIN, viewport)
    try:
        for path, key, title in (
            ("/review", "nav.review", "review.title"),
            ("/audit", "nav.audit", "audit.title"),
            ("/users", "nav.users", "users.title"),
        ):
            page.goto(f"{site.base}/?lang={lang}")
            menu = page.locator(".admin-menu")
            link = menu.get_by_role("link", name=words[key])
            expect(link).to_be_hidden()
            menu.locator("summary").click()
            expect(link).to_be_visible()
            box = link.bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
            link.click()  # Playwright refuses to click a link another element covers
            page.wait_for_url(f"{site.base}{path}")
            expect(page.locator("h1")).to_have_text(words[title])
        page.locator(".admin-menu summary").click()
        expect(page.locator(".admin-links")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator(".admin-links")).to_be_hidden()
        page.locator(".admin-menu summary").click()
        page.locator("main h1").click()  # a click elsewhere closes it too
        expect(page.locator(".admin-links")).to_be_hidden()
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_others_see_no_admin_links(browser: Browser, site: Site, viewport: dict) -> None:
    member = signed_in_page(browser, site, MEMBER, viewport)
    anonymous = browser.new_context(viewport=viewport).new_page()
    try:
        anonymous.goto(f"{site.base}/?lang=en")
        for page in (member, anonymous):
            assert page.locator(".admin-menu").count() == 0
            for path in ADMIN_PAGES:
                assert page.locator(f"header a[href='{path}']").count() == 0
    finally:
        member.context.close()
        anonymous.context.close()
