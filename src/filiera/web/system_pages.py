"""`/admin/system`: the system status page for administrators (English and Italian)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from filiera.http.deps import DatabaseDep, SettingsDep, ViewerDep
from filiera.ops.status import require_admin, system_status
from filiera.ops.status_shapes import CheckOut
from filiera.web.render import render

router = APIRouter(include_in_schema=False)

# A readiness check's detail (ops.health, in English) -> its key under `system.detail`.
DETAILS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), key)
    for pattern, key in (
        (r"reachable", "reachable"),
        (r"database unreachable", "unreachable"),
        (r"no database file at (?P<path>.+)", "no_file"),
        (r"no answer within (?P<seconds>[\d.]+) s", "timeout"),
        (r"at head (?P<revision>\S+)", "at_head"),
        (r"at (?P<revision>\S+), head is (?P<head>\S+): .*", "behind"),
        (r"ready", "ready"),
        (r"ready, rebuilding in the background", "rebuilding"),
        (r"building", "building"),
    )
)


def detail_words(check: CheckOut) -> tuple[str, dict[str, Any]]:
    """The locale key and values saying `check.detail`; `other` (shown as is) if unknown."""
    for pattern, key in DETAILS:
        found = pattern.fullmatch(check.detail)
        if found:
            return f"system.detail.{key}", found.groupdict()
    return "system.detail.other", {"detail": check.detail}


PROBLEMS = {"database unreachable": "unreachable", "no such folder": "no_folder"}


def problem_words(problem: str) -> str | None:
    """The locale key of a known problem (ops.status, in English); None: shown as is."""
    key = PROBLEMS.get(problem)
    return f"system.problems.{key}" if key else None


def age_parts(seconds: float | None) -> tuple[str, int] | None:
    """`(unit, count)` for an age: days, hours, minutes (the largest that fits twice) or
    seconds."""
    if seconds is None:
        return None
    for unit, size in (("days", 86_400), ("hours", 3_600), ("minutes", 60)):
        if seconds >= 2 * size:
            return unit, int(seconds // size)
    return "seconds", int(seconds)


@router.get("/admin/system", response_class=HTMLResponse)
def system_page(
    request: Request, database: DatabaseDep, settings: SettingsDep, viewer: ViewerDep
) -> HTMLResponse:
    require_admin(viewer)
    status = system_status(database, settings)
    context = {
        "status": status,
        "detail_words": detail_words,
        "age_parts": age_parts,
        "problem_words": problem_words,
    }
    return render(request, "system.html", context)
