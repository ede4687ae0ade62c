"""A token's last use is written at most once a minute (not on every API request), and a
signed-in viewer's organisations and clusters are read in one query."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from filiera.access import accounts
from filiera.access.models import ApiToken
from filiera.access.viewer import viewer_for
from filiera.db import Database
from filiera.registry.models import Membership, Organisation
from filiera.settings import Settings
from support.auth import token_for

SETTINGS = Settings()
T0 = datetime(2026, 3, 2, 9, 0, 0)


def _use(db: Database, secret: str, at: datetime, monkeypatch: pytest.MonkeyPatch) -> datetime:
    """Authenticate with `secret` at time `at`; the token's stored last use afterwards."""
    monkeypatch.setattr(accounts, "utcnow", lambda: at)
    with db.session() as session:
        accounts.user_for_token(session, SETTINGS, secret)
    with db.session() as session:
        return session.scalar(select(ApiToken.last_used_at))


def test_a_token_records_its_last_use_to_the_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(f"sqlite:///{tmp_path}/tokens.db")
    db.ensure_ready()
    secret = token_for(db, "user@tokens.example", role="viewer")
    assert _use(db, secret, T0, monkeypatch) == T0  # the first use is always written
    assert _use(db, secret, T0 + timedelta(seconds=59), monkeypatch) == T0
    later = T0 + timedelta(seconds=61)
    assert _use(db, secret, later, monkeypatch) == later


def test_a_viewer_is_read_in_one_query_with_every_cluster(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/viewer.db")
    db.ensure_ready()
    with db.session() as session:
        orgs = {
            name: Organisation(name=name.title(), name_key=name, kind=kind, country="IT")
            for name, kind in (("maker", "sme"), ("lab", "research"), ("alpha", "cluster"))
        }
        orgs["beta"] = Organisation(name="Beta", name_key="beta", kind="cluster", country="IT")
        session.add_all(orgs.values())
        session.flush()
        for org, cluster in (("maker", "alpha"), ("maker", "beta"), ("lab", "beta")):
            session.add(Membership(organisation_id=orgs[org].id, cluster_id=orgs[cluster].id))
        ids = {name: org.id for name, org in orgs.items()}
    token_for(db, "m@viewer.example", role="cluster_manager", org_ids=(ids["maker"], ids["alpha"]))
    token_for(db, "none@viewer.example", role="viewer")
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with db.session() as session:
        manager = viewer_for(session, accounts.get_user(session, "m@viewer.example"))
        before = len(statements)
        nobody = viewer_for(session, accounts.get_user(session, "none@viewer.example"))
        assert len(statements) - before == 2  # the user, then the viewer's one query
    assert manager.org_ids == {ids["maker"], ids["alpha"]}
    assert manager.cluster_ids == {ids["alpha"], ids["beta"]}  # its own, and maker's two
    assert manager.managed_cluster_ids == {ids["alpha"]}
    assert (nobody.org_ids, nobody.cluster_ids) == (frozenset(), frozenset())
