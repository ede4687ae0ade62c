"""The web UI: every page in English and Italian, language choice, escaping, provenance."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from filiera import __version__
from filiera.app import create_app
from filiera.db import Database
from filiera.web import TEMPLATES_DIR
from filiera.web.i18n import COOKIE, flatten, parse_accept_language, strings
from filiera.web.i18n import catalogue as locale
from support.auth import bearer, token_for
from support.dataset import CREDIT, XSS, Dataset, build

FOOTER = {
    "en": "EU data: European Commission, Funding &amp; Tenders portal / CORDIS, CC BY 4.0",
    "it": "Dati UE: Commissione europea, portale Funding &amp; Tenders / CORDIS, CC BY 4.0",
}
NAV = {"en": ">Organisations</a>", "it": ">Organizzazioni</a>"}
FILLERS = {
    f"filler{i}": {"name": f"Filler Systems {i:02d}", "kind": "sme", "country": "DE"}
    for i in range(26)
}
EXTRA = {
    "xss": {
        "name": XSS,
        "kind": "sme",
        "country": "IT",
        "city": "<b>Town</b>",
        "descriptions": {"en": "<img src=x onerror=alert(2)>"},
    },
    **FILLERS,
}


@pytest.fixture
def setup(db_url: str) -> Iterator[tuple[TestClient, Dataset]]:
    db = Database(db_url)
    data = build(db, EXTRA)
    headers = bearer(token_for(db, "admin@test.example"))
    with TestClient(create_app(db), headers=headers) as client:
        yield client, data
    db.dispose()


@pytest.fixture
def sqlite_client(tmp_path) -> Iterator[TestClient]:
    """For behaviour that does not depend on the database backend."""
    db = Database(f"sqlite:///{tmp_path}/web.db")
    build(db)
    with TestClient(create_app(db)) as client:
        yield client
    db.dispose()


def page_urls(data: Dataset) -> list[str]:
    return [
        "/",
        "/organisations",
        "/organisations?country=IT&kind=university",
        f"/organisations/{data.orgs['leonardo']}",
        f"/organisations/{data.orgs['aerosud']}",
        "/map",
        "/clusters",
        f"/clusters/{data.orgs['cluster']}",
        f"/projects/{data.projects['epc']}",
        "/review",
        "/docs",
    ]


def test_every_page_in_both_languages(setup: tuple[TestClient, Dataset]) -> None:
    client, data = setup
    for url in page_urls(data):
        sep = "&" if "?" in url else "?"
        bodies = {}
        for lang in ("en", "it"):
            response = client.get(f"{url}{sep}lang={lang}")
            assert response.status_code == 200, (url, lang)
            assert response.headers["content-type"].startswith("text/html")
            assert response.headers["content-language"] == lang
            body = response.text
            assert f'<html lang="{lang}">' in body, url
            assert NAV[lang] in body, (url, lang)
            assert FOOTER[lang] in body, (url, lang)
            assert "data-lang-switch" in body
            bodies[lang] = body
        assert bodies["en"] != bodies["it"]


def test_language_from_param_cookie_header_default(sqlite_client: TestClient) -> None:
    client = sqlite_client
    assert NAV["en"] in client.get("/").text
    chosen = client.get("/?lang=it")
    assert chosen.cookies.get(COOKIE) == "it"
    assert NAV["it"] in client.get("/").text  # the cookie now decides
    client.cookies.clear()
    assert NAV["it"] in client.get("/", headers={"accept-language": "it-IT,en;q=0.5"}).text
    assert NAV["en"] in client.get("/", headers={"accept-language": "de, en;q=0.9"}).text
    switch = re.search(r'href="([^"]+)"[^>]*data-lang-switch', client.get("/map").text)
    assert switch and switch.group(1) == "/map?lang=it"


def test_accept_language_parsing() -> None:
    assert parse_accept_language("en;q=0.3, it-IT;q=0.8, fr") == ["fr", "it", "en"]
    assert parse_accept_language("it;q=0") == []


def test_locales_have_the_same_keys_and_templates_use_known_keys() -> None:
    english, italian = set(flatten(locale("en"))), set(flatten(locale("it")))
    assert english == italian
    used = set()
    for template in TEMPLATES_DIR.glob("*.html"):
        text = template.read_text()
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']\s*[,)]""", text))
        prefixes = re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']\s*~""", text)
        for prefix in prefixes:  # t("access.level_" ~ x): some key must start with the prefix
            assert any(key.startswith(prefix) for key in english), prefix
    counted = {key.rsplit(".", 1)[0] for key in english if key.endswith(".other")}
    assert used and used <= english | counted, used - english - counted  # counted: {one, other}
    for level in ("public", "members", "restricted", "owner"):
        assert f"access.level_{level}" in english
    for role in ("admin", "cluster_manager", "member", "investor", "buyer", "viewer"):
        assert f"access.roles.{role}" in english
    different = [k for k in english if strings("en")[k] != strings("it")[k]]
    assert len(different) > len(english) * 0.7


