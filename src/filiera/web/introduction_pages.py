"""Requests for an introduction in the web UI: the form on a profile, the answers on /account.

The profile page and the navigation are rendered by other modules; they reach this feature
through two template helpers (`web/introduction_context.py`, bound in `render.helpers`).
Errors of a form (a second request, the daily limit, a bad message, an answered request)
are shown on the page it came from, in the page's language.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.db import savepoint
from filiera.directory import introductions
from filiera.directory.introductions import IntroductionIn
from filiera.errors import Conflict, FilieraError, TooManyRequests, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.registry.schemas import parse
from filiera.web import account_pages, pages
from filiera.web.introduction_context import ERROR_KEY, MESSAGE_KEY

router = APIRouter(include_in_schema=False)


def form_error(error: FilieraError) -> tuple[str, dict[str, Any]] | None:
    """The UI string (key, values) of an error the form shows itself; None: an error page.

    The service names its refusals (a second request, the daily limit, an answered request)
    with `errors.<key>`; a message the input shape refused has no key.
    """
    if error.key and isinstance(error, (TooManyRequests, Conflict, ValidationFailed)):
        return f"errors.{error.key}", error.params
    if isinstance(error, ValidationFailed):
        return "intro.message_invalid", {"max": introductions.MESSAGE_MAX}
    return None


@router.post("/organisations/{org_id}/introductions", response_class=HTMLResponse)
def request_introduction(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    message: Annotated[str, Form(max_length=10_000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Send the request; the profile then shows "requested on <date>" instead of the form."""
    check_csrf(request, csrf_token)
    try:
        with savepoint(session):
            wanted = parse(IntroductionIn, {"message": message}, "introduction")
            introductions.request(session, viewer, org_id, wanted)
    except FilieraError as error:
        shown = form_error(error)
        if shown is None:
            raise
        setattr(request.state, ERROR_KEY, shown)
        setattr(request.state, MESSAGE_KEY, message)
        response = pages.profile(request, session, viewer, org_id)
        return _with_status(response, error)
    return RedirectResponse(f"/organisations/{org_id}#introduction", status_code=303)


def _with_status(response: Response, error: FilieraError) -> Response:
    response.status_code = error.status
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@router.post("/introductions/{intro_id}/{decision}", response_class=HTMLResponse)
def answer_introduction(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    intro_id: RecordId,
    decision: introductions.Decision,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Accept or decline a request to your organisation; a second answer is shown as such."""
    check_csrf(request, csrf_token)
    try:
        with savepoint(session):
            introductions.answer(session, viewer, intro_id, decision)
    except FilieraError as error:
        shown = form_error(error)
        if shown is None:
            raise
        setattr(request.state, ERROR_KEY, shown)
        return _with_status(account_pages.account_page(request, session, viewer), error)
    return RedirectResponse("/account#introductions", status_code=303)
