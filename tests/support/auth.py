"""Accounts for tests: a user of any role with a ready API token."""

from __future__ import annotations

from filiera.access import accounts
from filiera.db import Database
from filiera.settings import Settings

PASSWORD = "correct horse battery staple"


def token_for(db: Database, email: str, role: str = "admin", org_ids: tuple[int, ...] = ()) -> str:
    """Create `email` with `role` and organisations; return a fresh API token secret."""
    with db.session() as session:
        user = accounts.add_user(session, email, email, PASSWORD, role=role, org_ids=list(org_ids))
        return accounts.create_token(session, Settings(), user, "test").secret


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
