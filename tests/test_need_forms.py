"""Publishing and editing needs and theses from the web (issue 10, items 3, 4 and 5).

Through TestClient on SQLite and PostgreSQL: the publish and edit forms with each invalid
field marked next to its control in the page's language, the owner's edit, close, reopen and
delete, a second "we can help" answered in the page's language with the form replaced by
what was recorded, `PATCH /api/theses/{id}`, the theses list, and the demo's buyer and
investor, who act for organisations and can publish. In headless Chromium: the demo buyer
publishes a need in Italian, meets a field error next to the field, fixes it, and succeeds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from filiera.access import accounts, secrets_
from filiera.access.models import Affiliation, User
from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.db import Database
from filiera.needs import service
from filiera.needs.schemas import NeedIn, ThesisIn
from filiera.registry import taxonomy
from filiera.registry.models import Organisation
from filiera.settings import Settings
from filiera.web.i18n import strings
from filiera.web.render import money
from support.auth import PASSWORD, bearer, token_for
from support.dataset import Dataset, build

EN, IT = strings("en"), strings("it")
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
EXTRA = {
    "ministry": {"name": "Ministero della Difesa", "kind": "buyer", "country": "IT"},
    "fund": {"name": "Orbit Ventures", "kind": "investor", "country": "LU"},
}
BUYER, INVESTOR, MEMBER, VIEWER = (
    "buyer@forms.example",
    "investor@forms.example",
    "member@forms.example",
    "viewer@forms.example",
)
NEED_TEXT = "Cerchiamo radar e sensori contro i droni per proteggere le basi aeree."


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests are about the forms, not the hash's cost."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


@dataclass
class Site:
    db: Database
    data: Dataset

    def client(self, email: str | None = None) -> TestClient:
        """A browser-like client, signed in as `email` through the real sign-in form."""
        client = TestClient(create_app(self.db, Settings()), headers=BROWSER)
        if email:
            token = FORM_TOKEN.search(client.get("/sign-in").text).group(1)
            form = {"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"}
            assert client.post("/sign-in", data=form, follow_redirects=False).status_code == 303
        return client


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    db = Database(db_url)
    data = build(db, EXTRA)
    o = data.orgs
    with db.session() as session:
        for email, role, orgs in (
            (BUYER, "buyer", [o["ministry"]]),
            (INVESTOR, "investor", [o["fund"]]),
            (MEMBER, "member", [o["polimi"]]),
            (VIEWER, "viewer", []),
        ):
            accounts.add_user(session, email, email, PASSWORD, role=role, org_ids=orgs)
    yield Site(db, data)
    db.dispose()


def csrf(page: Response) -> str:
    return FORM_TOKEN.search(page.text).group(1)


def field_errors(html: str) -> dict[str, str]:
    """field -> the error shown inside that field's own block (next to its control)."""
    found = {}
    for block in re.finditer(r'data-field="(\w+)">(.*?)</(?:div|fieldset)>', html, re.S):
        name, inner = block.groups()
        error = re.search(r'data-field-error="(\w+)">([^<]*)<', inner)
        if error:
            assert error.group(1) == name
            assert f'id="{name}-error"' in inner
            found[name] = error.group(2)
    return found


def ticket_range(lang: str, low_thousands: int, high: float) -> str:
    """A ticket from thousands (below a million) to millions, as the theses pages write it."""
    table = strings(lang)
    low = table["need_forms.thousands"].format(value=low_thousands)
    return table["need_forms.ticket_range"].format(low=low, high=money(high, lang))


def publish_need(site: Site, owner: str = "ministry", **changes) -> int:
    with site.db.session() as session:
        data = {"title": "Radar contro i droni", "text": NEED_TEXT, "lang": "it"}
        need = NeedIn(**{**data, "owner_id": site.data.orgs[owner], **changes})
        return service.publish_need(session, Viewer.system(), need).id


# --- item 3: interest expressed twice --------------------------------------------------------


