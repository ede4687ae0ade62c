"""Accounts as an administrator manages them: list, create, change, disable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from filiera.access import accounts, backoff, policy
from filiera.access.models import ROLES, Affiliation, User
from filiera.access.viewer import Viewer
from filiera.errors import Unauthorized, ValidationFailed, field_error
from filiera.registry.models import utcnow

Role = Annotated[str, Field(pattern=f"^({'|'.join(ROLES)})$", examples=["member"])]


class UserIn(BaseModel):
    email: str = Field(max_length=254, examples=["buyer@defence.example"])
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(max_length=1024)
    role: Role = "viewer"
    organisations: list[int] = Field(default_factory=list, max_length=50)


class UserPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    active: bool | None = None
    organisations: list[int] | None = Field(default=None, max_length=50)
    password: str | None = Field(
        default=None,
        max_length=1024,
        description="A new password: ends every web session of the user, revokes every token",
    )


class PasswordChangeOut(BaseModel):
    """What a password change ended, so the caller knows who has to sign in again."""

    message: str = Field(
        examples=["password changed; 1 web session(s) signed out, 2 API token(s) revoked"]
    )
    sessions_ended: int = Field(description="Web sessions signed out (never the caller's own)")
    tokens_revoked: int = Field(description="API tokens revoked (all of them, the caller's too)")


def password_change_out(ended: accounts.CredentialsEnded) -> PasswordChangeOut:
    return PasswordChangeOut(
        message=ended.message, sessions_ended=ended.sessions, tokens_revoked=ended.tokens
    )


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    active: bool
    organisations: list[int]
    locked_until: datetime | None = Field(
        default=None,
        description="Until when the last backed-off client address waits (sign-in back-off)",
    )
    waiting_addresses: int = Field(
        default=0, description="Client addresses now waiting after wrong passwords"
    )
    last_sign_in_at: datetime | None = None
    password_change: PasswordChangeOut | None = Field(
        default=None, description="Set when this request changed the password"
    )


def user_out(
    user: User,
    ended: accounts.CredentialsEnded | None = None,
    waits: tuple[int, datetime] | None = None,
) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        organisations=sorted(a.organisation_id for a in user.affiliations),
        locked_until=waits[1] if waits else None,
        waiting_addresses=waits[0] if waits else 0,
        last_sign_in_at=user.last_sign_in_at,
        password_change=password_change_out(ended) if ended else None,
    )


def signed_in_user(session: Session, viewer: Viewer) -> User:
    """The account of a signed-in viewer (401 for anonymous callers)."""
    if viewer.user_id is None:
        raise Unauthorized("sign in or send an API token first")
    return accounts.get_user(session, viewer.user_id)


def list_users(session: Session, viewer: Viewer) -> list[UserOut]:
    """Every account (admins only)."""
    policy.require_role(viewer, "user.manage")
    waits = backoff.waiting(session, utcnow())
    return [user_out(u, waits=waits.get(u.id)) for u in accounts.list_users(session)]


def add_user(session: Session, viewer: Viewer, data: UserIn) -> UserOut:
    """Create an account; every invalid field is reported at once (admins only)."""
    policy.require_role(viewer, "user.manage")
    user = accounts.add_user(
        session, data.email, data.name, data.password, role=data.role, org_ids=data.organisations
    )
    return user_out(user)


def change_user(session: Session, viewer: Viewer, user_id: int, patch: UserPatch) -> UserOut:
    """Change a user's name, role, organisations or password, or disable them (admins).

    Nobody disables themselves. A new password is an admin reset: every web session of the
    user ends and every API token is revoked (the admin's own, if they reset themselves).
    """
    policy.require_role(viewer, "user.manage")
    user = accounts.get_user(session, user_id)
    if patch.active is False and user.id == viewer.user_id:
        raise ValidationFailed(
            "you cannot disable yourself",
            errors=[field_error(f"user {user_id}", "active", "cannot disable your own account")],
        )
    if patch.name is not None:
        user.name = patch.name
    if patch.role is not None:
        user.role = patch.role
    if patch.active is not None:
        accounts.set_active(session, user, patch.active)
    if patch.organisations is not None:
        accounts.check_organisations(session, user.email, patch.organisations)
        user.affiliations = [Affiliation(organisation_id=i) for i in patch.organisations]
    ended = None if patch.password is None else accounts.set_password(session, user, patch.password)
    session.flush()
    return user_out(user, ended)
