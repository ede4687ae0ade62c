"""User accounts: create, list, disable, passwords, sign in (with back-off), tokens, sessions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera import metrics
from filiera.access import audit, backoff
from filiera.access.models import ROLES, Affiliation, ApiToken, User, WebSession
from filiera.access.secrets_ import (
    MIN_PASSWORD,
    hash_password,
    keyed_hash,
    needs_rehash,
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
LAST_USE_S = 60  # a token's last use and a web session's last sight: written once a minute
WRONG_CURRENT = "is not your current password"
TOO_SHORT = f"needs {MIN_PASSWORD}+ characters"
SAME_AS_CURRENT = "must differ from the current password"
NOT_REPEATED = "does not match the new password"


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
        errors.append(field_error(record, "password", TOO_SHORT))
    if role not in ROLES:
        errors.append(field_error(record, "role", f"must be one of {', '.join(ROLES)}"))
    return errors + _unknown_organisations(session, record, org_ids)


def _unknown_organisations(session: Session, record: str, org_ids: list[int]) -> list[dict]:
    known = set(session.scalars(select(Organisation.id).where(Organisation.id.in_(org_ids))))
    return [
        field_error(record, "organisations", f"organisation {missing} does not exist")
        for missing in sorted(set(org_ids) - known)
    ]


def check_organisations(session: Session, email: str, org_ids: list[int]) -> None:
    """Refuse affiliations with organisations that do not exist."""
    errors = _unknown_organisations(session, f"user {email}", org_ids)
    if errors:
        raise ValidationFailed(f"user {email}: {len(errors)} invalid field(s)", errors=errors)


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
            key="email_taken",
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
        end_credentials(session, user)
    else:
        backoff.clear_account(session, user.id)


# --- passwords ----------------------------------------------------------------------------


@dataclass
class CredentialsEnded:
    """What a password change ended: the user's web sessions (but the caller's) and tokens."""

    sessions: int
    tokens: int

    @property
    def message(self) -> str:
        return (
            f"password changed; {self.sessions} web session(s) signed out, "
            f"{self.tokens} API token(s) revoked"
        )


def end_credentials(
    session: Session, user: User, *, keep_session_id: int | None = None
) -> CredentialsEnded:
    """End every live web session of `user` (but `keep_session_id`) and revoke every token."""
    now = utcnow()
    webs = session.scalars(
        select(WebSession).where(
            WebSession.user_id == user.id,
            WebSession.ended_at.is_(None),
            WebSession.id != (keep_session_id or 0),
        )
    ).all()
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for web in webs:
        web.ended_at = now
    for token in tokens:
        token.revoked_at = now
    return CredentialsEnded(len(webs), len(tokens))


def _password_errors(record: str, field: str, password: str) -> list[dict[str, str]]:
    return [] if len(password) >= MIN_PASSWORD else [field_error(record, field, TOO_SHORT)]


def set_password(
    session: Session, user: User, password: str, *, keep_session_id: int | None = None
) -> CredentialsEnded:
    """Give `user` a new password: ends their other sessions, revokes their tokens.

    Also forgets the account's sign-in back-offs (CLI, admin reset and self-service alike).
    """
    errors = _password_errors(f"user {user.email}", "password", password)
    if errors:
        raise ValidationFailed("password too short", errors=errors)
    user.password_hash = hash_password(password)
    backoff.clear_account(session, user.id)
    return end_credentials(session, user, keep_session_id=keep_session_id)


def change_own_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    *,
    repeated: str | None = None,
    keep_session_id: int | None = None,
) -> CredentialsEnded:
    """Self-service change: the current password first; every bad field is reported at once.

    `repeated` (the form's second copy) is checked when given; `keep_session_id` is the
    web session making the change, which stays signed in.
    """
    record = f"user {user.email}"
    errors = []
    if not verify_password(user.password_hash, current):
        errors.append(field_error(record, "current_password", WRONG_CURRENT))
    errors += _password_errors(record, "new_password", new)
    if not errors and new == current:
        errors.append(field_error(record, "new_password", SAME_AS_CURRENT))
    if repeated is not None and repeated != new:
        errors.append(field_error(record, "new_password_again", NOT_REPEATED))
    if errors:
        raise ValidationFailed(f"{record}: {len(errors)} invalid field(s)", errors=errors)
    return set_password(session, user, new, keep_session_id=keep_session_id)


# --- sign-in ------------------------------------------------------------------------------


def authenticate(
    database: Database, settings: Settings, email: str, password: str, address: str | None
) -> int:
    """The id of the user these credentials sign in, or Unauthorized (always the same message).

    Unknown account, wrong password, backed-off address and disabled account answer alike
    and cost one argon2 verification each. Failures (back-off counter, audit event) are
    committed before the error is raised.
    """
    email = normalise_email(email)
    with database.session() as session:
        session.info[audit.BULK_KEY] = True  # counters and timestamps are not change events
        user = session.scalar(select(User).where(User.email == email))
        now = utcnow()
        waiting = backoff.blocked_until(session, user.id, address, now) if user else None
        matches = verify_password(user.password_hash if user else None, password)
        if user is not None and user.active and waiting is None and matches:
            backoff.reset(session, user.id, address)
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.last_sign_in_at = now
            who = Viewer(user.id, user.email, user.role, address=address)
            audit.record(session, "sign_in", entity="user", entity_id=user.id, viewer=who)
            return user.id
        reason = _failure_reason(user, waiting)
        metrics.count_sign_in_failure(reason)
        if reason == "wrong password":
            wait = backoff.record_failure(session, settings, user.id, address, now)
            reason += f"; address waits {wait} min" if wait else ""
        who = Viewer(None, email[:254] or "(empty)", None, address=address)
        audit.record(
            session,
            "sign_in_failed",
            entity="user",
            entity_id=user.id if user else None,
            detail=reason,
            viewer=who,
        )
    raise Unauthorized(GENERIC_FAILURE, key="sign_in_failed")


def _failure_reason(user: User | None, waiting: datetime | None) -> str:
    if user is None:
        return "unknown account"
    if not user.active:
        return "account disabled"
    return "address backed off" if waiting is not None else "wrong password"


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
    token, user = None, None
    if secret.startswith(TOKEN_PREFIX):
        token, user = _token_and_user(session, keyed_hash(settings.secret_key, secret))
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise Unauthorized("invalid, expired or revoked API token")
    if user is None or not user.active:
        raise Unauthorized("invalid, expired or revoked API token")
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > LAST_USE_S:
        token.last_used_at = now
    return user, token


def _token_and_user(session: Session, digest: str) -> tuple[ApiToken | None, User | None]:
    """The token with this hash and its user, in one query."""
    stmt = select(ApiToken, User).outerjoin(User, User.id == ApiToken.user_id)
    row = session.execute(stmt.where(ApiToken.token_hash == digest)).first()
    return (row[0], row[1]) if row else (None, None)


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
    found = session_and_user(session, settings, cookie)
    return found[0] if found else None


def session_and_user(
    session: Session, settings: Settings, cookie: str
) -> tuple[WebSession, User] | None:
    """`load_session` with the session's (active) user, read once."""
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
    if (now - web.last_seen_at).total_seconds() > LAST_USE_S:
        web.last_seen_at = now
    return web, user


def end_session(session: Session, settings: Settings, cookie: str) -> None:
    digest = keyed_hash(settings.secret_key, cookie)
    web = session.scalar(select(WebSession).where(WebSession.id_hash == digest))
    if web is not None and web.ended_at is None:
        web.ended_at = utcnow()