def test_user_text_is_escaped(setup: tuple[TestClient, Dataset]) -> None:
    client, data = setup
    for url in ("/organisations?q=script", f"/organisations/{data.orgs['xss']}"):
        body = client.get(url).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
        assert XSS not in body and "<b>Town</b>" not in body and "<img src=x" not in body
    profile = client.get(f"/organisations/{data.orgs['xss']}").text
    assert "&lt;img src=x onerror=alert(2)&gt;" in profile


def test_profile_shows_provenance_badges_and_partners(setup: tuple[TestClient, Dataset]) -> None:
    client, data = setup
    leonardo = client.get(f"/organisations/{data.orgs['leonardo']}?lang=en").text
    assert escape(CREDIT) in leonardo and "EDF results" in leonardo
    assert "Rotorcraft" in leonardo and "level-certified" in leonardo
    assert "Helicopters, electronics and space." in leonardo
    assert "Safran SA" in leonardo and "2 shared projects" in leonardo
    assert "999880463" in leonardo and "badge synthetic" not in leonardo
    italian = client.get(f"/organisations/{data.orgs['leonardo']}?lang=it").text
    assert "Elicotteri, elettronica e spazio." in italian and "Valida" in italian
    synthetic = client.get(f"/organisations/{data.orgs['aerosud']}").text
    assert "badge synthetic" in synthetic and "synthetic-note" in synthetic
    assert "Lombardia Aerospace Cluster" in synthetic


def test_description_falls_back_to_another_language(setup: tuple[TestClient, Dataset]) -> None:
    client, data = setup
    page = client.get(f"/clusters/{data.orgs['cluster']}?lang=en").text
    assert "Il distretto aerospaziale lombardo." in page
    assert "shown in IT" in page
    assert "Politecnico di Milano" in page and "Aero Sud Additive" in page


def test_directory_filters_and_pagination_keep_filters(setup: tuple[TestClient, Dataset]) -> None:
    client, _ = setup
    first = client.get("/organisations?country=DE&lang=en").text
    assert 'data-count="26"' in first and first.count('class="org-link"') == 25
    assert 'href="/organisations?country=DE&amp;page=2"' in first
    second = client.get("/organisations?country=DE&page=2").text
    assert second.count('class="org-link"') == 1 and "Filler Systems 25" in second
    narrowed = client.get("/organisations?country=IT&kind=university&cluster=").text
    assert narrowed.count('class="org-link"') == 1 and "Politecnico di Milano" in narrowed
    assert '<option value="university" selected>' in narrowed
    italian = client.get("/organisations?lang=it").text
    assert "Satelliti" in italian  # capability select uses localized labels


def test_home_figures_and_charts(setup: tuple[TestClient, Dataset]) -> None:
    client, _ = setup
    home = client.get("/?lang=en").text
    assert 'data-figure="organisations">33<' in home
    assert 'data-figure="eu_contribution">€85.5 M<' in home
    assert 'data-chart="chart-country"' in home and 'data-chart="chart-kind"' in home
    assert '<script src="/static/plotly.min.js?v=' in home  # versioned: cached for a year
    assert 'data-figure="eu_contribution">85,5 mln €<' in client.get("/?lang=it").text


def test_static_assets(sqlite_client: TestClient) -> None:
    client = sqlite_client
    plotly = client.get("/static/plotly.min.js?v=" + __version__)
    assert plotly.status_code == 200 and "max-age" in plotly.headers["cache-control"]
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert b"plotly.js" in plotly.content[:500]
    css = client.get("/static/filiera.css")
    assert css.status_code == 200 and "http" not in css.text  # no external fonts or CDNs


def test_docs_page_lists_endpoints_offline(sqlite_client: TestClient) -> None:
    client = sqlite_client
    docs = client.get("/docs").text
    for path in ("/api/organisations", "/api/organisations/{org_id}", "/api/review/{item_id}"):
        assert f'<td class="mono">{path}</td>' in docs
    assert 'href="/openapi.json"' in docs
    assert "cdn" not in docs.lower()
