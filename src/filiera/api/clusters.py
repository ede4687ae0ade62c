"""`/api/clusters`: clusters and associations, their member directories, membership changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response

from filiera.api.responses import errors
from filiera.directory import clusters
from filiera.directory.clusters import ClusterOut, MemberIn, MemberOut
from filiera.directory.filters import PAGE_SIZE
from filiera.directory.profiles import OrganisationPage
from filiera.http.deps import Page, PerPage, RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api",
    tags=["clusters"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Only admins and this cluster's managers",
            404: "No such cluster or organisation",
            409: "Already a member",
            422: "Invalid parameters",
        }
    ),
)


@router.get("/clusters", response_model=list[ClusterOut])
def list_clusters(session: SessionDep, viewer: ViewerDep) -> list[ClusterOut]:
    """Every cluster or association you may see, with its number of visible members."""
    return clusters.list_clusters(session, viewer)


@router.get("/clusters/{cluster_id}/members", response_model=OrganisationPage)
def cluster_members(
    session: SessionDep,
    viewer: ViewerDep,
    cluster_id: RecordId,
    page: Page = 1,
    per_page: PerPage = PAGE_SIZE,
) -> OrganisationPage:
    """The member directory of one cluster, paged."""
    return clusters.members_page(session, viewer, cluster_id, page=page, per_page=per_page)


@router.post("/clusters/{cluster_id}/members", response_model=MemberOut, status_code=201)
def add_member(
    session: SessionDep, viewer: ViewerDep, cluster_id: RecordId, body: Annotated[MemberIn, Body()]
) -> MemberOut:
    """Add an organisation to the cluster (admins and the cluster's managers)."""
    return clusters.add_member(session, viewer, cluster_id, body)


@router.delete(
    "/clusters/{cluster_id}/members/{organisation_id}", status_code=204, response_class=Response
)
def remove_member(
    session: SessionDep, viewer: ViewerDep, cluster_id: RecordId, organisation_id: RecordId
) -> Response:
    """Remove an organisation from the cluster (admins and the cluster's managers)."""
    clusters.remove_member(session, viewer, cluster_id, organisation_id)
    return Response(status_code=204)
