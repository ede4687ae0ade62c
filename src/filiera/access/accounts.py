"""User accounts: create, list, disable, sign in (with lock-out), API tokens, web sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access import audit
from filiera.access.models import ROLES, Affiliation, ApiToken, User, WebSession
from filiera.access.secrets_ import (
    MIN_PASSWORD,
    hash_password,
    keyed_hash,
    new_secret,
    verify_password,
)
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.errors import Conflict, NotFound, Unauthorized, ValidationFailed, field_error
from filiera.registry.models import Organisation, utcnow
from filiera.settings import Settings

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
GENERIC_FAILURE = "email or password is incorrect, or the account cannot sign in now"
TOKEN_PREFIX = "fil_"


def normalise_email(email: str) -> str:
    return email.strip().casefold()


def _check_new_user(
    session: Session, email: str, name: str, password: str, role: str, org_ids: list[int]
) -> list[dict[str, str]]:
    record = f"user {email or '(no email)'}"
    errors = []
    if not EMAIL.match(email):
        errors.append(field_error(record, "email", "is not an email address"))
    if not name.strip():
        errors.append(field_error(record, "name", "is required"))
    if len(password) < MIN_PASSWORD:
        errors.append(field_error(record, "password", f"needs {MIN_PASSWORD}+ characters"))
    if role not in ROLES:
        errors.append(field_error(record, "role", f"must be one of {', '.join(ROLES)}"))
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(org_ids))))
    for missing in sorted(set(org_ids) - known):
        errors.append(
            field_error(record, "organisations", f"organisation {missing} does not exist")
        )
    return errors


def add_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    *,
    role: str = "viewer",
    org_ids: list[int] | None = None,
) -> User:
    """Create an account; every invalid field is reported at once."""
    email = normalise_email(email)
    org_ids = list(org_ids or [])
    errors = _check_new_user(session, email, name, password, role, org_ids)
    if errors:
        raise ValidationFailed(f"user {email}: {len(errors)} invalid field(s)", errors=errors)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(
            f"a user with email {email} already exists",
            errors=[field_error(f"user {email}", "email", "already taken")],
        )
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    user.affiliations = [Affiliation(organisation_id=i) for i in org_ids]
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, email_or_id: str | int) -> User:
    if isinstance(email_or_id, int) or str(email_or_id).isdigit():
        user = session.get(User, int(email_or_id))
    else:
        email = normalise_email(str(email_or_id))
        user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"no user {email_or_id}")
    return user


def list_users(session: Session) -> list[User]:
    stmt = select(User).options(selectinload(User.affiliations)).order_by(User.email)
    return list(session.scalars(stmt))


def set_active(session: Session, user: User, active: bool) -> None:
    """Disable (or re-enable) an account; disabling ends its sessions and tokens."""
    user.active = active
    if not active:
        now = utcnow()
        for web in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
            web.ended_at = web.ended_at or now
        for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
            token.revoked_at = token.revoked_at or now
    else:
        user.failed_sign_ins, user.locked_until = 0, None


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            "password too short",
            errors=[
                field_error(f"user {user.email}", "password", f"needs {MIN_PASSWORD}+ characters")
            ],
        )
    user.password_hash = hash_password(password)
    user.failed_sign_ins, user.locked_until = 0, None


# --- sign-in ------------------------------------------------------------------------------


def _can_sign_in(user: User | None, now: datetime) -> bool:
    return user is not None and user.active and not (user.locked_until and user.locked_until > now)


def authenticate(
    database: Database, settings: Settings, email: str, password: str, address: str | None
) -> int:
    """The id of the user these credentials sign in, or Unauthorized (always the same message).

    Failures are committed (counter, lock-out, audit event) before the error is raised.
    """
    email = normalise_email(email)
    with database.session() as session:
        session.info[audit.BULK_KEY] = True  # counters and timestamps are not change events
        user = session.scalar(select(User).where(User.email == email))
        now = utcnow()
        allowed = _can_sign_in(user, now)
        matches = verify_password(user.password_hash if user else None, password)
        if allowed and matches:
            user.failed_sign_ins, user.locked_until, user.last_sign_in_at = 0, None, now
            who = Viewer(user.id, user.email, user.role, address=address)
            audit.record(session, "sign_in", entity="user", entity_id=user.id, viewer=who)
            return user.id
        reason = _failure_reason(user, allowed)
        if user is not None and allowed:
            user.failed_sign_ins += 1
            if user.failed_sign_ins >= settings.max_failed_sign_ins:
                user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                user.failed_sign_ins = 0
                reason = "wrong password; account locked"
        who = Viewer(None, email[:254] or "(empty)", None, address=address)
        audit.record(
            session,
            "sign_in_failed",
            entity="user",
            entity_id=user.id if user else None,
            detail=reason,
            viewer=who,
        )
    raise Unauthorized(GENERIC_FAILURE)


def _failure_reason(user: User | None, allowed: bool) -> str:
    if user is None:
        return "unknown account"
    if not user.active:
        return "account disabled"
    return "account locked" if not allowed else "wrong password"


# --- API tokens ---------------------------------------------------------------------------


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def create_token(
    session: Session, settings: Settings, user: User, name: str, days: int | None = None
) -> NewToken:
    """A new personal API token for `user`, valid `days` (default from settings)."""
    days = days or settings.token_days
    if not 1 <= days <= 3660:
        raise ValidationFailed(
            "bad token lifetime",
            errors=[field_error(f"token {name}", "days", "must be between 1 and 3660")],
        )
    prefix = new_secret(6)[:8]
    secret = f"{TOKEN_PREFIX}{prefix}_{new_secret(32)}"
    token = ApiToken(
        user_id=user.id,
        name=name[:100] or "token",
        prefix=prefix,
        token_hash=keyed_hash(settings.secret_key, secret),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def user_for_token(session: Session, settings: Settings, secret: str) -> tuple[User, ApiToken]:
    """The active user a bearer token belongs to, or Unauthorized."""
    token = None
    if secret.startswith(TOKEN_PREFIX):
        digest = keyed_hash(settings.secret_key, secret)
        token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized("invalid, expired or revoked API token")
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        raise Unauthorized("invalid, expired or revoked API token")
    token.last_used_at = now
    return user, token


def revoke_token(session: Session, user: User | None, token_id: int) -> ApiToken:
    """Revoke a token (of `user`, unless None for an admin acting on any token)."""
    token = session.get(ApiToken, token_id)
    if token is None or (user is not None and token.user_id != user.id):
        raise NotFound(f"no API token {token_id}")
    token.revoked_at = token.revoked_at or utcnow()
    return token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)
    return list(session.scalars(stmt))


# --- web sessions -------------------------------------------------------------------------


def start_session(session: Session, settings: Settings, user_id: int) -> tuple[str, WebSession]:
    """A new web session; returns the cookie value (shown once) and the row."""
    cookie = new_secret(32)
    web = WebSession(
        id_hash=keyed_hash(settings.secret_key, cookie), user_id=user_id, csrf_token=new_secret(24)
    )
    session.add(web)
    session.flush()
    return cookie, web


def session_expired(settings: Settings, web: WebSession, now: datetime) -> bool:
    idle = now - web.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    too_old = now - web.created_at > timedelta(hours=settings.session_max_hours)
    return web.ended_at is not None or idle or too_old


def load_session(session: Session, settings: Settings, cookie: str) -> WebSession | None:
    """The live session behind a cookie (touching it), or None if unknown or expired."""
    digest = keyed_hash(settings.secret_key, cookie)
    web = session.scalar(select(WebSession).where(WebSession.id_hash == digest))
    now = utcnow()
    if web is None:
        return None
    if session_expired(settings, web, now):
        web.ended_at = web.ended_at or now
        return None
    user = session.get(User, web.user_id)
    if user is None or not user.active:
        return None
    if (now - web.last_seen_at).total_seconds() > 60:
        web.last_seen_at = now
    return web


def end_session(session: Session, settings: Settings, cookie: str) -> None:
    digest = keyed_hash(settings.secret_key, cookie)
    web = session.scalar(select(WebSession).where(WebSession.id_hash == digest))
    if web is not None and web.ended_at is None:
        web.ended_at = utcnow()
