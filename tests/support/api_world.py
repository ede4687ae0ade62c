"""The event registry (`support.event_registry`) behind the REST API, with an API token per
user: the world of the capacity, events and news API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from filiera.access import accounts
from filiera.app import create_app
from filiera.settings import Settings
from support.event_registry import USERS, Registry, make_registry

SETTINGS = Settings(api_requests_per_minute=1_000_000)


@dataclass
class World:
    reg: Registry
    client: TestClient
    headers: dict[str, dict[str, str]]

    def ask(self, who: str, method: str, url: str, body: Any = None, **params: Any):
        """`who` (a user key, or "anonymous") calls the API."""
        return self.client.request(
            method, url, json=body, params=params or None, headers=self.headers[who]
        )

    def org(self, key: str) -> int:
        return self.reg.org(key)


@contextmanager
def api_world(db_url: str) -> Iterator[World]:
    """A new registry on `db_url`, its users' tokens and a client of the app."""
    reg = make_registry(db_url)
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    with reg.db.session() as session:
        for key in [*USERS, "admin"]:
            user = accounts.get_user(session, f"{key}@events.example")
            secret = accounts.create_token(session, SETTINGS, user, "api").secret
            headers[key] = {"Authorization": f"Bearer {secret}"}
    with TestClient(create_app(reg.db, SETTINGS)) as client:
        yield World(reg, client, headers)
    reg.db.dispose()
