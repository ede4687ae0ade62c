"""Web pages of consortium building (issue 11), through TestClient on SQLite and PostgreSQL.

Calls are listed for everyone and explained rule by rule in both languages; building and
checking ask visitors to sign in first (they run an exact optimiser). The builder shows
its alternatives side by side with a map spec each, and its lock and exclude links re-run
it with the partner fixed or left out; a hidden organisation is never proposed and, named
as a fixed partner, gets the same answer as one that does not exist. Errors are said above
the form with the field named in the page's language, keeping what was typed. A proposal
saved as a draft bid is invited, answered from the partner's account page, and closed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from filiera.access import secrets_
from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.consortia import calls
from filiera.consortia.schemas import CallIn
from filiera.db import Database
from filiera.settings import Settings
from filiera.web.i18n import strings
from support.auth import PASSWORD, token_for
from support.dataset import Dataset, build

EN, IT = strings("en"), strings("it")
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RADAR = "counter-drone radar sensors and RF jamming electronics for air base protection"
EXTRA = {
    "radarwerk": {
        "name": "Radarwerk Sensorik GmbH",
        "kind": "sme",
        "country": "DE",
        "identifiers": {"pic": "911000001"},
        "descriptions": {"en": f"Builds {RADAR}."},
        "capabilities": [{"code": "electronics.radar", "level": "evidenced"}],
    },
    "iberdron": {
        "name": "Iberdron Defensa SL",
        "kind": "startup",
        "country": "ES",
        "identifiers": {"pic": "911000002"},
        "descriptions": {"en": "Counter-drone radar and jamming for bases."},
        "capabilities": [{"code": "electronics.electronic_warfare"}],
    },
    "dutchsense": {
        "name": "Dutch Sense Radar BV",
        "kind": "sme",
        "country": "NL",
        "identifiers": {"pic": "911000003"},
        "descriptions": {"en": "Radar sensors against drones; RF electronics."},
        "capabilities": [{"code": "electronics.radar"}],
    },
    "polradar": {
        "name": "Polski Radar Systemy",
        "kind": "midcap",
        "country": "PL",
        "identifiers": {"pic": "911000004"},
        "descriptions": {"en": "Air defence radar and counter-drone sensors."},
        "capabilities": [{"code": "electronics.radar"}],
    },
    "hidden": {  # seen by its own users only: never proposed, counted or hinted at
        "name": "Quietly Hidden Jammers",
        "kind": "sme",
        "country": "FR",
        "visibility": "owner",
        "identifiers": {"pic": "911000099"},
        "descriptions": {"en": f"The very best {RADAR}, {RADAR}."},
        "capabilities": [{"code": "electronics.radar"}],
    },
}
MANAGER, PARTNER, VIEWER = (
    "manager@consortia.example",
    "partner@consortia.example",
    "viewer@consortia.example",
)


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: these tests are about the pages, not the hash's cost."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


@dataclass
class Site:
    db: Database
    data: Dataset
    edf_call: int
    regional_call: int

    def org(self, key: str) -> int:
        return self.data.orgs[key]

    def client(self, email: str | None = None) -> TestClient:
        """A browser-like client, signed in as `email` through the real sign-in form."""
        settings = Settings(sign_in_per_minute=1000)
        client = TestClient(create_app(self.db, settings), headers=BROWSER)
        if email:
            token = FORM_TOKEN.search(client.get("/sign-in").text).group(1)
            form = {"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"}
            assert client.post("/sign-in", data=form, follow_redirects=False).status_code == 303
        return client


@pytest.fixture(scope="module")
def site(module_db_url: str) -> Iterator[Site]:
    db = Database(module_db_url)
    data = build(db, EXTRA)
    token_for(db, MANAGER, "cluster_manager", (data.orgs["cluster"],))
    token_for(db, PARTNER, "member", (data.orgs["radarwerk"],))
    token_for(db, VIEWER, "viewer")
    system = Viewer.system()
    with db.session() as session:
        edf = calls.publish_call(
            session,
            system,
            CallIn(
                programme="EDF",
                identifier="EDF-2026-DA-CUAS",
                title="Counter-drone protection of air bases",
                text=f"Develop {RADAR}, with command and control.",
                lang="en",
                rules="edf",
                capabilities=["electronics.radar"],
                size_min=3,
                size_max=5,
                deadline=date(2026, 11, 27),
                budget=25_000_000,
                owner_id=data.orgs["cluster"],
            ),
        )
        regional = calls.publish_call(
            session,
            system,
            CallIn(
                programme="Regione Lombardia",
                title="Bando aerospazio tri-regionale",
                text="Gemelli digitali per le aerostrutture delle tre regioni.",
                lang="it",
                rules="regional",
                rule_params={"regions": ["ITC4", "ITC1", "ITC3"], "min_sme_share": 0.4},
                owner_id=data.orgs["cluster"],
            ),
        )
        ids = (edf.id, regional.id)
    yield Site(db, data, *ids)
    db.dispose()


# --- reading the pages ---------------------------------------------------------------------------


def alternatives(page: str) -> list[list[int]]:
    """The member ids of each alternative shown, in order."""
    parts = page.split('<article class="card alternative"')[1:]
    return [[int(m) for m in re.findall(r'<li data-member="(\d+)"', part)] for part in parts]


def link(page: str, attribute: str, org_id: int) -> str:
    """The href of the member's lock or exclude button (in the first alternative)."""
    found = re.search(rf'href="([^"]+)" {attribute}="{org_id}"', page)
    assert found, f"no {attribute} link for {org_id}"
    return html.unescape(found.group(1))


