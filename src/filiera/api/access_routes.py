"""`/api/me`, `/api/auth/token` and `/api/users`: accounts and personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from filiera.access import accounts, policy
from filiera.access.models import ROLES, Affiliation, User
from filiera.access.viewer import Viewer
from filiera.api.auth import ViewerDep, client_address
from filiera.api.deps import SessionDep
from filiera.api.models import ErrorBody
from filiera.errors import Unauthorized, ValidationFailed, field_error

router = APIRouter(
    prefix="/api",
    tags=["access"],
    responses={
        401: {"model": ErrorBody, "description": "Not signed in or bad credentials"},
        403: {"model": ErrorBody, "description": "Not allowed for this role"},
        429: {"model": ErrorBody, "description": "Too many attempts; see Retry-After"},
    },
)
Role = Annotated[str, Field(pattern=f"^({'|'.join(ROLES)})$", examples=["member"])]


class MeOut(BaseModel):
    user_id: int | None = None
    email: str | None = Field(default=None, examples=["analyst@example.eu"])
    role: str | None = Field(default=None, examples=["member"])
    organisations: list[int] = Field(default_factory=list)
    clusters: list[int] = Field(default_factory=list)
    via: str = Field(examples=["token"])


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, examples=["nightly export"])
    days: int | None = Field(default=None, ge=1, le=3660, description="Lifetime (default 90)")


class CredentialsTokenIn(TokenIn):
    email: str = Field(max_length=254, examples=["analyst@example.eu"])
    password: str = Field(max_length=1024)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class NewTokenOut(TokenOut):
    token: str = Field(description="The secret: shown once, store it now")


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


def token_out(token, secret: str | None = None) -> TokenOut:
    data = {k: getattr(token, k) for k in TokenOut.model_fields}
    return NewTokenOut(**data, token=secret) if secret else TokenOut(**data)


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id, email=user.email, name=user.name, role=user.role, active=user.active,
        organisations=sorted(a.organisation_id for a in user.affiliations),
        locked_until=user.locked_until, last_sign_in_at=user.last_sign_in_at,
    )  # fmt: skip


def signed_in_user(session: Session, viewer: Viewer) -> User:
    if viewer.user_id is None:
        raise Unauthorized("sign in or send an API token first")
    return accounts.get_user(session, viewer.user_id)


@router.get("/me", response_model=MeOut)
def me(viewer: ViewerDep) -> MeOut:
    """Who the API thinks you are (anonymous when no valid token or session is sent)."""
    return MeOut(
        user_id=viewer.user_id, email=viewer.label if viewer.user_id else None,
        role=viewer.role, organisations=sorted(viewer.org_ids),
        clusters=sorted(viewer.cluster_ids), via=viewer.via,
    )  # fmt: skip


@router.post("/auth/token", response_model=NewTokenOut, status_code=201)
def token_with_credentials(request: Request, body: Annotated[CredentialsTokenIn, Body()]):
    """Trade email and password for a personal API token (rate-limited, with lock-out)."""
    settings = request.app.state.settings
    address = client_address(request) or "unknown"
    limiter = request.app.state.limiters.sign_in
    limiter.hit(f"address:{address}")
    limiter.hit(f"account:{accounts.normalise_email(body.email)}")
    database = request.app.state.db
    user_id = accounts.authenticate(database, settings, body.email, body.password, address)
    with database.session() as session:
        user = accounts.get_user(session, user_id)
        new = accounts.create_token(session, settings, user, body.name, body.days)
        return token_out(new.token, new.secret)


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens(session: SessionDep, viewer: ViewerDep) -> list[TokenOut]:
    """Your API tokens (never their secrets)."""
    return [token_out(t) for t in accounts.list_tokens(session, signed_in_user(session, viewer))]


@router.post("/me/tokens", response_model=NewTokenOut, status_code=201)
def new_token(
    request: Request, session: SessionDep, viewer: ViewerDep, body: Annotated[TokenIn, Body()]
) -> TokenOut:
    """A new API token for yourself; the secret is in the answer and nowhere else."""
    user = signed_in_user(session, viewer)
    new = accounts.create_token(session, request.app.state.settings, user, body.name, body.days)
    return token_out(new.token, new.secret)


@router.delete("/me/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(
    session: SessionDep, viewer: ViewerDep, token_id: Annotated[int, Path(ge=1)]
) -> Response:
    """Revoke one of your tokens at once."""
    accounts.revoke_token(session, signed_in_user(session, viewer), token_id)
    return Response(status_code=204)


@router.get("/users", response_model=list[UserOut], tags=["users"])
def list_users(session: SessionDep, viewer: ViewerDep) -> list[UserOut]:
    """Every account (admins only)."""
    policy.require_role(viewer, "user.manage")
    return [user_out(u) for u in accounts.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def add_user(session: SessionDep, viewer: ViewerDep, body: Annotated[UserIn, Body()]) -> UserOut:
    """Create an account (admins only)."""
    policy.require_role(viewer, "user.manage")
    user = accounts.add_user(
        session, body.email, body.name, body.password, role=body.role, org_ids=body.organisations
    )
    return user_out(user)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["users"])
def patch_user(
    session: SessionDep,
    viewer: ViewerDep,
    user_id: Annotated[int, Path(ge=1)],
    body: Annotated[UserPatch, Body()],
) -> UserOut:
    """Change a user's name, role, organisations, or disable them (admins only)."""
    policy.require_role(viewer, "user.manage")
    user = accounts.get_user(session, user_id)
    if body.active is False and user.id == viewer.user_id:
        raise ValidationFailed(
            "you cannot disable yourself",
            errors=[field_error(f"user {user_id}", "active", "cannot disable your own account")],
        )
    if body.name is not None:
        user.name = body.name
    if body.role is not None:
        user.role = body.role
    if body.active is not None:
        accounts.set_active(session, user, body.active)
    if body.organisations is not None:
        accounts.check_organisations(session, user.email, body.organisations)
        user.affiliations = [Affiliation(organisation_id=i) for i in body.organisations]
    session.flush()
    return user_out(user)
