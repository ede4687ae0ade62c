"""`/healthz`, `/readyz` and `/metrics`: what a monitoring system asks.

`/healthz` and `/readyz` are public and name no record and count none. `/metrics` answers
only an administrator (API token or web session) or the bearer FILIERA_METRICS_TOKEN;
everyone else, whoever they are and whatever the data, gets the same 403.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from filiera import metrics
from filiera.access.secrets_ import same
from filiera.api.responses import ErrorBody
from filiera.errors import FilieraError, Forbidden, Unauthorized
from filiera.http.auth import resolve_viewer
from filiera.http.deps import DatabaseDep, SessionDep, SettingsDep
from filiera.ops.health import readiness
from filiera.ops.status_shapes import CheckOut
from filiera.settings import Settings

router = APIRouter(tags=["operations"])
METRICS_REFUSED = "metrics are for administrators and the holder of the metrics token"


class HealthOut(BaseModel):
    status: str = Field(examples=["ok"])


class ReadyOut(BaseModel):
    status: str = Field(examples=["ready"])
    checks: list[CheckOut]


@router.get("/healthz", response_model=HealthOut)
def healthz() -> HealthOut:
    """The process is up and answering (nothing else is checked)."""
    return HealthOut(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyOut,
    responses={503: {"model": ErrorBody, "description": "A check failed; details name it"}},
)
def readyz(database: DatabaseDep) -> ReadyOut | JSONResponse:
    """Ready to serve: database reachable, migrations at head, match index loaded or built."""
    checks = readiness(database)
    failed = [check for check in checks if not check.ok]
    if not failed:
        return ReadyOut(status="ready", checks=[CheckOut(**c.to_dict()) for c in checks])
    error = FilieraError(
        "not ready: " + ", ".join(check.name for check in failed),
        errors=[{"record": "readiness", "field": c.name, "message": c.detail} for c in failed],
    )
    error.status, error.code = 503, "not_ready"
    return JSONResponse(error.to_body(), status_code=503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {metrics.CONTENT_TYPE: {}}, "description": "Prometheus text format"},
        403: {"model": ErrorBody, "description": METRICS_REFUSED},
    },
)
def prometheus_metrics(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Prometheus metrics of every server process (see docs/observability.md)."""
    if not _may_scrape(request, session, settings):
        refused = Forbidden(METRICS_REFUSED)
        return JSONResponse(refused.to_body(), status_code=refused.status)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


def _may_scrape(request: Request, session: SessionDep, settings: Settings) -> bool:
    """The metrics token, or an administrator's token or session (a bad token: refused)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    token = value.strip() if scheme.lower() == "bearer" else ""
    if settings.metrics_token and token and same(token, settings.metrics_token):
        return True
    try:
        viewer = resolve_viewer(request, session)
    except Unauthorized:
        return False
    request.state.viewer = viewer
    return viewer.is_admin
