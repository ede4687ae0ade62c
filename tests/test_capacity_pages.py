"""Web pages of production capacity (issue 13), through TestClient on SQLite and PostgreSQL.

A planner (a buyer of the owner organisation) sees the scenario whole: key figures, the
explanations, the charts (per stage, shortfall, by country), expansions, shadow prices and
concentration, and runs the plan and the risk simulation. A company named in the lines
sees the aggregates and its own line only, the others grouped as "other companies"; an
outsider gets "does not exist"; a visitor is sent to sign in. The editor keeps the text
and lists every problem naming the item and the field in the page's language.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from markupsafe import escape

from filiera.access import secrets_
from filiera.access.viewer import Viewer
from filiera.app import create_app
from filiera.capacity import analysis, scenario, store
from filiera.capacity.schemas import ScenarioIn
from filiera.db import Database
from filiera.settings import Settings
from filiera.web import capacity_charts
from filiera.web.i18n import strings
from support.auth import PASSWORD, token_for
from support.dataset import build

EN, IT = strings("en"), strings("it")
BROWSER = {"Accept": "text/html,application/xhtml+xml"}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
TEXT = """\
name: Pages test chain
horizon: {start: 2026-01, months: 12}
items:
  - {id: round_155, unit: round}
  - {id: shell_body, unit: unit}
  - {id: tnt, unit: kg}
bom:
  round_155: {shell_body: 1, tnt: 10}
lines:
  - {id: lap, organisation: Ministero della Capacità, country: IT, item: round_155,
     capacity_per_month: 5000}
  - {id: body_de, organisation: Stahlwerk Körper, country: DE, item: shell_body,
     capacity_per_month: 3000}
  - {id: tnt_pl, organisation: Nitro-Chem, country: PL, item: tnt, capacity_per_month: "40 t"}
expansions:
  - {id: body2, line: body_de, extra_per_month: 2000, capex_eur: 5.0e7, lead_time_months: 3}
demand:
  - {item: round_155, per_month: 4000}
budget_eur: 1.0e8
"""
EXTRA = {
    "ministry": {"name": "Ministero della Capacità", "kind": "buyer", "country": "IT"},
    "nitro": {"name": "Nitro-Chem", "kind": "midcap", "country": "PL"},
    "stahl": {"name": "Stahlwerk Körper", "kind": "sme", "country": "DE"},
    "outsider": {"name": "Outside Optics", "kind": "sme", "country": "FR"},
}
PLANNER, COMPANY, OUTSIDER = "planner@cap.example", "nitro@cap.example", "out@cap.example"


@pytest.fixture(autouse=True)
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(secrets_, "hasher", lambda: fast)


@dataclass
class Site:
    db: Database
    orgs: dict[str, int]
    scenario_id: int

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
    orgs = data.orgs
    token_for(db, PLANNER, "buyer", (orgs["ministry"],))
    token_for(db, COMPANY, "member", (orgs["nitro"],))
    token_for(db, OUTSIDER, "member", (orgs["outsider"],))
    with db.session() as session:
        row = store.save_scenario(
            session,
            Viewer.system(),
            ScenarioIn(name="Pages test chain", text=TEXT, owner_id=orgs["ministry"]),
        )
        scenario_id = row.id
    yield Site(db, orgs, scenario_id)
    db.dispose()


def token_of(page: str) -> str:
    return FORM_TOKEN.search(page).group(1)


def visible_text(page: str) -> str:
    """The page's main text outside scripts and elements marked as data or English."""
    body = page[page.find("<main") : page.find("</main>")]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    body = re.sub(r"<textarea.*?</textarea>", " ", body, flags=re.S)
    for _ in range(3):  # nested marked elements
        body = re.sub(
            r'<(\w+)[^>]*(translate="no"|lang="en")[^>]*>(?:(?!<\1[ >]).)*?</\1>',
            " ",
            body,
            flags=re.S,
        )
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def charts_of(page: str) -> dict[str, dict]:
    """The Plotly specs embedded in the page, by element id."""
    found = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', page, re.S)
    return {name: json.loads(html.unescape(spec)) for name, spec in found}


def run_plan(client: TestClient, scenario_id: int) -> str:
    page = client.get(f"/capacity/{scenario_id}").text
    answer = client.post(f"/capacity/{scenario_id}/plan", data={"csrf_token": token_of(page)})
    assert answer.status_code == 200 and f"/capacity/{scenario_id}" in str(answer.url)
    return answer.text


def expected_plan() -> dict:
    return analysis.analyse(scenario.loads(TEXT))


# --- who gets in ----------------------------------------------------------------------------


def test_visitors_sign_in_first(site: Site) -> None:
    client = site.client()
    paths = ("/capacity", f"/capacity/{site.scenario_id}", "/capacity/new", "/capacity/compare")
    for path in paths:
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/sign-in?next=")
    assert 'href="/capacity"' not in client.get("/").text  # no nav link for visitors


