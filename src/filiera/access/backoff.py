"""Sign-in back-off per (account, client address), shared by processes through the database.

After `max_failed_sign_ins` wrong passwords in a row from one address on one account, that
address waits `lockout_minutes` before its next try on that account; each further wrong
password doubles the wait, up to `lockout_max_minutes`. Tries during a wait are refused
without being checked or counted. Other addresses are not affected, so nobody can lock a
named user out; a right password from the address clears its pair.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from filiera.access.models import SignInBackoff
from filiera.settings import Settings

UNKNOWN_ADDRESS = "unknown"
MAX_DOUBLINGS = 30  # 2**30 minutes is far past any sensible cap


def address_key(address: str | None) -> str:
    """The stored form of a client address (its column holds 64 characters)."""
    return (address or UNKNOWN_ADDRESS)[:64]


def delay_minutes(settings: Settings, failures: int) -> int:
    """The wait after `failures` wrong passwords in a row (0 below the threshold)."""
    beyond = failures - settings.max_failed_sign_ins
    if beyond < 0:
        return 0
    wait = settings.lockout_minutes * 2 ** min(beyond, MAX_DOUBLINGS)
    return min(wait, settings.lockout_max_minutes)


def blocked_until(
    session: Session, user_id: int, address: str | None, now: datetime
) -> datetime | None:
    """When `address` may try `user_id` again, or None if it may now."""
    stmt = select(SignInBackoff.blocked_until).where(
        SignInBackoff.user_id == user_id, SignInBackoff.address == address_key(address)
    )
    until = session.scalar(stmt)
    return until if until is not None and until > now else None


def waiting(session: Session, now: datetime) -> dict[int, tuple[int, datetime]]:
    """user id -> (how many addresses wait, until when the last one waits), for admins."""
    stmt = (
        select(SignInBackoff.user_id, func.count(), func.max(SignInBackoff.blocked_until))
        .where(SignInBackoff.blocked_until > now)
        .group_by(SignInBackoff.user_id)
    )
    return {user_id: (count, until) for user_id, count, until in session.execute(stmt)}


def _upsert(session: Session):
    """The dialect's INSERT that supports ON CONFLICT (SQLite and PostgreSQL)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(SignInBackoff)


def record_failure(
    session: Session, settings: Settings, user_id: int, address: str | None, now: datetime
) -> int:
    """Count one wrong password atomically; returns the wait it starts, in minutes (or 0)."""
    key = address_key(address)
    stmt = _upsert(session).values(user_id=user_id, address=key, failures=1, last_failed_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "address"],
        set_={"failures": SignInBackoff.failures + 1, "last_failed_at": now},
    ).returning(SignInBackoff.failures)
    failures = session.execute(stmt).scalar_one()
    wait = delay_minutes(settings, failures)
    if wait:
        session.execute(
            update(SignInBackoff)
            .where(SignInBackoff.user_id == user_id, SignInBackoff.address == key)
            .values(blocked_until=now + timedelta(minutes=wait))
        )
    return wait


def reset(session: Session, user_id: int, address: str | None) -> None:
    """Forget the failures of one address on an account (after a right password)."""
    session.execute(
        delete(SignInBackoff).where(
            SignInBackoff.user_id == user_id, SignInBackoff.address == address_key(address)
        )
    )


def clear_account(session: Session, user_id: int) -> None:
    """Forget the failures of every address on an account (new password, re-enabled)."""
    session.execute(delete(SignInBackoff).where(SignInBackoff.user_id == user_id))
