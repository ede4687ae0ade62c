"""Errors, data vocabularies and match reasons in the page's language (issue 10, item 13).

Before: service errors reached Italian pages as English text (`error.message`), error lists
named internal fields (`people.email`), and site types, audit actions, source names,
evidence lines and match reasons ("Passes the filter kind = startup, sme") were shown as
stored. Now every error a user can meet names its sentence with a `key` in both locales,
every vocabulary has words in both languages, and reasons are said from their facts.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from filiera.access.audit import AuditEvent  # noqa: F401  (the audited tables are loaded)
from filiera.app import create_app
from filiera.db import Base, Database
from filiera.errors import Conflict, Forbidden
from filiera.registry.schemas import SiteKind
from filiera.settings import Settings
from filiera.web.i18n import strings
from filiera.web.messages import detail_text, error_text, field_label
from filiera.web.render import environment, helpers, kind_label
from support.auth import bearer, token_for
from support.browser import collect_console_errors, live_server
from support.dataset import build

SRC = Path(__file__).resolve().parents[1] / "src" / "filiera"
KEY_USE = re.compile(r'\bkey="([a-z_]+)"')
EN, IT = strings("en"), strings("it")


def error_keys_in_src() -> dict[str, str]:
    """Every `key="..."` an error is raised with in the package: key -> file."""
    found = {}
    for path in SRC.rglob("*.py"):
        for key in KEY_USE.findall(path.read_text(encoding="utf-8")):
            found[key] = str(path.relative_to(SRC))
    return found


def test_every_error_key_in_the_code_has_words_in_both_languages() -> None:
    keys = error_keys_in_src()
    assert len(keys) >= 15, keys  # the refusals users meet on pages are named
    missing = {
        f"{lang}: errors.{key} ({where})"
        for key, where in keys.items()
        for lang, table in (("en", EN), ("it", IT))
        if f"errors.{key}" not in table
    }
    assert not missing, sorted(missing)


def test_a_keyed_error_reads_in_italian_and_an_unkeyed_one_never_in_english() -> None:
    keyed = Conflict("need 3 is closed", key="need_closed")
    assert error_text(keyed, "it") == IT["errors.need_closed"]
    assert error_text(keyed, "en") == EN["errors.need_closed"]
    plain = Forbidden("role viewer may not need publish")
    assert error_text(plain, "it") == IT["errors.code.forbidden"]
    assert error_text(plain, "en") == "role viewer may not need publish"
    detail = {"record": "org", "field": "people[2].email", "message": "not an e-mail address"}
    assert detail_text(detail, "it") == IT["errors.invalid_value"]


@pytest.mark.parametrize("field", ["people.email", "people[0].email", "revenue_band", "x.y_z"])
def test_internal_field_names_become_words(field: str) -> None:
    for lang in ("en", "it"):
        label = field_label(field, lang)
        assert label and "_" not in label and "." not in label and "[" not in label


def test_every_data_vocabulary_has_words_in_both_languages() -> None:
    entities = {getattr(mapper.class_, "__audit__", None) for mapper in Base.registry.mappers} - {
        None
    }
    wanted = {
        "site_kind": set(typing.get_args(SiteKind)),
        "audit_action": {"read", "import", "create", "update", "delete", "sign_in", "sign_out"},
        "audit_entity": entities,
        "source_kind": {"edf", "h2020", "demo", "synthetic", "manual", "csv", "jsonl"},
        "filter": {"country", "region", "kind", "sme", "certification", "capability", "cluster"},
        "language": {"en", "it", "fr", "de"},
    }
    for group, codes in wanted.items():
        for code in codes:
            assert f"labels.{group}.{code}" in EN, (group, code)
            assert IT[f"labels.{group}.{code}"] != code or code == "cluster", (group, code)


def _request(lang: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/",
            "query_string": b"",
            "headers": [],
            "app": None,
            "state": {},
        }
    )


def reasons_html(explanations: list[dict], lang: str) -> str:
    template = environment().from_string(
        '{% import "reasons.html" as r with context %}'
        "{% for e in items %}<li>{{ r.reason(e) }}</li>{% endfor %}"
    )
    return template.render({**helpers(_request(lang), lang), "items": explanations})


EXPLANATIONS = [
    {
        "kind": "filter",
        "name": "kind",
        "value": "startup, sme",
        "text": "Passes the filter kind = startup, sme",
    },
    {
        "kind": "filter",
        "name": "country",
        "value": "IT, FR",
        "text": "Passes the filter country = IT, FR",
    },
    {"kind": "filter", "name": "sme", "value": "yes", "text": "Passes the filter sme = yes"},
    {
        "kind": "project",
        "project_id": 7,
        "acronym": "MARTE",
        "role": "coordinator",
        "year": 2024,
        "title": "Main ARmoured Tank of Europe",
        "terms": ["tank"],
        "text": "Coordinator in MARTE",
    },
    {"kind": "capability", "code": "land", "level": "evidenced", "text": "Capability Land (shown)"},
    {"kind": "record", "projects": 4, "coordinated": 1, "text": "Track record: 4 funded projects"},
]


def test_match_reasons_are_said_in_italian_from_their_facts() -> None:
    html = reasons_html(EXPLANATIONS, "it")
    assert "Passes" not in html and "kind =" not in html and "Track record" not in html
    kinds = f"{kind_label('startup', 'it')}, {kind_label('sme', 'it')}"
    assert IT["labels.reason.filter"].format(name=IT["labels.filter.kind"], value=kinds) in html
    assert "Italia, Francia" in html
    assert IT["labels.filter.sme"] in html
    assert '<span translate="no">Main ARmoured Tank of Europe</span>' in html
    assert "Coordinatore in" in html and "Esperienza: 4 progetti finanziati" in html
    english = reasons_html(EXPLANATIONS, "en")
    assert "Passes the filter kind: " in english and "Track record: 4 funded projects" in english


# --- a Conflict with a key, on a page ---------------------------------------------------------


@pytest.fixture
def site(db_url: str) -> Iterator[tuple[TestClient, dict[str, int], Database]]:
    db = Database(db_url)
    data = build(db)
    with TestClient(create_app(db, Settings())) as client:
        yield client, data.orgs, db
    db.dispose()


def test_a_conflict_with_a_key_is_shown_in_italian_on_the_invitations_page(site) -> None:
    """Answering an invitation twice: the page says so in Italian, not the service's text."""
    from test_access_web import FORM_TOKEN, sign_in

    client, orgs, db = site
    manager = bearer(token_for(db, "m@i18n.example", "cluster_manager", (orgs["cluster"],)))
    token_for(db, "leo@i18n.example", "member", (orgs["leonardo"],))
    invited = client.post(
        f"/api/clusters/{orgs['cluster']}/members",
        json={"organisation_id": orgs["leonardo"]},
        headers=manager,
    )
    invitation = invited.json()["invitation_id"]
    with TestClient(client.app) as browser:
        sign_in(browser, "leo@i18n.example")
        page = browser.get(f"/organisations/{orgs['leonardo']}/invitations?lang=it")
        token = FORM_TOKEN.search(page.text).group(1)
        url = f"/organisations/{orgs['leonardo']}/invitations/{invitation}"
        assert browser.post(url, data={"decision": "accept", "csrf_token": token}).is_success
        again = browser.post(url, data={"decision": "decline", "csrf_token": token})
    assert again.status_code == 409
    assert IT["errors.invitation_answered"] in again.text
    assert "is already accepted" not in again.text and f"invitation {invitation}" not in again.text


