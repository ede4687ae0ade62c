"""Exception handlers: every failed request answers with the one error shape.

API clients always get `{"error": {"code", "message", "details"}}` as JSON. A browser asking
for an HTML page (not under /api) gets the same information rendered as a page by the
`html_page` function the app factory passes to `install` (the web UI's error page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from filiera.errors import (
    FilieraError,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    field_error,
)

log = logging.getLogger(__name__)
HtmlPage = Callable[[Request, FilieraError], Response]

HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
}


def request_errors(error: RequestValidationError) -> list[dict[str, str]]:
    """Every bad field of a request as {record: "request", field: dotted loc, message}."""
    details = []
    for item in error.errors():
        field = ".".join(str(part) for part in item.get("loc", ())) or "(request)"
        message = str(item.get("msg", "invalid value")).removeprefix("Value error, ")
        details.append(field_error("request", field, message))
    return details


def http_error(status: int, message: str) -> FilieraError:
    """A FilieraError carrying an arbitrary HTTP status (404 route, 405 method...)."""
    error = FilieraError(message)
    error.status = status
    error.code = HTTP_CODES.get(status, "http_error")
    return error


def wants_html(request: Request) -> bool:
    """Browsers navigating to a page get HTML errors; API clients always get JSON."""
    if request.url.path.startswith("/api") or request.url.path == "/openapi.json":
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept.split(",")[0]


def respond(
    request: Request, error: FilieraError, headers: dict[str, str] | None = None
) -> Response:
    """Render `error` as JSON, or as an HTML page for browsers."""
    html_page: HtmlPage | None = getattr(request.app.state, "html_error_page", None)
    if html_page is not None and wants_html(request):
        response = html_page(request, error)
        response.headers.update(headers or {})
        return response
    return JSONResponse(error.to_body(), status_code=error.status, headers=headers)


async def on_filiera_error(request: Request, error: FilieraError) -> Response:
    headers = {}
    if isinstance(error, TooManyRequests):
        headers["Retry-After"] = str(error.retry_after)
    if isinstance(error, Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="filiera"'
    return respond(request, error, headers or None)


async def on_validation_error(request: Request, error: RequestValidationError) -> Response:
    details = request_errors(error)
    failed = ValidationFailed(f"request: {len(details)} invalid field(s)", errors=details)
    return respond(request, failed)


async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
    if error.status_code == 404:
        message = (
            error.detail
            if error.detail and error.detail != "Not Found"
            else f"no such page or endpoint: {request.method} {request.url.path}"
        )
        return respond(request, NotFound(str(message)))
    allow = (error.headers or {}).get("Allow")
    headers = {"Allow": allow} if allow else None
    return respond(request, http_error(error.status_code, _message(error)), headers)


def _message(error: StarletteHTTPException) -> str:
    detail: Any = error.detail
    return detail if isinstance(detail, str) else str(detail)


async def on_unstorable(request: Request, error: Exception) -> Response:
    """A value the database cannot hold or compare (a huge number, a NUL byte): 422, not 500."""
    log.info("unstorable value on %s %s: %s", request.method, request.url.path, error)
    message = "a value in the request is out of range or holds characters that cannot be stored"
    return respond(request, ValidationFailed(message))


async def on_unexpected(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return respond(request, FilieraError("internal server error"))


def install(app: FastAPI, html_page: HtmlPage | None = None) -> None:
    """Register every handler on `app`; browsers get errors as `html_page` renders them."""
    app.state.html_error_page = html_page
    app.add_exception_handler(FilieraError, on_filiera_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(OverflowError, on_unstorable)  # SQLite: int beyond 64 bits
    app.add_exception_handler(DataError, on_unstorable)  # PostgreSQL: out of range, NUL byte
    app.add_exception_handler(Exception, on_unexpected)