def error_fields(page: str) -> list[str]:
    return re.findall(r'data-error-field="([^"]*)"', page)


def visible_text(page: str) -> str:
    """The page's text outside scripts and elements marked as data or English."""
    body = page[page.find("<main") : page.find("</main>")]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r'<(\w+)[^>]*(translate="no"|lang="en")[^>]*>.*?</\1>', " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


# --- calls --------------------------------------------------------------------------------------


def test_anyone_reads_the_calls_and_their_rules_in_both_languages(site: Site) -> None:
    client = site.client()
    listing = client.get("/calls?lang=en")
    assert listing.status_code == 200
    assert f'data-call="{site.edf_call}"' in listing.text
    assert "Counter-drone protection of air bases" in listing.text
    assert EN["consortia.rule_sets.edf"] in listing.text
    assert "data-publish-call" not in listing.text  # anonymous visitors do not publish

    page = client.get(f"/calls/{site.edf_call}?lang=it").text
    assert IT["consortia.rule_titles.established_in"] in page
    assert "Almeno 3 soggetti non sotto controllo comune" in page
    assert "Partner di almeno 3 paesi diversi." in page
    assert "Ogni partner ha sede in uno dei 28 paesi ammissibili." in page
    assert "Norvegia" in page  # the eligible countries, by name in the page's language
    assert IT["consortia.funding_note"] in page
    assert f'href="/consortia/build?call={site.edf_call}"' in page
    assert IT["consortia.sign_in_note"] in page

    regional = client.get(f"/calls/{site.regional_call}?lang=en").text
    assert "Lombardia (ITC4)" in regional and "Liguria (ITC3)" in regional
    assert "At least 40% of the partners are SME / Start-up." in regional
    assert "From 2 to 8 partners." in regional


def test_a_missing_call_is_not_found(site: Site) -> None:
    assert site.client().get("/calls/9999").status_code == 404