def test_interest_twice_is_answered_in_the_page_language_and_the_form_gives_way(
    site: Site,
) -> None:
    need_id = publish_need(site)
    member = site.client(MEMBER)
    page = member.get(f"/needs/{need_id}?lang=it")
    assert "data-interest-form" in page.text
    polimi = site.data.orgs["polimi"]
    assert f'<option value="{polimi}">Politecnico di Milano</option>' in page.text
    form = {"organisation_id": site.data.orgs["polimi"], "note": "Pronti", "csrf_token": csrf(page)}
    sent = member.post(f"/needs/{need_id}/interest", data=form, follow_redirects=False)
    assert sent.status_code == 303

    after = member.get(f"/needs/{need_id}")
    done = IT["need_forms.interest_done"].format(
        org='<span translate="no">Politecnico di Milano</span>', date=date.today().isoformat()
    )
    assert done in after.text and "data-interest-done" in after.text
    assert "data-interest-form" not in after.text

    again = member.post(f"/needs/{need_id}/interest", data=form)  # a stale form, sent again
    assert again.status_code == 409
    assert IT["errors.already_interested"] in again.text
    assert "already expressed interest" not in again.text
    assert "data-interest-form" not in again.text and done in again.text
    member.cookies.set("filiera_lang", "en")
    english = member.post(f"/needs/{need_id}/interest", data=form)
    assert english.status_code == 409
    assert EN["errors.already_interested"] in english.text


def test_a_closed_need_offers_no_interest_form_and_says_so_in_words(site: Site) -> None:
    need_id = publish_need(site, status="closed")
    member = site.client(MEMBER)
    page = member.get(f"/needs/{need_id}?lang=it")
    assert "data-interest-form" not in page.text
    assert IT["need_forms.status_closed"] in page.text
    token = csrf(member.get("/account"))
    form = {"organisation_id": site.data.orgs["polimi"], "csrf_token": token}
    refused = member.post(f"/needs/{need_id}/interest", data=form)
    assert refused.status_code == 409
    assert IT["errors.need_closed"] in refused.text


# --- item 4: publishing and editing a need -----------------------------------------------------


def test_buyer_publishes_a_need_with_errors_next_to_their_fields(site: Site) -> None:
    anonymous = site.client()
    assert anonymous.get("/needs/new", follow_redirects=False).headers["location"] == (
        "/sign-in?next=/needs/new"
    )
    assert site.client(VIEWER).get("/needs/new").status_code == 403
    assert site.client(INVESTOR).get("/needs/new").status_code == 403

    buyer = site.client(BUYER)
    listing = buyer.get("/needs?lang=it")
    assert 'href="/needs/new"' in listing.text and IT["need_forms.publish_need"] in listing.text
    form_page = buyer.get("/needs/new")
    assert form_page.status_code == 200
    ministry = site.data.orgs["ministry"]
    assert f'<option value="{ministry}" selected>Ministero della Difesa</option>' in form_page.text
    typed = {
        "csrf_token": csrf(form_page),
        "owner_id": str(ministry),
        "kind": "challenge",
        "title": "ab",
        "text": NEED_TEXT,
        "capabilities": ["air.uas", "electronics.radar"],
        "trl_min": "8",
        "trl_max": "3",
        "countries": "XX it",
        "deadline": "31/03/2027",
        "visibility": "members",
        "markings": ["dual_use"],
    }
    bad = buyer.post("/needs/new", data=typed)
    assert bad.status_code == 422
    errors = field_errors(bad.text)
    assert errors == {
        name: IT[f"need_forms.invalid.{name}"]
        for name in ("title", "trl_max", "countries", "deadline")
    }
    assert IT["need_forms.check_fields"] in bad.text
    assert "String should have" not in bad.text and "is below" not in bad.text
    for kept in ('value="ab"', f">{NEED_TEXT}</textarea>", 'value="XX it"', 'value="31/03/2027"'):
        assert kept in bad.text
    assert '<option value="air.uas" selected>' in bad.text
    assert '<option value="challenge" selected>' in bad.text
    assert 'value="dual_use" checked' in bad.text
    assert buyer.get("/api/needs?status=all").json() == []

    fixed = {**typed, "title": "Intercettori di droni", "trl_max": "9", "countries": "it fr"}
    fixed["deadline"] = "2027-03-31"
    done = buyer.post("/needs/new", data=fixed, follow_redirects=False)
    assert done.status_code == 303
    need_id = int(done.headers["location"].rsplit("/", 1)[1])
    stored = buyer.get(f"/api/needs/{need_id}").json()
    assert stored["owner_id"] == ministry and stored["kind"] == "challenge"
    assert stored["countries"] == ["IT", "FR"] and stored["markings"] == ["dual_use"]
    assert stored["capabilities"] == ["air.uas", "electronics.radar"]
    assert (stored["trl_min"], stored["trl_max"], stored["deadline"]) == (8, 9, "2027-03-31")
    assert stored["visibility"] == "members" and stored["lang"] == "it"

    someone_else = {**fixed, "owner_id": str(site.data.orgs["leonardo"])}
    assert buyer.post("/needs/new", data=someone_else).status_code == 403