def test_a_validation_error_names_fields_in_words_on_an_italian_page(site) -> None:
    client, _, _ = site
    page = client.get("/match", params={"q": "radar", "country": "ITA", "lang": "it"})
    assert page.status_code == 422
    notice = re.search(r"data-form-error>(.*?)</div>", page.text, re.S).group(1)
    visible = re.sub(r"<[^>]+>", " ", notice)
    assert IT["errors.code.validation_failed"] in visible
    assert "country" not in visible and "String should" not in visible
    assert field_label("country", "it") in visible


# --- in a browser: the folding navigation ------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('i18n')}/site.db")
    db.upgrade()
    build(db)
    with live_server(create_app(db, Settings())) as base:
        yield base
    db.dispose()


@pytest.mark.browser
def test_the_navigation_folds_behind_a_menu_button_on_phones(browser, live: str) -> None:
    """Ten links took three rows of a phone screen; now one "Menu" button opens them."""
    from playwright.sync_api import expect

    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    errors = collect_console_errors(phone)
    phone.goto(f"{live}/?lang=it")
    toggle, nav = phone.locator("[data-nav-toggle]"), phone.locator("#main-nav")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_text(IT["ui.menu"])
    expect(nav).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    nav.get_by_role("link", name=IT["nav.projects"]).click()
    phone.wait_for_url("**/projects")
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    desktop = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    desktop.goto(f"{live}/")
    expect(desktop.locator("[data-nav-toggle]")).to_be_hidden()
    expect(desktop.locator("#main-nav")).to_be_visible()
    assert not errors, errors