def test_building_and_checking_ask_visitors_to_sign_in_and_come_back(site: Site) -> None:
    client = site.client()
    for path in (f"/consortia/build?call={site.edf_call}&size_max=4", "/consortia/check", "/bids"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303
        assert answer.headers["location"] == f"/sign-in?next={quote(path, safe='')}"


def test_a_cluster_manager_publishes_a_regional_call(site: Site) -> None:
    client = site.client(MANAGER)
    form = client.get("/calls/new?lang=it")
    assert form.status_code == 200
    token = FORM_TOKEN.search(form.text).group(1)
    fields = {
        "csrf_token": token,
        "owner_id": str(site.org("cluster")),
        "title": "Bando piemontese",
        "programme": "Regione Piemonte",
        "text": "Componenti in composito per velivoli senza pilota.",
        "rules": "regional",
        "regions": "ITC1 ITC4",
        "min_sme_share": "60",
        "size_max": "6",
        "visibility": "public",
    }
    made = client.post("/calls/new", data=fields, follow_redirects=False)
    assert made.status_code == 303
    page = client.get(made.headers["location"] + "?lang=en").text
    assert "Piemonte (ITC1)" in page and "Lombardia (ITC4)" in page
    assert "At least 60% of the partners are SME / Start-up." in page
    closing = {"csrf_token": token, "status": "closed"}
    closed = client.post(made.headers["location"] + "/status", data=closing)
    assert closed.status_code == 200 and 'data-call-status="closed"' in closed.text
    assert made.headers["location"] + '"' not in client.get("/calls").text  # open calls only


def test_the_call_form_marks_each_bad_field_in_italian_and_keeps_the_text(site: Site) -> None:
    client = site.client(MANAGER)
    token = FORM_TOKEN.search(client.get("/calls/new?lang=it").text).group(1)
    fields = {
        "csrf_token": token,
        "owner_id": str(site.org("cluster")),
        "title": "x",
        "programme": "EDF",
        "text": "Un testo abbastanza lungo per il bando.",
        "rules": "regional",
        "regions": "ZZ99",
        "visibility": "public",
    }
    answer = client.post("/calls/new", data=fields)
    assert answer.status_code == 422
    marked = dict(re.findall(r'data-field-error="(\w+)">([^<]+)<', answer.text))
    assert marked["title"] == html.escape(IT["consortia.invalid.title"], quote=True)
    fields["title"] = "Un titolo valido"
    answer = client.post("/calls/new", data=fields)
    marked = dict(re.findall(r'data-field-error="(\w+)">([^<]+)<', answer.text))
    assert answer.status_code == 422 and set(marked) == {"regions"}
    assert 'value="ZZ99"' in answer.text and "Un testo abbastanza lungo" in answer.text


def test_only_publishing_roles_get_the_call_form(site: Site) -> None:
    assert site.client(VIEWER).get("/calls/new").status_code == 403
    assert "data-publish-call" in site.client(MANAGER).get("/calls").text


# --- the builder ------------------------------------------------------------------------------


def test_alternatives_side_by_side_with_maps_rules_and_the_sme_bonus(site: Site) -> None:
    client = site.client(MANAGER)
    answer = client.get(f"/consortia/build?call={site.edf_call}&alternatives=2&lang=en")
    assert answer.status_code == 200, answer.text[:2000]
    page = answer.text
    teams = alternatives(page)
    assert len(teams) == 2 and teams[0] != teams[1]
    assert all(3 <= len(team) <= 5 for team in teams)
    assert site.org("hidden") not in {m for team in teams for m in team}
    assert "Quietly Hidden Jammers" not in page
    for team in teams:  # EDF: three different countries at least, members link to profiles
        for org_id in team:
            assert f'href="/organisations/{org_id}"' in page
    assert page.count('data-outcome="bad"') == 0
    assert page.count('data-rule="min_independent_entities"') == 2
    assert page.count("data-funding") == 2
    specs = re.findall(
        r'<script type="application/json" id="consortium-map-\d">(.*?)</script>', page
    )
    assert len(specs) == 2
    tiles = json.loads(html.unescape(specs[0]))["data"][0]
    filled = [
        t for t, c in zip(tiles["text"], tiles["marker"]["color"], strict=True) if c == "#1d4e89"
    ]
    assert len(filled) >= 3  # EDF: three countries at least, coloured with their partners
    assert "/static/plotly.min.js" in page
    assert page.count("data-save-bid=") == 2  # a cluster manager may save a proposal


def test_lock_and_exclude_re_run_the_build(site: Site) -> None:
    client = site.client(MANAGER)
    first = client.get(f"/consortia/build?call={site.edf_call}&alternatives=2&lang=en").text
    team = alternatives(first)[0]
    keep, gone = team[-1], team[0]  # the coordinator goes, the last partner stays
    locked_url = link(first, "data-lock", keep)
    assert parse_qs(urlsplit(locked_url).query)["with"] == [str(keep)]
    locked = client.get(locked_url).text
    assert all(keep in t for t in alternatives(locked))
    assert f'data-member="{keep}" data-fixed' in locked
    excluded_url = link(locked, "data-exclude", gone)
    query = parse_qs(urlsplit(excluded_url).query)
    assert query["with"] == [str(keep)] and query["without"] == [str(gone)]
    again = client.get(excluded_url)
    assert again.status_code == 200
    teams = alternatives(again.text)
    assert teams and all(keep in t and gone not in t for t in teams)
    assert f"{gone}</textarea>" in again.text  # the form shows the excluded partner


def test_build_errors_are_said_in_italian_above_the_form(site: Site) -> None:
    client = site.client(MANAGER)
    unknown = client.get(f"/consortia/build?call={site.edf_call}&with=999999999&lang=it")
    assert unknown.status_code == 404
    assert error_fields(unknown.text) == ["with"]
    said = re.sub(r"<[^>]+>", "", unknown.text)
    assert "999999999: nessuna organizzazione con questo numero o PIC." in said
    assert "999999999</textarea>" in unknown.text  # the form keeps what was typed
    hidden = client.get(f"/consortia/build?call={site.edf_call}&with=911000099&lang=it")
    assert hidden.status_code == 404  # a hidden organisation: the same answer as a missing one
    assert hidden.text.replace("911000099", "999999999") == unknown.text

    small = client.get("/consortia/build?text=Counter-drone+radar+for+bases&rules=edf&size_max=2")
    assert small.status_code == 422 and error_fields(small.text) == ["size_max"]

    italians = " ".join(str(site.org(k)) for k in ("leonardo", "polimi"))
    impossible = client.get(
        f"/consortia/build?text={RADAR}&rules=edf&with={italians}&size_max=3&lang=it"
    )
    assert impossible.status_code == 422
    assert IT["errors.code.no_consortium"] in impossible.text
    assert len(error_fields(impossible.text)) >= 1
    text = visible_text(impossible.text)
    assert "min_independent_entities" not in text and "cannot be met" not in text
    assert IT["fields.size_max"] in text or IT["fields.rules"] in text
    # two Italians fixed in a team of three: the countries rule is named, in Italian
    title = IT["consortia.rule_titles.min_countries"]
    assert IT["consortia.errors.rule_culprit"].format(rule=title) in text


def test_a_viewer_may_build_but_not_save(site: Site) -> None:
    page = site.client(VIEWER).get(f"/consortia/build?call={site.edf_call}&alternatives=1").text
    assert len(alternatives(page)) == 1
    assert "data-save-bid=" not in page and "data-no-save" in page


# --- the checker ------------------------------------------------------------------------------


def test_the_checker_explains_every_rule(site: Site) -> None:
    client = site.client(MANAGER)
    two = "%0A".join(["999880463", str(site.org("polimi"))])  # both Italian
    answer = client.get(f"/consortia/check?members={two}&rules=edf&lang=it")
    assert answer.status_code == 200
    page = answer.text
    assert 'data-check-result data-ok="false"' in page
    rule = page[page.find('data-rule="min_countries"') :]
    assert 'data-outcome="bad"' in rule[:400]
    assert IT["consortia.outcome.bad"] in rule[:400]
    assert '<div class="small rule-detail" lang="en">1 country (IT); at least 3 needed' in rule
    rule = page[page.find('data-rule="min_independent_entities"') :]
    assert 'data-outcome="bad"' in rule[:400]
    assert "only 2 entities not under common control" in rule
    three = "%0A".join(["999880463", "999993856", "911000001"])  # IT, FR, DE
    ok = client.get(f"/consortia/check?members={three}&rules=edf&lang=en").text
    assert 'data-check-result data-ok="true"' in ok and EN["consortia.check_ok"] in ok
    assert "data-funding" in ok
    missing = client.get("/consortia/check?members=911000099&rules=edf&lang=en")
    assert missing.status_code == 404 and error_fields(missing.text) == ["members"]


# --- bids ---------------------------------------------------------------------------------------


def save_form(page: str, number: int = 1) -> dict[str, list[str]]:
    """The hidden and shown fields of alternative `number`'s "save as draft bid" form."""
    start = page.find(f'data-save-bid="{number}"')
    form = page[start : page.find("</form>", start)]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(
        r'<input (?:type="hidden" )?name="([^"]+)" value="([^"]*)"', form
    ):
        fields.setdefault(name, []).append(html.unescape(value))
    return fields


def test_a_saved_proposal_is_invited_answered_and_closed(site: Site) -> None:
    manager, partner = site.client(MANAGER), site.client(PARTNER)
    mine = site.org("radarwerk")
    page = manager.get(f"/consortia/build?call={site.edf_call}&with={mine}&alternatives=1").text
    fields = save_form(page)
    assert fields["partner"][0] == str(mine) and fields["title"]
    saved = manager.post("/bids", data=fields, follow_redirects=False)
    assert saved.status_code == 303
    bid_url = saved.headers["location"]
    bid_id = int(bid_url.rsplit("/", 1)[1])
    bid = manager.get(bid_url + "?lang=en").text
    assert "Counter-drone protection of air bases" in bid
    assert bid.count('data-status="proposed"') == len(alternatives(page)[0])
    assert 'data-outcome="bad"' not in bid  # the live check of the saved partners
    assert partner.get(bid_url).status_code == 404  # not invited yet: as if it did not exist

    token = FORM_TOKEN.search(bid).group(1)
    invited = manager.post(f"{bid_url}/invite", data={"csrf_token": token}, follow_redirects=False)
    assert invited.status_code == 303
    assert manager.get(bid_url).text.count('data-status="invited"') == bid.count("data-status=")

    account = partner.get("/account?lang=it").text
    assert f'data-bid-invitation="{bid_id}"' in account
    assert IT["consortia.invitations_title"] in account
    answer = {
        "csrf_token": FORM_TOKEN.search(account).group(1),
        "organisation_id": str(mine),
        "decision": "accept",
        "next": "/account#bid-invitations",
    }
    done = partner.post(f"{bid_url}/answer", data=answer, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account#bid-invitations"
    assert f'data-bid-invitation="{bid_id}"' not in partner.get("/account").text
    seen = partner.get(bid_url).text
    assert f'data-partner="{mine}" data-status="accepted"' in seen
    assert "data-invite" not in seen and "data-remove" not in seen  # only the owner changes it
    assert f'data-bid="{bid_id}"' in partner.get("/bids").text

    other = next(m for m in alternatives(page)[0] if m != mine)
    removed = manager.post(
        f"{bid_url}/partners/{other}/remove", data={"csrf_token": token}, follow_redirects=False
    )
    assert removed.status_code == 303
    assert f'data-partner="{other}"' not in manager.get(bid_url).text
    status = {"csrf_token": token, "status": "submitted"}
    assert manager.post(f"{bid_url}/status", data=status, follow_redirects=False).status_code == 303
    closed = partner.post(f"{bid_url}/answer", data=answer | {"decision": "decline"})
    assert closed.status_code == 409
    assert IT["errors.code.bid_closed"] in closed.text  # the partner chose Italian above
    assert 'data-bid-status="submitted"' in closed.text


def test_a_failed_save_is_said_with_a_way_back(site: Site) -> None:
    manager = site.client(MANAGER)
    token = FORM_TOKEN.search(manager.get("/bids").text).group(1)
    back = f"/consortia/build?call={site.edf_call}"
    form = {
        "csrf_token": token,
        "title": "x",
        "owner_id": str(site.org("cluster")),
        "partner": str(site.org("leonardo")),
        "back": back,
    }
    answer = manager.post("/bids?lang=it", data=form)
    assert answer.status_code == 422
    assert error_fields(answer.text) == ["title"]
    assert f'href="{html.escape(back)}" data-back' in answer.text
