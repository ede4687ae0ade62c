"""`GET /api/audit`: the audit log, newest first (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from filiera.access import audit, policy
from filiera.api.auth import ViewerDep
from filiera.api.deps import SessionDep
from filiera.api.models import ErrorBody

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
    session: SessionDep,
    viewer: ViewerDep,
    actor: Annotated[str | None, Query(max_length=254)] = None,
    action: Annotated[str | None, Query(max_length=30, examples=["read"])] = None,
    entity: Annotated[str | None, Query(max_length=30)] = None,
    entity_id: Annotated[int | None, Query(ge=1)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    """Who read restricted data, who changed what (before/after), sign-ins and failures."""
    policy.require_role(viewer, "audit.read")
    query = audit.AuditQuery(actor, action, entity, entity_id, since, until, limit)
    return [AuditEventOut(**audit.as_dict(e)) for e in audit.search(session, query)]
