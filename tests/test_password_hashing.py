"""Password hashes: today's argon2id parameters, and older hashes upgraded at sign-in.

Runs on SQLite and PostgreSQL (the `db_url` fixture).
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from filiera.access import accounts, secrets_
from filiera.access.models import User
from filiera.db import Database
from filiera.errors import Unauthorized
from filiera.settings import Settings

EMAIL = "hash@filiera.example"
PASSWORD = "a long enough passphrase 2026"
LIBRARY_DEFAULT = PasswordHasher()  # argon2-cffi's own parameters: 64 MiB, 3 passes, 4 lanes


def stored_hash(db: Database) -> str:
    with db.session() as session:
        return session.scalar(select(User.password_hash).where(User.email == EMAIL))


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    database.ensure_ready()
    with database.session() as session:
        accounts.add_user(session, EMAIL, "Hash owner", PASSWORD, role="member")
    return database


def test_new_hashes_use_owasp_minimum_parameters(db: Database) -> None:
    stored = stored_hash(db)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert not secrets_.needs_rehash(stored)


def test_an_older_hash_still_signs_in_and_is_upgraded(db: Database) -> None:
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == EMAIL))
        user.password_hash = LIBRARY_DEFAULT.hash(PASSWORD)
    assert secrets_.needs_rehash(stored_hash(db))
    assert accounts.authenticate(db, Settings(), EMAIL, PASSWORD, "10.1.1.1") > 0
    upgraded = stored_hash(db)
    assert upgraded.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert secrets_.verify_password(upgraded, PASSWORD)


def test_a_wrong_password_leaves_an_older_hash_alone(db: Database) -> None:
    old = LIBRARY_DEFAULT.hash(PASSWORD)
    with db.session() as session:
        session.scalar(select(User).where(User.email == EMAIL)).password_hash = old
    with pytest.raises(Unauthorized):
        accounts.authenticate(db, Settings(), EMAIL, "not the passphrase at all", "10.1.1.2")
    assert stored_hash(db) == old


def test_an_unreadable_hash_never_asks_for_a_rehash() -> None:
    assert not secrets_.needs_rehash("not-a-hash")