def test_owner_edits_closes_reopens_and_deletes_a_need(site: Site) -> None:
    need_id = publish_need(site, deadline=date(2027, 6, 30), trl_min=4)
    url = f"/needs/{need_id}"
    member = site.client(MEMBER)
    assert "data-owner-actions" not in member.get(url).text
    assert member.get(f"{url}/edit").status_code == 403
    token = csrf(member.get("/account"))
    assert member.post(f"{url}/delete", data={"csrf_token": token}).status_code == 403
    assert site.client(BUYER).get("/needs/9999/edit").status_code == 404

    buyer = site.client(BUYER)
    page = buyer.get(f"{url}?lang=it")
    assert "data-owner-actions" in page.text and f'href="{url}/edit"' in page.text
    form_page = buyer.get(f"{url}/edit")
    assert form_page.status_code == 200
    assert (
        'value="Radar contro i droni"' in form_page.text and 'value="2027-06-30"' in form_page.text
    )
    assert 'name="owner_id"' not in form_page.text
    base = {
        "csrf_token": csrf(form_page),
        "kind": "need",
        "title": "",
        "text": NEED_TEXT,
        "trl_min": "4",
        "trl_max": "",
        "countries": "",
        "deadline": "",
        "status": "open",
        "visibility": "public",
    }
    blank_title = buyer.post(f"{url}/edit", data=base)
    assert blank_title.status_code == 422
    assert field_errors(blank_title.text) == {"title": IT["need_forms.invalid.title"]}
    assert 'value="4"' in blank_title.text
    saved = buyer.post(f"{url}/edit", data={**base, "title": "Radar nuovi"}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == url
    stored = buyer.get(f"/api{url}").json()
    assert stored["title"] == "Radar nuovi" and stored["deadline"] is None
    assert stored["lang"] == "it"  # a blank language keeps the stored one

    close = {"status": "closed", "csrf_token": base["csrf_token"]}
    assert buyer.post(f"{url}/status", data=close, follow_redirects=False).status_code == 303
    assert buyer.get(f"/api{url}").json()["status"] == "closed"
    assert f'data-need="{need_id}"' not in buyer.get("/needs").text
    assert f'data-need="{need_id}"' in buyer.get("/needs?status=closed").text
    assert f'data-need="{need_id}"' in buyer.get("/needs?status=all").text
    assert IT["need_forms.reopen"] in buyer.get(url).text
    reopen = {**close, "status": "open"}
    assert buyer.post(f"{url}/status", data=reopen, follow_redirects=False).status_code == 303
    assert buyer.get(f"/api{url}").json()["status"] == "open"
    assert buyer.post(f"{url}/status", data={**close, "status": "maybe"}).status_code == 422

    gone = buyer.post(f"{url}/delete", data={"csrf_token": close["csrf_token"]})
    assert gone.status_code == 200 and str(gone.url).endswith("/needs")
    assert buyer.get(url).status_code == 404


# --- the API: PATCH /api/theses/{id}; range errors name a field ------------------------------


def test_theses_change_through_the_api_with_the_needs_rules(site: Site) -> None:
    client = TestClient(create_app(site.db, Settings()))
    investor = bearer(
        token_for(site.db, "api-investor@forms.example", "investor", (site.data.orgs["fund"],))
    )
    other = bearer(
        token_for(site.db, "api-other@forms.example", "investor", (site.data.orgs["luxspace"],))
    )
    body = {
        "title": "Counter-drone seed fund",
        "text": "Seed tickets for start-ups in counter-drone radar and sensors.",
        "owner_id": site.data.orgs["fund"],
        "stages": ["seed"],
        "ticket_min": 250_000,
    }
    inverted = client.post("/api/theses", json={**body, "ticket_max": 1000}, headers=investor)
    assert inverted.status_code == 422
    assert [d["field"] for d in inverted.json()["error"]["details"]] == ["body.ticket_max"]
    thesis_id = client.post("/api/theses", json=body, headers=investor).json()["id"]
    url = f"/api/theses/{thesis_id}"

    assert client.patch(url, json={"title": "New title"}).status_code == 401
    assert client.patch(url, json={"title": "New title"}, headers=other).status_code == 403
    assert client.patch("/api/theses/9999", json={}, headers=investor).status_code == 404
    changed = client.patch(
        url,
        json={"title": "Counter-UAS seed fund", "stages": ["seed", "series_a"]},
        headers=investor,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Counter-UAS seed fund"
    assert (
        changed.json()["stages"] == ["seed", "series_a"] and changed.json()["ticket_min"] == 250_000
    )
    below = client.patch(url, json={"ticket_max": 1000}, headers=investor)
    assert below.status_code == 422
    assert [d["field"] for d in below.json()["error"]["details"]] == ["ticket_max"]
    nulled = client.patch(url, json={"title": None, "status": None}, headers=investor)
    assert nulled.status_code == 422
    assert [d["field"] for d in nulled.json()["error"]["details"]] == ["title", "status"]
    assert client.patch(url, json={"owner_id": 1}, headers=investor).status_code == 422
    hidden = client.patch(url, json={"visibility": "owner"}, headers=investor)
    assert hidden.status_code == 200
    assert client.patch(url, json={"title": "Seen?"}, headers=other).status_code == 404
    assert client.get(url, headers=investor).json()["title"] == "Counter-UAS seed fund"

    need = {"title": "Radar", "text": NEED_TEXT, "owner_id": site.data.orgs["ministry"]}
    buyer = bearer(
        token_for(site.db, "api-buyer@forms.example", "buyer", (site.data.orgs["ministry"],))
    )
    trl = client.post("/api/needs", json={**need, "trl_min": 8, "trl_max": 3}, headers=buyer)
    assert [d["field"] for d in trl.json()["error"]["details"]] == ["body.trl_max"]


# --- item 4 (theses) and item 5: the investor's forms and the theses list -------------------


def test_investor_publishes_edits_and_lists_a_thesis(site: Site) -> None:
    assert site.client(BUYER).get("/theses/new").status_code == 403
    investor = site.client(INVESTOR)
    listing = investor.get("/theses?lang=it")
    assert 'href="/theses/new"' in listing.text
    form_page = investor.get("/theses/new")
    fund = site.data.orgs["fund"]
    assert f'<option value="{fund}" selected>Orbit Ventures</option>' in form_page.text
    typed = {
        "csrf_token": csrf(form_page),
        "owner_id": str(fund),
        "title": "Spazio e anti-drone",
        "text": "Ticket seed e serie A per start-up europee dello spazio e dell'anti-drone.",
        "sectors": ["space.satellites", "air.uas"],
        "stages": ["seed", "series_a"],
        "ticket_min": "500000",
        "ticket_max": "50000",
        "countries": "LU DE",
    }
    bad = investor.post("/theses/new", data=typed)
    assert bad.status_code == 422
    assert field_errors(bad.text) == {"ticket_max": IT["need_forms.invalid.ticket_max"]}
    assert 'value="series_a" checked' in bad.text and 'value="500000"' in bad.text
    done = investor.post(
        "/theses/new", data={**typed, "ticket_max": "5000000"}, follow_redirects=False
    )
    assert done.status_code == 303
    url = done.headers["location"]
    thesis_id = int(url.rsplit("/", 1)[1])

    page = investor.get(url).text
    assert "Serie A" in page and "Lussemburgo" in page and "series_a" not in page
    assert "data-owner-actions" in page
    theses = site.client().get("/theses?lang=it").text
    card = re.search(rf'data-thesis="{thesis_id}">(.*?)</li>', theses, re.S).group(1)
    assert "Orbit Ventures" in card and "Seed, Serie A" in card
    sectors = ", ".join(taxonomy.label(c, "it") for c in typed["sectors"])
    assert sectors in card and "space.satellites" not in card
    assert ticket_range("it", 500, 5_000_000) in card
    assert "Lussemburgo, Germania" in card
    english = site.client().get("/theses?lang=en").text
    assert "€500k" in english and "500 mila €" in card
    assert ticket_range("en", 500, 5_000_000) in english and "Seed, Series A" in english

    edit = investor.get(f"{url}/edit")
    assert 'value="5000000"' in edit.text and 'value="LU DE"' in edit.text
    change = {**typed, "csrf_token": csrf(edit), "ticket_max": "", "status": "closed"}
    change["visibility"] = "public"
    assert investor.post(f"{url}/edit", data=change, follow_redirects=False).status_code == 303
    closed = site.client().get("/theses?lang=it").text
    card = re.search(rf'data-thesis="{thesis_id}">(.*?)</li>', closed, re.S).group(1)
    assert IT["need_forms.status_closed"] in card
    assert IT["need_forms.ticket_from"].format(low="500 mila €") in card
    assert f'data-thesis="{thesis_id}"' not in site.client().get("/needs").text  # open ones only
    gone = investor.post(f"{url}/delete", data={"csrf_token": change["csrf_token"]})
    assert str(gone.url).endswith("/theses") and f'data-thesis="{thesis_id}"' not in gone.text


def test_the_theses_list_shows_only_visible_theses_and_is_linked(site: Site) -> None:
    with site.db.session() as session:
        for level in ("public", "owner"):
            thesis = service.publish_thesis(
                session,
                Viewer.system(),
                ThesisIn(
                    title=f"Thesis {level}",
                    text="Start-ups in radar and satellites.",
                    owner_id=site.data.orgs["fund"],
                ),
            )
            thesis.visibility = level
    anonymous = site.client()
    page = anonymous.get("/theses?lang=it")
    assert page.status_code == 200
    assert "Thesis public" in page.text and "Thesis owner" not in page.text
    assert IT["need_forms.any_country"] in page.text
    assert 'href="/theses/new"' not in page.text
    assert "Thesis owner" in site.client(INVESTOR).get("/theses").text
    home = anonymous.get("/")
    assert '<a href="/theses"' in home.text
    assert 'href="/theses"' in anonymous.get("/needs").text


# --- the demo: the buyer and the investor act for organisations ------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    from filiera.demo.load import load_demo

    db = Database(f"sqlite:///{tmp_path_factory.mktemp('forms-demo')}/demo.db")
    db.upgrade()
    with db.session() as session:
        load_demo(session, synthetic=12, edf=None, h2020=None)
    yield db
    db.dispose()


def test_demo_buyer_acts_for_the_directorate_of_defence_and_investor_for_tholus(
    demo_db: Database,
) -> None:
    from filiera.demo.access import DEMO_PASSWORD

    with demo_db.session() as session:
        orgs = {}
        for email in ("buyer@filiera.demo", "investor@filiera.demo"):
            stmt = (
                select(Organisation)
                .join(Affiliation, Affiliation.organisation_id == Organisation.id)
                .join(User, User.id == Affiliation.user_id)
                .where(User.email == email)
            )
            org = session.scalars(stmt).one()
            orgs[email] = (org.name, org.kind, org.source.name if org.source else None)
    assert orgs["buyer@filiera.demo"][:2] == ("Directorate of Defence of Luxembourg", "buyer")
    assert orgs["buyer@filiera.demo"][2]  # credited to its seed article
    assert orgs["investor@filiera.demo"][:2] == ("Tholus Capital", "investor")

    client = TestClient(create_app(demo_db, Settings()), headers=BROWSER)
    for email, path, name in (
        ("buyer@filiera.demo", "/needs/new", "Directorate of Defence of Luxembourg"),
        ("investor@filiera.demo", "/theses/new", "Tholus Capital"),
    ):
        client.cookies.clear()
        token = csrf(client.get("/sign-in"))
        form = {"email": email, "password": DEMO_PASSWORD, "csrf_token": token, "next": path}
        assert client.post("/sign-in", data=form, follow_redirects=False).status_code == 303
        page = client.get(path)
        assert page.status_code == 200 and f"selected>{name}</option>" in page.text
        assert "data-no-organisation" not in page.text


# --- in a browser: the demo buyer publishes a need in Italian --------------------------------


@pytest.mark.browser
def test_demo_buyer_publishes_a_need_in_italian_in_a_browser(browser, demo_db: Database) -> None:
    from playwright.sync_api import expect

    from filiera.demo.access import DEMO_PASSWORD
    from support.browser import collect_console_errors, live_server

    with live_server(create_app(demo_db, Settings())) as base:
        context = browser.new_context(locale="it-IT", viewport={"width": 390, "height": 844})
        page = context.new_page()
        errors = collect_console_errors(page)
        page.goto(f"{base}/sign-in?lang=it&next=/needs")
        page.fill("input[name=email]", "buyer@filiera.demo")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("form[action='/sign-in'] button[type=submit]").click()
        page.wait_for_url(f"{base}/needs")
        page.get_by_role("link", name=IT["need_forms.publish_need"]).click()
        page.wait_for_url(f"{base}/needs/new")
        expect(page.get_by_label(IT["need_forms.fields.owner_id"])).to_have_value(
            re.compile(r"\d+")
        )
        page.get_by_label(IT["need_forms.fields.title"]).fill("Sorveglianza spaziale per la difesa")
        page.get_by_label(IT["need_forms.fields.text"]).fill(
            "Cerchiamo servizi di sorveglianza dello spazio e comunicazioni satellitari sicure."
        )
        page.get_by_label(IT["need_forms.fields.capabilities"]).select_option(
            ["space.ssa", "space.satcom"]
        )
        countries = page.get_by_label(IT["need_forms.fields.countries"])
        countries.fill("LU XX")
        page.locator("[data-need-form] button[type=submit]").click()

        error = page.locator('[data-field="countries"] [data-field-error]')
        expect(error).to_have_text(IT["need_forms.invalid.countries"])
        expect(countries).to_have_attribute("aria-invalid", "true")
        assert "countries-error" in (countries.get_attribute("aria-describedby") or "")
        box, below = countries.bounding_box(), error.bounding_box()
        assert 0 <= below["y"] - (box["y"] + box["height"]) < 80  # right under its input
        expect(page.get_by_label(IT["need_forms.fields.title"])).to_have_value(
            "Sorveglianza spaziale per la difesa"
        )
        expect(page.locator("[data-form-error]")).to_contain_text(IT["need_forms.check_fields"])
        body = page.locator("main").inner_text()
        for english in (EN["need_forms.invalid.countries"], "Input should", "country code"):
            assert english not in body
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], width

        countries.fill("LU BE")
        page.locator("[data-need-form] button[type=submit]").click()
        page.wait_for_url(re.compile(rf"{base}/needs/\d+$"))
        expect(page.locator("h1")).to_have_text("Sorveglianza spaziale per la difesa")
        expect(page.locator(".subtitle")).to_contain_text("Directorate of Defence of Luxembourg")
        expect(page.locator("[data-owner-actions]")).to_be_visible()
        refused = "the server responded with a status of 422"  # the form shown again, on purpose
        assert [e for e in errors if refused not in e] == []
        context.close()
