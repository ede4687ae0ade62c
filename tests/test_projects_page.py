"""Funded projects: the list by programme and start year (issue 10, item 5), the participants
a viewer may see, and a participant's own EU contribution next to the project's total (item 10),
through the API, the web pages and, for the page, in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import Participation, Project, Source
from support.auth import bearer, token_for
from support.browser import collect_console_errors, live_server
from support.dataset import Dataset, build

if TYPE_CHECKING:
    from playwright.sync_api import Page

CORDIS = "European Commission, CORDIS, CC BY 4.0"
HIDDEN = {
    "restricted_org": {
        "name": "Restricted Radar Works",
        "kind": "sme",
        "country": "FR",
        "visibility": "restricted",
    },
}
SHARES = {"leonardo": 317_625.0, "polimi": 225_625.0, "restricted_org": 99_000.0}


@dataclass
class World:
    db: Database
    data: Dataset
    h2020: int
    admin: dict[str, str]


def add_h2020_project(db: Database, orgs: dict[str, int]) -> int:
    """A Horizon 2020 project whose partners' own contributions are known (as CORDIS gives)."""
    with db.session() as session:
        source = Source(name="Horizon 2020 participations (CORDIS)", kind="h2020", credit=CORDIS)
        project = Project(
            programme="H2020",
            external_id="221856",
            title="CORDIS 221856",
            topic="SC7",
            start_date=date(2019, 5, 1),
            eu_contribution=2_927_875.0,
            source=source,
        )
        project.participations = [
            Participation(organisation_id=orgs[key], role="participant", contribution=share)
            for key, share in SHARES.items()
        ]
        session.add(project)
        session.flush()
        return project.id


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    data = build(db, HIDDEN)
    h2020 = add_h2020_project(db, data.orgs)
    admin = bearer(token_for(db, "admin@projects.example"))
    yield World(db, data, h2020, admin)
    db.dispose()


@pytest.fixture(scope="module")
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.db)) as test_client:
        yield test_client


def listed(client: TestClient, headers: dict[str, str] | None = None, **query) -> dict:
    response = client.get("/api/projects", params=query, headers=headers or {})
    assert response.status_code == 200, response.text
    return response.json()


def test_the_api_filters_projects_by_programme_and_start_year(client: TestClient) -> None:
    everything = listed(client)
    assert [p["external_id"] for p in everything["data"]] == ["101121414", "101103254", "221856"]
    assert {p["external_id"] for p in listed(client, year=2022)["data"]} == {"101103254"}
    assert listed(client, year=2022)["count"] == 1
    assert {p["external_id"] for p in listed(client, programme="h2020")["data"]} == {"221856"}
    assert listed(client, programme="EDF", year=2019)["count"] == 0
    refused = client.get("/api/projects", params={"year": "last"})
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "query.year"


def test_participant_counts_are_those_the_viewer_may_see(client: TestClient, world: World):
    def counts(headers=None) -> dict[str, int]:
        rows = listed(client, headers)["data"]
        return {p["external_id"]: p["participant_count"] for p in rows}

    assert counts() == {"101103254": 3, "101121414": 2, "221856": 2}  # restricted: not counted
    assert counts(world.admin)["221856"] == 3
    page = client.get("/projects", params={"programme": "H2020", "lang": "en"})
    assert re.search(r"data-participants[^>]*>2<", page.text)
    assert "Restricted Radar Works" not in page.text


def test_the_projects_page_lists_filters_and_pages(client: TestClient, world: World) -> None:
    page = client.get("/projects", params={"year": "2023", "lang": "en"})
    assert page.status_code == 200
    assert 'data-count="1"' in page.text and "1 project<" in page.text
    assert "SPACE-EYE" in page.text and "European Patrol Corvette" not in page.text
    assert "€25.5 M" in page.text  # the project's EU contribution, formatted
    italian = client.get("/projects", params={"lang": "it"}).text
    assert "3 progetti" in italian and "Anno di inizio" in italian and "Start year" not in italian
    bad = client.get(
        "/projects", params={"year": "last", "lang": "it"}, headers={"accept": "text/html"}
    )
    assert bad.status_code == 422 and "<strong>Anno di inizio</strong>" in bad.text
    nav = client.get("/", params={"lang": "en"}).text
    assert re.search(r'<a href="/projects"[^>]*>Projects</a>', nav)


