"""What pages show of introduction requests: the profile's box and the badge by /account."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from filiera.directory import introductions

ERROR_KEY = "introduction_error"  # request.state: (UI string key, its values)
MESSAGE_KEY = "introduction_message"  # request.state: the message typed, shown again


def _state(request: Request, name: str, default: Any = None) -> Any:
    return getattr(request.state, name, default)


def introduction_box(request: Request, org_id: int) -> dict[str, Any]:
    """What the profile page shows: the form, or the viewer's latest request and its state."""
    viewer = _state(request, "viewer")
    if viewer is None or not introductions.may_request(viewer) or org_id in viewer.org_ids:
        return {"show": False}
    with request.app.state.db.session() as session:
        latest = introductions.latest_to(session, viewer, org_id)
    return {
        "show": True,
        "latest": latest,
        "pending": latest is not None and latest.status == "pending",
        "error": _state(request, ERROR_KEY),
        "message": _state(request, MESSAGE_KEY, ""),
        "max": introductions.MESSAGE_MAX,
    }


def introductions_waiting(request: Request) -> int:
    """Requests to the viewer's organisations awaiting an answer (the badge by /account)."""
    viewer = _state(request, "viewer")
    if viewer is None or viewer.user_id is None or not viewer.org_ids:
        return 0
    with request.app.state.db.session() as session:
        return introductions.waiting(session, viewer)
