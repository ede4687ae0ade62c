"""`GET /api/audit`: the audit log, newest first (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from filiera.access import audit
from filiera.api.responses import ErrorBody
from filiera.http.deps import SessionDep, ViewerDep

router = APIRouter(
    prefix="/api",
    tags=["audit"],
    responses={403: {"model": ErrorBody, "description": "Admins only"}},
)


class AuditEventOut(BaseModel):
    id: int
    at: str = Field(examples=["2026-11-23T10:00:00"])
    actor: str = Field(examples=["admin@filiera.example"])
    action: str = Field(examples=["update"])
    entity: str | None = Field(default=None, examples=["organisation"])
    entity_id: int | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: str | None = None
    address: str | None = None


@router.get("/audit", response_model=list[AuditEventOut])
def audit_log(
    session: SessionDep, viewer: ViewerDep, query: Annotated[audit.AuditQuery, Query()]
) -> list[AuditEventOut]:
    """Who read restricted data, who changed what (before/after), sign-ins and failures."""
    return [AuditEventOut(**event) for event in audit.read_log(session, viewer, query)]
