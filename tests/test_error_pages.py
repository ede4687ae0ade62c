"""Pages that used to answer a bare 500 (issue 10, findings 1 and 2), on both backends.

`/map` sorted `None` against a country code when an organisation had no country, and every
error page for a signed-in user failed on the closed session's row (`DetachedInstanceError`)
instead of showing the styled 404/403 page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from filiera.access import accounts
from filiera.app import create_app
from filiera.db import Database
from filiera.registry.models import Organisation
from filiera.settings import Settings
from support.auth import PASSWORD
from support.dataset import Dataset, build
from test_access_web import sign_in

MEMBER = "member@errors.example"


@pytest.fixture
def site(db_url: str) -> Iterator[tuple[TestClient, Dataset]]:
    db = Database(db_url)
    data = build(db)
    with db.session() as session:
        session.execute(
            update(Organisation).where(Organisation.id == data.orgs["aerosud"]).values(country=None)
        )
        accounts.add_user(
            session, MEMBER, "M", PASSWORD, role="member", org_ids=[data.orgs["polimi"]]
        )
    with TestClient(create_app(db, Settings())) as client:
        yield client, data
    db.dispose()


def test_the_map_shows_organisations_without_a_country(site) -> None:
    client, _ = site
    for lang, label in (("en", "Country not given"), ("it", "Paese non indicato")):
        page = client.get("/map", params={"lang": lang})
        assert page.status_code == 200, page.text[:300]
        assert label in page.text and "data-unknown-country" in page.text


@pytest.mark.parametrize("lang", ["en", "it"])
def test_signed_in_users_get_the_styled_error_pages(site, lang: str) -> None:
    client, _ = site
    sign_in(client, MEMBER)
    html = {"Accept": "text/html"}
    missing = client.get("/organisations/99999", params={"lang": lang}, headers=html)
    assert missing.status_code == 404
    assert 'data-error-code="not_found"' in missing.text and "<nav" in missing.text
    assert ("Pagina non trovata" if lang == "it" else "Page not found") in missing.text
    refused = client.get("/users", params={"lang": lang}, headers=html)
    assert refused.status_code == 403 and "error-page" in refused.text
    assert ("Si è verificato un errore" if lang == "it" else "error") in refused.text
    assert "Internal Server Error" not in missing.text + refused.text
