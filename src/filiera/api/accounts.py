"""`/api/me`, `/api/auth/token` and `/api/users`: accounts and personal API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from filiera.access import accounts, users
from filiera.access.users import (
    PasswordChangeOut,
    UserIn,
    UserOut,
    UserPatch,
    password_change_out,
    signed_in_user,
)
from filiera.api.responses import ErrorBody, errors
from filiera.http.auth import client_address
from filiera.http.deps import SessionDep, ViewerDep

router = APIRouter(
    prefix="/api",
    tags=["access"],
    responses={
        401: {"model": ErrorBody, "description": "Not signed in or bad credentials"},
        403: {"model": ErrorBody, "description": "Not allowed for this role"},
        429: {"model": ErrorBody, "description": "Too many attempts; see Retry-After"},
    },
)


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


class PasswordIn(BaseModel):
    """Your current password and the new one (12+ characters)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "my current passphrase",
                    "new_password": "a longer, newer passphrase 2027",
                }
            ]
        }
    )
    current_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


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


def token_out(token, secret: str | None = None) -> TokenOut:
    data = {k: getattr(token, k) for k in TokenOut.model_fields}
    return NewTokenOut(**data, token=secret) if secret else TokenOut(**data)


@router.get("/me", response_model=MeOut)
def me(viewer: ViewerDep) -> MeOut:
    """Who the API thinks you are (anonymous when no valid token or session is sent)."""
    return MeOut(
        user_id=viewer.user_id,
        email=viewer.label if viewer.user_id else None,
        role=viewer.role,
        organisations=sorted(viewer.org_ids),
        clusters=sorted(viewer.cluster_ids),
        via=viewer.via,
    )


@router.post("/auth/token", response_model=NewTokenOut, status_code=201)
def token_with_credentials(request: Request, body: Annotated[CredentialsTokenIn, Body()]):
    """Trade email and password for a personal API token (rate-limited, with back-off)."""
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


@router.post(
    "/me/password",
    response_model=PasswordChangeOut,
    responses=errors({422: "Wrong current_password or too short new_password"}),
)
def change_password(
    request: Request, session: SessionDep, viewer: ViewerDep, body: Annotated[PasswordIn, Body()]
) -> PasswordChangeOut:
    """Change your password (rate-limited like sign-in).

    Your other web sessions are signed out and every API token of yours is revoked, the one
    sending this request too; a session cookie sending it stays signed in.
    """
    user = signed_in_user(session, viewer)
    request.app.state.limiters.sign_in.hit(f"account:{user.email}")
    web = getattr(request.state, "web_session", None)
    ended = accounts.change_own_password(
        session,
        user,
        body.current_password,
        body.new_password,
        keep_session_id=web.id if web is not None else None,
    )
    return password_change_out(ended)


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
    return users.list_users(session, viewer)


@router.post("/users", response_model=UserOut, status_code=201, tags=["users"])
def add_user(session: SessionDep, viewer: ViewerDep, body: Annotated[UserIn, Body()]) -> UserOut:
    """Create an account (admins only)."""
    return users.add_user(session, viewer, body)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["users"])
def patch_user(
    session: SessionDep,
    viewer: ViewerDep,
    user_id: Annotated[int, Path(ge=1)],
    body: Annotated[UserPatch, Body()],
) -> UserOut:
    """Change a user's name, role, organisations or password, or disable them (admins only).

    A new password ends every web session of the user and revokes every API token of theirs
    (`password_change` in the answer says how many)."""
    return users.change_user(session, viewer, user_id, body)
