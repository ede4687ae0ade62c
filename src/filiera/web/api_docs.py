"""`/docs`: an offline API reference rendered server-side from the OpenAPI document.

FastAPI's own /docs loads Swagger UI from a CDN; Filiera must work with no network.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from filiera.web.render import render

router = APIRouter(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")
ERROR_SHAPE = '{"error": {"code", "message", "details": [{"record", "field", "message"}]}}'


def endpoint_groups(openapi: dict[str, Any]) -> list[tuple[str, list[dict[str, str]]]]:
    """Endpoints of an OpenAPI document grouped by their first tag, in document order."""
    groups: dict[str, list[dict[str, str]]] = {}
    for path, operations in openapi.get("paths", {}).items():
        for method in METHODS:
            op = operations.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["other"])[0]
            description = (op.get("description") or "").strip().split("\n\n")[0]
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": description,
                }
            )
    return list(groups.items())


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    openapi = request.app.openapi()
    return render(
        request,
        "docs.html",
        {
            "groups": endpoint_groups(openapi),
            "api_title": openapi["info"]["title"],
            "api_version": openapi["info"]["version"],
            "error_shape": ERROR_SHAPE,
        },
    )
