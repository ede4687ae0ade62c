"""Changing who may see a record: its level, per-field levels, grants and markings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.models import ROLES, AccessGrant
from filiera.access.viewer import Viewer
from filiera.errors import ValidationFailed, field_error
from filiera.registry import checks
from filiera.registry.models import Organisation
from filiera.registry.schemas import OrgSensitiveField, Visibility

RoleName = Literal[ROLES]  # type: ignore[valid-type]


class GrantIn(BaseModel):
    """Either an organisation id or a role (e.g. every `buyer`)."""

    model_config = ConfigDict(extra="forbid")
    organisation_id: int | None = Field(default=None, ge=1)
    role: RoleName | None = None

    @model_validator(mode="after")
    def _one_of(self) -> GrantIn:
        if (self.organisation_id is None) == (self.role is None):
            raise ValueError("give exactly one of organisation_id and role")
        return self


class AccessIn(BaseModel):
    """Access settings of an organisation; fields left out stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "visibility": "restricted",
                    "field_visibility": {"revenue_band": "owner"},
                    "grants": [{"role": "buyer"}, {"organisation_id": 12}],
                    "markings": ["dual_use"],
                }
            ]
        },
    )
    visibility: Visibility | None = None
    field_visibility: dict[OrgSensitiveField, Visibility] | None = None
    grants: Annotated[list[GrantIn], Field(max_length=200)] | None = None
    markings: checks.Markings | None = None


class AccessOut(BaseModel):
    organisation_id: int
    visibility: str
    field_visibility: dict[str, str]
    grants: list[GrantIn]
    markings: list[str]


def grants_of(session: Session, entity: str, entity_id: int) -> list[AccessGrant]:
    stmt = select(AccessGrant).where(
        AccessGrant.entity == entity, AccessGrant.entity_id == entity_id
    )
    return list(session.scalars(stmt.order_by(AccessGrant.id)))


def access_of(session: Session, org: Organisation) -> AccessOut:
    grants = [
        GrantIn(organisation_id=g.organisation_id, role=g.role)
        for g in grants_of(session, "organisation", org.id)
    ]
    return AccessOut(
        organisation_id=org.id,
        visibility=org.visibility,
        field_visibility=dict(org.field_visibility or {}),
        grants=grants,
        markings=list(org.markings or []),
    )


def set_access(session: Session, viewer: Viewer, org: Organisation, change: AccessIn) -> AccessOut:
    """Apply `change` (the caller has checked the right to edit `org`)."""
    if change.visibility is not None:
        org.visibility = change.visibility
    if change.field_visibility is not None:
        org.field_visibility = dict(change.field_visibility)
    if change.markings is not None:
        org.markings = list(change.markings)
    if change.grants is not None:
        _replace_grants(session, viewer, org.id, change.grants)
    session.flush()
    return access_of(session, org)


def _replace_grants(session: Session, viewer: Viewer, org_id: int, grants: list[GrantIn]) -> None:
    """Replace the grants; an organisation the writer may not see counts as missing, so the
    answer is the same whether it is hidden or does not exist."""
    wanted = {g.organisation_id for g in grants if g.organisation_id is not None}
    stmt = select(Organisation.id).where(
        Organisation.id.in_(wanted), policy.visible_organisations(viewer)
    )
    known = set(session.scalars(stmt))
    missing = sorted(wanted - known)
    if missing:
        raise ValidationFailed(
            f"organisation {org_id}: grants name unknown organisations",
            errors=[
                field_error(
                    f"organisation {org_id}",
                    "grants.organisation_id",
                    f"organisation {i} does not exist",
                )
                for i in missing
            ],
        )
    for old in grants_of(session, "organisation", org_id):
        session.delete(old)
    session.flush()
    for grant in {(g.organisation_id, g.role) for g in grants}:
        session.add(
            AccessGrant(
                entity="organisation", entity_id=org_id, organisation_id=grant[0], role=grant[1]
            )
        )
