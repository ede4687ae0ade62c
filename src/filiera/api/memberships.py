"""`/api/clusters/{id}/members`: cluster managers add and remove their cluster's members."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Path, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from filiera.access import policy
from filiera.api.auth import ViewerDep
from filiera.api.deps import SessionDep
from filiera.api.models import ErrorBody
from filiera.errors import Conflict, NotFound, field_error
from filiera.registry import queries
from filiera.registry.models import Membership
from filiera.registry.service import manual_source

router = APIRouter(
    prefix="/api",
    tags=["clusters"],
    responses={
        401: {"model": ErrorBody, "description": "Sign in first"},
        403: {"model": ErrorBody, "description": "Only admins and this cluster's managers"},
        404: {"model": ErrorBody, "description": "No such cluster or organisation"},
        409: {"model": ErrorBody, "description": "Already a member"},
    },
)
Id = Annotated[int, Path(ge=1)]


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation_id: int = Field(ge=1, examples=[42])
    role: str = Field(default="member", min_length=1, max_length=40, examples=["member"])
    since: dt.date | None = None


class MemberOut(MemberIn):
    cluster_id: int


def _cluster(session, viewer, cluster_id: int):
    cluster = queries.get_organisation(session, cluster_id, viewer=viewer)
    if cluster.kind != "cluster":
        raise NotFound(f"cluster {cluster_id} does not exist")
    return cluster


@router.post("/clusters/{cluster_id}/members", response_model=MemberOut, status_code=201)
def add_member(
    session: SessionDep, viewer: ViewerDep, cluster_id: Id, body: Annotated[MemberIn, Body()]
) -> MemberOut:
    """Add an organisation to the cluster (admins and the cluster's managers)."""
    _cluster(session, viewer, cluster_id)
    policy.require_cluster_manager(viewer, cluster_id)
    queries.get_organisation(session, body.organisation_id, viewer=viewer)
    exists = session.scalar(
        select(Membership.id).where(
            Membership.cluster_id == cluster_id, Membership.organisation_id == body.organisation_id
        )
    )
    if exists is not None or body.organisation_id == cluster_id:
        raise Conflict(
            f"organisation {body.organisation_id} is already in cluster {cluster_id}",
            errors=[field_error(f"cluster {cluster_id}", "organisation_id", "already a member")],
        )
    session.add(
        Membership(cluster_id=cluster_id, organisation_id=body.organisation_id, role=body.role,
                   since=body.since, source=manual_source())
    )  # fmt: skip
    session.flush()
    return MemberOut(cluster_id=cluster_id, **body.model_dump())


@router.delete(
    "/clusters/{cluster_id}/members/{organisation_id}", status_code=204, response_class=Response
)
def remove_member(
    session: SessionDep, viewer: ViewerDep, cluster_id: Id, organisation_id: Id
) -> Response:
    """Remove an organisation from the cluster (admins and the cluster's managers)."""
    _cluster(session, viewer, cluster_id)
    policy.require_cluster_manager(viewer, cluster_id)
    row = session.scalars(
        select(Membership).where(
            Membership.cluster_id == cluster_id, Membership.organisation_id == organisation_id
        )
    ).first()
    if row is None:
        raise NotFound(f"organisation {organisation_id} is not in cluster {cluster_id}")
    session.delete(row)
    return Response(status_code=204)
