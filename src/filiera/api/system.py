"""`GET /api/system`: whether the installation is healthy and safe (admins only)."""

from __future__ import annotations

from fastapi import APIRouter

from filiera.api.responses import errors
from filiera.http.deps import DatabaseDep, SettingsDep, ViewerDep
from filiera.ops.status import require_admin, system_status
from filiera.ops.status_shapes import SystemStatus

router = APIRouter(
    prefix="/api",
    tags=["operations"],
    responses=errors({401: "Sign in first", 403: "Admins only"}),
)


@router.get("/system", response_model=SystemStatus)
def system(database: DatabaseDep, settings: SettingsDep, viewer: ViewerDep) -> SystemStatus:
    """Readiness checks, versions, the database, the match index and the backups, with a
    warning when a check fails or no backup was written in the last 26 hours. Always 200
    for an administrator, whatever fails: `ok` and `warnings` say what."""
    require_admin(viewer)
    return system_status(database, settings)