def test_profile_shows_own_share_and_labels_the_project_total(client: TestClient, world: World):
    leonardo = world.data.orgs["leonardo"]
    profile = client.get(f"/api/organisations/{leonardo}").json()
    by_project = {p["project_id"]: p for p in profile["projects"]}
    assert by_project[world.h2020]["contribution"] == SHARES["leonardo"]
    assert by_project[world.h2020]["eu_contribution"] == 2_927_875.0
    assert by_project[world.data.projects["epc"]]["contribution"] is None  # EDF: not in the data
    page = client.get(f"/organisations/{leonardo}", params={"lang": "en"}).text
    assert "Own share (EU contribution)" in page and "Project total (EU contribution)" in page
    row = re.search(rf'data-participation="{world.h2020}".*?</tr>', page, re.S).group(0)
    assert "€0.3 M" in row and "€2.9 M" in row
    edf_row = re.search(rf'data-participation="{world.data.projects["epc"]}".*?</tr>', page, re.S)
    assert "€60.0 M" in edf_row.group(0) and 'data-own-share><span class="muted"' in edf_row.group(
        0
    )
    italian = client.get(f"/organisations/{leonardo}", params={"lang": "it"}).text
    assert "Quota propria (contributo UE)" in italian and "Totale del progetto" in italian
    assert "Project total" not in italian


def test_project_page_shows_each_visible_share_and_its_credit(client: TestClient, world: World):
    page = client.get(f"/projects/{world.h2020}", params={"lang": "en"}).text
    assert page.count("data-own-share") == 2  # the two visible participants
    assert "Restricted Radar Works" not in page and CORDIS in page
    detail = client.get(f"/api/projects/{world.h2020}").json()
    assert detail["participant_count"] == 2
    assert sorted(p["contribution"] for p in detail["participants"]) == [225_625.0, 317_625.0]
    edf = client.get(f"/projects/{world.data.projects['epc']}", params={"lang": "en"}).text
    assert "data-own-share" not in edf  # no share in the data: no empty column


# --- in a browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('projects')}/site.db")
    data = build(db, HIDDEN)
    add_h2020_project(db, data.orgs)
    with live_server(create_app(db)) as base:
        yield base
    db.dispose()


@pytest.mark.browser
def test_projects_page_in_a_browser(page: Page, site: str) -> None:
    """From the navigation to a filtered list, on a phone-sized screen, in both languages."""
    from playwright.sync_api import expect

    errors = collect_console_errors(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/?lang=en")
    page.locator("[data-nav-toggle]").click()  # on phones the navigation folds behind "Menu"
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Projects"
    ).click()
    page.wait_for_url("**/projects")
    rows = page.locator("tr[data-project]")
    expect(rows).to_have_count(3)
    filters = page.locator("[data-filters-panel]")
    if not filters.evaluate("panel => panel.open"):  # folded away on phones
        filters.locator("summary").click()
    page.select_option("select[name=programme]", "EDF")
    page.select_option("select[name=year]", "2022")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**/projects?*year=2022*")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("European Patrol Corvette")
    expect(rows.first.locator("[data-participants]")).to_have_text("3")
    expect(page.locator("select[name=year]")).to_have_value("2022")
    scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert scroll <= 0, f"{scroll}px of sideways scroll at 390 px"
    page.locator("[data-lang-switch]").click()
    page.wait_for_url("**lang=it")
    expect(page.locator("h1")).to_have_text("Progetti finanziati")
    expect(filters.locator("summary")).to_contain_text("Filtri")
    expect(page.locator("thead")).to_contain_text("Anno di inizio")
    expect(page.locator("[data-count]")).to_have_text("1 progetto")
    assert errors == []
