"""`/api/clusters`: clusters and associations, their member directories, membership changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from filiera.api.responses import errors
from filiera.directory import clusters, invitations
from filiera.directory.clusters import CLUSTER_PAGE, ClusterPage, MemberIn, MemberOut
from filiera.directory.filters import PAGE_SIZE
from filiera.directory.invitations import DecisionIn, InvitationOut
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
            409: "Already a member or invited; invitation already answered",
            422: "Invalid parameters",
        }
    ),
)


@router.get("/clusters", response_model=ClusterPage)
def list_clusters(
    session: SessionDep,
    viewer: ViewerDep,
    q: Annotated[
        str | None, Query(max_length=200, description="Name or alias contains", examples=["aero"])
    ] = None,
    country: Annotated[
        str | None, Query(pattern="^[A-Za-z]{2}$", description="ISO code", examples=["IT"])
    ] = None,
    page: Page = 1,
    per_page: PerPage = CLUSTER_PAGE,
) -> ClusterPage:
    """The clusters and associations you may see, by name, a page at a time, each with its
    number of visible members; `count` is how many match."""
    return clusters.list_clusters(
        session, viewer, q=q, country=country, page=page, per_page=per_page
    )


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


@router.post(
    "/clusters/{cluster_id}/members",
    response_model=MemberOut,
    status_code=201,
    responses={202: {"model": MemberOut, "description": "Invited: awaits the organisation"}},
)
def add_member(
    session: SessionDep,
    viewer: ViewerDep,
    cluster_id: RecordId,
    body: Annotated[MemberIn, Body()],
    response: Response,
) -> MemberOut:
    """Admins enrol an organisation (201); a cluster manager invites it (202, `invited`).

    An invited organisation joins only when one of its own users (or an admin) accepts at
    `POST /api/organisations/{id}/invitations/{invitation_id}`.
    """
    out = clusters.add_member(session, viewer, cluster_id, body)
    if out.status == "invited":
        response.status_code = 202
    return out


@router.get("/clusters/{cluster_id}/invitations", response_model=list[InvitationOut])
def cluster_invitations(
    session: SessionDep, viewer: ViewerDep, cluster_id: RecordId
) -> list[InvitationOut]:
    """Invitations the cluster has sent, newest first (its managers and admins)."""
    clusters.get_cluster(session, viewer, cluster_id)
    return invitations.for_cluster(session, viewer, cluster_id)


@router.delete(
    "/clusters/{cluster_id}/invitations/{invitation_id}", status_code=204, response_class=Response
)
def withdraw_invitation(
    session: SessionDep, viewer: ViewerDep, cluster_id: RecordId, invitation_id: RecordId
) -> Response:
    """Take back a pending invitation (the cluster's managers and admins)."""
    clusters.get_cluster(session, viewer, cluster_id)
    invitations.withdraw(session, viewer, cluster_id, invitation_id)
    return Response(status_code=204)


@router.get("/organisations/{org_id}/invitations", response_model=list[InvitationOut])
def organisation_invitations(
    session: SessionDep, viewer: ViewerDep, org_id: RecordId
) -> list[InvitationOut]:
    """Invitations to join clusters, newest first (the organisation's own users and admins)."""
    return invitations.for_organisation(session, viewer, org_id)


@router.post("/organisations/{org_id}/invitations/{invitation_id}", response_model=InvitationOut)
def answer_invitation(
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    invitation_id: RecordId,
    body: Annotated[DecisionIn, Body()],
) -> InvitationOut:
    """Accept (the organisation joins the cluster) or decline an invitation."""
    return invitations.decide(session, viewer, org_id, invitation_id, body.decision)


@router.delete(
    "/clusters/{cluster_id}/members/{organisation_id}", status_code=204, response_class=Response
)
def remove_member(
    session: SessionDep, viewer: ViewerDep, cluster_id: RecordId, organisation_id: RecordId
) -> Response:
    """Remove an organisation from the cluster (admins and the cluster's managers)."""
    clusters.remove_member(session, viewer, cluster_id, organisation_id)
    return Response(status_code=204)
