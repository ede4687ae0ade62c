"""Accounts as an administrator manages them: list, create, change, disable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from filiera.access import accounts, policy
from filiera.access.models import ROLES, Affiliation, User
from filiera.access.viewer import Viewer
from filiera.errors import Unauthorized, ValidationFailed, field_error

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


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: str
    active: bool
    organisations: list[int]
    locked_until: datetime | None = None
    last_sign_in_at: datetime | None = None


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        active=user.active,
        organisations=sorted(a.organisation_id for a in user.affiliations),
        locked_until=user.locked_until,
        last_sign_in_at=user.last_sign_in_at,
    )


def signed_in_user(session: Session, viewer: Viewer) -> User:
    """The account of a signed-in viewer (401 for anonymous callers)."""
    if viewer.user_id is None:
        raise Unauthorized("sign in or send an API token first")
    return accounts.get_user(session, viewer.user_id)


def list_users(session: Session, viewer: Viewer) -> list[UserOut]:
    """Every account (admins only)."""
    policy.require_role(viewer, "user.manage")
    return [user_out(u) for u in accounts.list_users(session)]


def add_user(session: Session, viewer: Viewer, data: UserIn) -> UserOut:
    """Create an account; every invalid field is reported at once (admins only)."""
    policy.require_role(viewer, "user.manage")
    user = accounts.add_user(
        session, data.email, data.name, data.password, role=data.role, org_ids=data.organisations
    )
    return user_out(user)


def change_user(session: Session, viewer: Viewer, user_id: int, patch: UserPatch) -> UserOut:
    """Change a user's name, role, organisations, or disable them (admins, not themselves)."""
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
    session.flush()
    return user_out(user)