def test_an_outsider_finds_no_scenario(site: Site) -> None:
    client = site.client(OUTSIDER)
    listing = client.get("/capacity?lang=en")
    assert listing.status_code == 200
    assert f'data-scenario="{site.scenario_id}"' not in listing.text
    assert EN["capacity.none"] in listing.text
    assert "data-new-scenario" not in listing.text  # a member does not plan
    hidden = client.get(f"/capacity/{site.scenario_id}")
    missing = client.get("/capacity/999999")
    assert hidden.status_code == missing.status_code == 404
    same = re.compile(r"(scenario |/capacity/)\d+")
    assert same.sub(r"\1N", hidden.text) == same.sub(r"\1N", missing.text)
    assert client.get(f"/capacity/{site.scenario_id}/edit").status_code == 404


def test_the_planner_lists_and_creates_in_both_languages(site: Site) -> None:
    client = site.client(PLANNER)
    for lang, table in (("en", EN), ("it", IT)):
        page = client.get(f"/capacity?lang={lang}").text
        assert f'data-scenario="{site.scenario_id}"' in page
        assert table["capacity.new"] in page and table["capacity.title"] in page
        assert f"data-capacity-nav>{table['capacity.nav']}<" in page
    assert IT["capacity.view_full"] in page
    editor = client.get("/capacity/new?lang=it").text
    assert "horizon: {start: 2026-01, months: 24}" in editor  # the commented starter
    assert IT["capacity.form.text"] in editor
    assert f'<option value="{site.orgs["ministry"]}"' in editor


# --- the dashboard --------------------------------------------------------------------------


def test_the_planner_runs_the_plan_and_sees_it_whole(site: Site) -> None:
    client = site.client(PLANNER)
    before = client.get(f"/capacity/{site.scenario_id}?lang=en").text
    assert "data-no-plan" in before and "chart-shortfall" not in before
    page = run_plan(client, site.scenario_id)
    want = expected_plan()
    figure = re.search(r'data-figure="max_output">([^<]+)<', page).group(1)
    assert figure == f"{want['max_output_per_month']:,.0f}"
    assert f"data-after>{want['total_shortfall']:,.0f}<" in page
    assert f"data-before>{want['total_shortfall_before']:,.0f}<" in page
    assert [e["id"] for e in want["expansions"]] == re.findall(r'data-expansion="([^"]+)"', page)
    for note in want["explanations"]:
        assert str(escape(note)) in page
    specs = charts_of(page)
    assert {"chart-shortfall", "chart-countries"} <= set(specs)
    stages = [name for name in specs if name.startswith("chart-stage-")]
    assert len(stages) == 3  # round_155, shell_body, tnt
    shortfall = specs["chart-shortfall"]["data"]
    assert shortfall[1]["y"] == [m["shortfall"] for m in want["months"]]
    assert shortfall[0]["y"] == [m["shortfall_before"] for m in want["months"]]
    assert "data-concentration" in page and 'data-shadow="' in page


def test_the_dashboard_in_italian_shows_no_english(site: Site) -> None:
    client = site.client(PLANNER)
    run_plan(client, site.scenario_id)
    page = client.get(f"/capacity/{site.scenario_id}?lang=it").text
    assert IT["capacity.charts.stages"] in page and IT["capacity.expansions.title"] in page
    text = visible_text(page)
    for english in ("Shortfall", "Capacity", "Expansion", "Run", "Bottleneck", "Risk", "line"):
        assert not re.search(rf"\b{english}\b", text), english
    specs = charts_of(page)
    names = [trace["name"] for trace in specs["chart-stage-1"]["data"]]
    keys = ("capacity_before", "capacity_after", "requirement")
    assert names == [IT[f"capacity.chart.{k}"] for k in keys]


def test_a_company_in_the_chain_sees_its_own_line_only(site: Site) -> None:
    run_plan(site.client(PLANNER), site.scenario_id)
    client = site.client(COMPANY)
    listing = client.get("/capacity?lang=en").text
    assert f'data-scenario="{site.scenario_id}"' in listing and "data-redacted" in listing
    for lang, table in (("en", EN), ("it", IT)):
        page = client.get(f"/capacity/{site.scenario_id}?lang={lang}").text
        assert "data-redacted-note" in page
        assert table["capacity.other_companies"] in page
        assert "body_de" not in page and "Stahlwerk" not in page and "body2" not in page
        assert "chart-countries" not in page and "chart-stage-1" not in page
        assert "data-concentration" not in page and "data-edit-scenario" not in page
        assert "chart-shortfall" in page  # the aggregates
    assert client.get(f"/capacity/{site.scenario_id}/edit").status_code == 403


