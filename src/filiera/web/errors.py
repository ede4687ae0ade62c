"""Errors met while browsing, rendered as pages in the visitor's language."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from filiera.errors import FilieraError
from filiera.web.account_pages import unauthorized_redirect
from filiera.web.render import render


def error_page(request: Request, error: FilieraError) -> Response:
    """An HTML page for an error met while browsing (401 on a page: the sign-in form)."""
    redirect = unauthorized_redirect(request, error)
    if redirect is not None:
        return redirect
    return render(request, "error.html", {"error": error}, status=error.status)
