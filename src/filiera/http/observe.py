"""Request observation: metrics per route template, one log line, an X-Request-ID header.

A pure ASGI middleware wrapping the whole app (outside Starlette's error middleware, as
`http.headers`), so 404s, 413s and 500s are counted and logged too. The log line names
the method, the route template (never the raw path, nor any query string or body), the
status, the duration, the request id and the signed-in user's id (never an e-mail).
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from filiera import logs, metrics

log = logging.getLogger("filiera.request")
HEADER = b"x-request-id"
GIVEN_ID = re.compile(rb"^[A-Za-z0-9._-]{8,64}$")  # a proxy's request id we pass on


def request_id(scope: Scope) -> str:
    """The id a proxy sent in X-Request-ID when it looks like one, else a new one."""
    given = dict(scope.get("headers") or []).get(HEADER)
    return given.decode() if given and GIVEN_ID.match(given) else uuid.uuid4().hex


def route_template(scope: Scope) -> str | None:
    """The path template of the route that answered ("/api/organisations/{org_id}")."""
    route = scope.get("route")
    return getattr(route, "path", None) or None


def user_id(scope: Scope) -> int | None:
    viewer = (scope.get("state") or {}).get("viewer")
    return getattr(viewer, "user_id", None)


class Observe:
    """Count, time and log every HTTP request; echo its id in X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        scope.setdefault("state", {})  # shared with the routes' request.state (the viewer)
        token = logs.REQUEST_ID.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*(message.get("headers") or []), (HEADER, rid.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, rid, status, time.perf_counter() - started)
            logs.REQUEST_ID.reset(token)

    def _record(self, scope: Scope, rid: str, status: int, seconds: float) -> None:
        route = route_template(scope) or metrics.UNMATCHED
        method = metrics.method_label(scope["method"])
        metrics.observe_request(method, route, status, seconds)
        log.info(
            "%s %s %s",
            method,
            route,
            status,
            extra={
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
                "request_id": rid,
                "user_id": user_id(scope),
            },
        )


def install(app: Starlette) -> None:
    """Wrap `app`'s whole middleware stack (error middleware included) in `Observe`."""
    build = app.build_middleware_stack

    def build_observed() -> ASGIApp:
        return Observe(build())

    app.build_middleware_stack = build_observed  # type: ignore[method-assign]
