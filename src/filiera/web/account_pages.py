"""Sign-in, sign-out, the account page (password, API tokens) and the audit log page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.access import accounts, audit
from filiera.access.secrets_ import MIN_PASSWORD, new_secret, sign, unsign
from filiera.consortia import bids
from filiera.directory import introductions
from filiera.errors import (
    FilieraError,
    Forbidden,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from filiera.events import participants as event_participants
from filiera.events import requests as event_requests
from filiera.http.auth import SESSION_COOKIE, check_csrf, client_address
from filiera.http.deps import SessionDep, ViewerDep
from filiera.registry.schemas import parse
from filiera.web.forms import from_form
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "filiera_login_csrf"
AUDIT_PAGE = 100
AUDIT_FILTERS = ("actor", "action", "entity", "entity_id", "since")
PASSWORD_MESSAGES = {  # service message -> UI string shown next to the field
    accounts.WRONG_CURRENT: "access.password_wrong",
    accounts.TOO_SHORT: "access.password_too_short",
    accounts.SAME_AS_CURRENT: "access.password_same",
    accounts.NOT_REPEATED: "access.password_mismatch",
}


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirects)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return "/"  # browsers read \ as / and drop tabs: "/\\evil.example" is off-site
    return target


def _cookie_flags(request: Request) -> dict:
    secure = request.app.state.settings.secure_cookies
    return {"httponly": True, "samesite": "lax", "secure": secure, "path": "/"}


def _sign_in_form(
    request: Request, *, error: str | None = None, status: int = 200, email: str = ""
) -> HTMLResponse:
    secret_key = request.app.state.settings.secret_key
    token = new_secret(16)
    response = render(
        request,
        "sign_in.html",
        {
            "form_token": token,
            "error": error,
            "email": email,
            "next": safe_next(request.query_params.get("next")),
        },
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, sign(secret_key, token), max_age=3600, **_cookie_flags(request)
    )
    return response


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request) -> HTMLResponse:
    return _sign_in_form(request)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=500)] = "/",
) -> Response:
    """Double-submit CSRF check, rate limits, then a fresh session cookie."""
    settings = request.app.state.settings
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not csrf_token or unsign(settings.secret_key, cookie) != csrf_token:
        raise Forbidden(
            "the sign-in form expired or was not sent by this site; try again",
            key="sign_in_expired",
        )
    address = client_address(request) or "unknown"
    try:
        request.app.state.limiters.sign_in.hit(f"address:{address}")
        request.app.state.limiters.sign_in.hit(f"account:{accounts.normalise_email(email)}")
        user_id = accounts.authenticate(request.app.state.db, settings, email, password, address)
    except (Unauthorized, TooManyRequests) as error:
        form = _sign_in_form(request, error=error.message, status=error.status, email=email)
        if isinstance(error, TooManyRequests):
            form.headers["Retry-After"] = str(error.retry_after)
        return form
    with request.app.state.db.session() as session:
        secret, _ = accounts.start_session(session, settings, user_id)
    response = RedirectResponse(safe_next(next_url), status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, **_cookie_flags(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(session, request.app.state.settings, cookie)
        audit.record(session, "sign_out", entity="user", entity_id=viewer.user_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _require_signed_in(request: Request, viewer) -> None:
    if not viewer.signed_in:
        raise Unauthorized("sign in to see this page")


def _account_page(request: Request, session, user, status: int = 200, **context) -> HTMLResponse:
    """The account page; `context` may add new_token, password_errors, password_changed."""
    values = {"user": user, "tokens": accounts.list_tokens(session, user), "new_token": None}
    values |= {"password_errors": {}, "password_changed": None, "min_password": MIN_PASSWORD}
    values |= {
        "introductions": introductions.mine(session, request.state.viewer),
        "introduction_error": getattr(request.state, "introduction_error", None),
        "bid_invitations": bids.pending_for(session, request.state.viewer),
        "event_requests": event_requests.waiting_for(session, request.state.viewer),
        "event_agendas": event_participants.my_registrations(session, request.state.viewer),
    }
    return render(request, "account.html", values | context, status=status)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    _require_signed_in(request, viewer)
    return _account_page(request, session, accounts.get_user(session, viewer.user_id))


@router.post("/account/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    new_password_again: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """Self-service password change; keeps this session, ends the others, revokes tokens."""
    _require_signed_in(request, viewer)
    check_csrf(request, csrf_token)
    user = accounts.get_user(session, viewer.user_id)
    request.app.state.limiters.sign_in.hit(f"account:{user.email}")
    web = getattr(request.state, "web_session", None)
    try:
        ended = accounts.change_own_password(
            session,
            user,
            current_password,
            new_password,
            repeated=new_password_again,
            keep_session_id=web.id if web is not None else None,
        )
    except ValidationFailed as error:
        wrong = {d["field"]: _password_message(d["message"]) for d in error.errors}
        return _account_page(request, session, user, error.status, password_errors=wrong)
    return _account_page(request, session, user, password_changed=ended)


def _password_message(message: str) -> str:
    """The UI string key for a service message (the message itself if it has none)."""
    return PASSWORD_MESSAGES.get(message, message)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    days: Annotated[int, Form(ge=1, le=3660)] = 90,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    _require_signed_in(request, viewer)
    check_csrf(request, csrf_token)
    user = accounts.get_user(session, viewer.user_id)
    new = accounts.create_token(session, request.app.state.settings, user, name, days)
    response = _account_page(request, session, user, 201, new_token=new.secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    token_id: int,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    _require_signed_in(request, viewer)
    check_csrf(request, csrf_token)
    accounts.revoke_token(session, accounts.get_user(session, viewer.user_id), token_id)
    return RedirectResponse("/account", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The audit log with filters validated like the API's (auditors and admins)."""
    filters = {k: request.query_params.get(k, "") for k in AUDIT_FILTERS}
    query = parse(audit.AuditQuery, from_form(filters) | {"limit": AUDIT_PAGE}, "audit filters")
    events = audit.read_log(session, viewer, query)
    return render(request, "audit.html", {"events": events, "filters": filters})


def unauthorized_redirect(request: Request, error: FilieraError) -> Response | None:
    """Browsers meeting 401 on a page are sent to the sign-in form."""
    if isinstance(error, Unauthorized) and request.method == "GET":
        return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)
    return None