def test_the_risk_simulation_shows_its_distribution(site: Site) -> None:
    client = site.client(PLANNER)
    page = client.get(f"/capacity/{site.scenario_id}?lang=en").text
    form = {"csrf_token": token_of(page), "runs": "12", "seed": "3"}
    shown = client.post(f"/capacity/{site.scenario_id}/risk", data=form).text
    with site.db.session() as session:
        want = store.risk_scenario(session, Viewer.system(), site.scenario_id, 12, 3)
    assert f"{want['total_shortfall']['p90']:,.0f}" in re.search(
        r'data-quantile="p90">.*?</tr>', shown, re.S
    ).group(0)
    assert "data-risk-at" in shown and "data-no-risk" not in shown
    bad = client.post(
        f"/capacity/{site.scenario_id}/risk", data={**form, "runs": "0"}, follow_redirects=False
    )
    assert bad.status_code == 422


# --- the editor -----------------------------------------------------------------------------


def problems(page: str) -> list[str]:
    return [
        html.unescape(re.sub(r"<[^>]+>", "", li))
        for li in re.findall(r"<li data-error-field=[^>]*>(.*?)</li>", page, re.S)
    ]


def test_the_editor_names_item_and_field_in_the_page_language(site: Site) -> None:
    client = site.client(PLANNER)
    page = client.get("/capacity/new?lang=it").text
    broken = TEXT.replace("tnt: 10}", "tnt: 10}\n  tnt: {round_155: 1}").replace(
        '"40 t"', '"40 rounds"'
    )
    form = {
        "csrf_token": token_of(page),
        "name": "Broken",
        "text": broken,
        "owner_id": str(site.orgs["ministry"]),
        "visibility": "restricted",
    }
    answer = client.post("/capacity/new", data=form)
    assert answer.status_code == 422
    said = problems(answer.text)
    assert any(
        s.startswith("articolo round_155 · Distinta base: la distinta base forma un ciclo")
        for s in said
    ), said
    assert any("linea tnt_pl · Capacità al mese: unità incompatibili" in s for s in said), said
    assert str(escape(broken)) in answer.text  # the text is kept
    assert "bill of materials" not in visible_text(answer.text)
    english = client.post("/capacity/new?lang=en", data=form)
    assert "the bill of materials loops" in english.text


def test_editing_the_yaml_changes_the_plan(site: Site) -> None:
    client = site.client(PLANNER)
    page = client.get("/capacity/new?lang=en").text
    form = {
        "csrf_token": token_of(page),
        "name": "Edited chain",
        "description": "to be edited",
        "text": TEXT,
        "owner_id": str(site.orgs["ministry"]),
        "visibility": "restricted",
    }
    created = client.post("/capacity/new", data=form, follow_redirects=False)
    assert created.status_code == 303
    new_id = int(created.headers["location"].rsplit("/", 1)[1])
    first = run_plan(client, new_id)
    assert 'data-expansion="body3"' not in first
    editor = client.get(f"/capacity/{new_id}/edit").text
    assert str(escape("{id: body2, line: body_de")) in editor
    more = TEXT.replace(
        "demand:",
        "  - {id: body3, line: body_de, extra_per_month: 1000, capex_eur: 1.0e7}\ndemand:",
    )
    saved = client.post(
        f"/capacity/{new_id}/edit",
        data={**form, "csrf_token": token_of(editor), "text": more},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "data-no-plan" in client.get(f"/capacity/{new_id}").text  # the old plan is dropped
    second = run_plan(client, new_id)
    want = analysis.analyse(scenario.loads(more))
    assert "body3" in [e["id"] for e in want["expansions"]]
    assert re.findall(r'data-expansion="([^"]+)"', second) == [e["id"] for e in want["expansions"]]
    compare = client.get(f"/capacity/compare?ids={site.scenario_id}&ids={new_id}&lang=en").text
    assert re.findall(r'data-compared="(\d+)"', compare) == [str(site.scenario_id), str(new_id)]
    curves = charts_of(compare)["chart-compare"]["data"]
    assert len(curves) == 4 and curves[3]["y"] == [m["shortfall"] for m in want["months"]]
    deleted = client.post(
        f"/capacity/{new_id}/delete", data={"csrf_token": token_of(second)}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert client.get(f"/capacity/{new_id}").status_code == 404


# --- the charts on their own ----------------------------------------------------------------


def test_stage_series_multiply_demand_through_the_bill_of_materials() -> None:
    s = scenario.loads(TEXT)
    plan = analysis.analyse(s)
    series = {stage.item: stage for stage in capacity_charts.stage_series(s, plan)}
    assert series["tnt"].requirement == [4000 * 10.0] * 12
    assert series["tnt"].before == [40_000.0] * 12
    body = series["shell_body"]
    chosen = {e["id"]: e for e in plan["expansions"]}
    assert "body2" in chosen
    first = [m for m in range(12) if s.month_label(m) == chosen["body2"]["first_month"]][0]
    assert body.after[first - 1] == 3000 and body.after[first] == 5000
