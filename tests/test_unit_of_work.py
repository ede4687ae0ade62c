"""The unit of work: a savepoint opened before any write stays inside it (on SQLite too,
where pysqlite would otherwise make the savepoint the outermost transaction and commit it
on release), so rolling the unit back undoes what the savepoint kept; and a request's
unit of work commits before its response is sent."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from filiera.access import accounts
from filiera.app import create_app
from filiera.db import Database, savepoint
from filiera.match.models import Shortlist
from filiera.registry.models import Source
from support.auth import PASSWORD, bearer, token_for
from support.browser import live_server
from support.dataset import build

FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def count(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Source))


def test_a_rolled_back_unit_undoes_its_savepoints(db_url: str) -> None:
    db = Database(db_url)
    db.ensure_ready()
    before = count(db)
    with pytest.raises(RuntimeError), db.session() as session:
        with savepoint(session):  # the first statement of the unit of work
            session.add(Source(name="kept by the savepoint", kind="manual"))
        raise RuntimeError("the unit of work fails after the savepoint")
    assert count(db) == before
    with db.session() as session:
        with pytest.raises(ValueError), savepoint(session):
            session.add(Source(name="undone by its savepoint", kind="manual"))
            session.flush()
            raise ValueError("the savepoint fails")
        session.add(Source(name="kept", kind="manual"))
    assert count(db) == before + 1
    db.dispose()


class Timeline:
    """What happened, in order, per request: its response left ("response"), a session
    that wrote committed ("commit"), the app finished ("done")."""

    def __init__(self, app, db: Database) -> None:
        self.app, self.events = app, []
        event.listen(db._factory, "after_flush", self._wrote)
        event.listen(db._factory, "after_commit", self._committed)

    def _wrote(self, session: Session, _context) -> None:
        session.info["wrote"] = True

    def _committed(self, session: Session) -> None:
        if session.info.pop("wrote", False):
            self.events.append("commit")

    async def __call__(self, scope, receive, send) -> None:
        async def noting(message) -> None:
            if message["type"] == "http.response.start":
                self.events.append("response")
            await send(message)

        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.events.clear()
        await self.app(scope, receive, noting)
        self.events.append("done")

    def assert_committed_before_the_answer(self) -> None:
        """The last request wrote, and nothing committed after its response left (checked
        once the app has finished it)."""
        deadline = time.monotonic() + 10
        while "done" not in self.events and time.monotonic() < deadline:
            time.sleep(0.01)
        events = list(self.events)
        assert "commit" in events, events
        assert events[-2:] == ["response", "done"], events


def test_a_request_answers_only_after_its_writes_are_committed(db_url: str) -> None:
    """The API's answer to a write leaves after the commit, so a read right after it sees
    the write."""
    db = Database(db_url)
    org_id = build(db).orgs["leonardo"]
    admin = bearer(token_for(db, "admin@commit.example"))
    timeline = Timeline(create_app(db), db)
    with live_server(timeline) as base, httpx.Client(base_url=base, headers=admin) as client:
        answer = client.patch(f"/api/organisations/{org_id}", json={"name": "Saved Name"})
        assert answer.status_code == 200, answer.text
        timeline.assert_committed_before_the_answer()
        assert client.get(f"/api/organisations/{org_id}").json()["name"] == "Saved Name"
    db.dispose()


def test_a_page_redirects_only_after_its_writes_are_committed(db_url: str) -> None:
    """A form post's 303 leaves after the commit, so the page the browser reads next shows
    the write. (The commit used to run after the response was sent: a fast browser could
    read the page without the write.)"""
    db = Database(db_url)
    data = build(db)
    with db.session() as session:
        accounts.add_user(session, "keeper@commit.example", "Kim", PASSWORD, role="buyer")
    timeline = Timeline(create_app(db), db)
    with live_server(timeline) as base, httpx.Client(base_url=base) as client:
        token = FORM_TOKEN.search(client.get("/sign-in?lang=en").text).group(1)
        form = {"email": "keeper@commit.example", "password": PASSWORD, "csrf_token": token}
        assert client.post("/sign-in", data=form).status_code == 303
        token = FORM_TOKEN.search(client.get("/match?q=radar").text).group(1)
        save = {"organisation_id": data.orgs["leonardo"], "new_name": "Picks", "csrf_token": token}
        assert client.post("/shortlists/save", data=save).status_code == 303
        timeline.assert_committed_before_the_answer()
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(Shortlist)) == 1
    db.dispose()
