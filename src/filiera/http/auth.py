"""Who is calling: API token, web session cookie or nobody; CSRF and rate limits.

`get_viewer` (as `ViewerDep` in `http.deps`) gives every route the `Viewer` of the request and
makes it the actor of the audit events the request's session writes.
"""

from __future__ import annotations

from functools import cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from fastapi import Request
from sqlalchemy.orm import Session

from filiera.access import accounts, audit
from filiera.access.ratelimit import RateLimiter
from filiera.access.secrets_ import same
from filiera.access.viewer import Viewer, viewer_for
from filiera.db import Database
from filiera.errors import Forbidden
from filiera.http.providers import RequestSession
from filiera.settings import Settings

SESSION_COOKIE = "filiera_session"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class Limiters:
    """The app's rate limiters, counted in the database: shared by every server process."""

    def __init__(self, database: Database, settings: Settings) -> None:
        self.sign_in = RateLimiter(database, "sign_in", settings.sign_in_per_minute)
        self.api = RateLimiter(database, "api", settings.api_requests_per_minute)


def client_address(request: Request) -> str | None:
    """The caller's address: the peer, or what trusted proxies say in X-Forwarded-For.

    Only when the peer is a trusted proxy (`settings.trusted_proxies`) is the header read,
    from the right: the first address that is not itself a trusted proxy is the client.
    Anything else the header holds was written by the client and is ignored.
    """
    peer = request.client.host if request.client else None
    proxies = proxy_networks(tuple(request.app.state.settings.trusted_proxies))
    if peer is None or not _trusted(peer, proxies):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
    client = peer
    for hop in reversed([item.strip() for item in forwarded if item.strip()]):
        try:
            client = str(ip_address(hop))
        except ValueError:
            break  # not an address: keep the last hop a trusted proxy vouched for
        if not _trusted(client, proxies):
            break
    return client


@cache
def proxy_networks(entries: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    """The trusted proxies as networks (a bare address is a /32 or /128)."""
    return tuple(ip_network(entry, strict=False) for entry in entries)


def _trusted(address: str, proxies: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def resolve_viewer(request: Request, session: Session) -> Viewer:
    """The Viewer of `request` (anonymous when neither token nor session cookie is valid).

    What it writes (a token's or a session's last use) is committed before a limit is
    counted (see `release`).
    """
    settings: Settings = request.app.state.settings
    address = client_address(request)
    token = _bearer(request)
    if token is not None:
        user, row = accounts.user_for_token(session, settings, token)
        release(session)
        request.app.state.limiters.api.hit(f"token:{row.id}")
        return viewer_for(session, user, address=address, via="token")
    cookie = request.cookies.get(SESSION_COOKIE)
    found = accounts.session_and_user(session, settings, cookie) if cookie else None
    if found is None:
        return Viewer.anonymous(address)
    web, user = found
    request.state.web_session = web
    request.state.csrf_token = web.csrf_token  # a plain str: error pages render it after the
    return viewer_for(session, user, address=address, via="session")  # session closed


def release(session: Session) -> None:
    """End the request's transaction so far: commit what it wrote, give its connection back.

    Rate limits count in their own transactions (`access.ratelimit`): a request that held
    its connection meanwhile would need two from the pool at once (enough such requests
    wait for each other until the pool times out), and on SQLite its write lock would make
    the count wait for its own request. Objects stay loaded (sessions do not expire them).
    """
    session.commit()


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse an unsafe request made with a session cookie but without its CSRF token."""
    expected = getattr(request.state, "csrf_token", None)
    if expected is None:
        return
    if not submitted or not same(submitted, expected):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again", key="csrf")


def get_viewer(request: Request, session: RequestSession) -> Viewer:
    """The request's Viewer, bound to its session as the actor of audit events."""
    viewer = resolve_viewer(request, session)
    audit.bind(session, viewer)
    release(session)  # a route may count a rate limit next (a password change does)
    request.state.viewer = viewer
    is_api = request.url.path.startswith("/api")
    if is_api and request.method in UNSAFE and viewer.via == "session":
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return viewer
