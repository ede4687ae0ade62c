"""`/api/organisations`: the directory, profiles, create-or-merge, patch and delete."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response

from filiera.access.records import AccessIn, AccessOut
from filiera.api.responses import errors
from filiera.directory import service
from filiera.directory.export import directory_csv
from filiera.directory.filters import PAGE_SIZE, CountMode, OrgFilter, Sort
from filiera.directory.listing import DirectoryPage, directory_page
from filiera.directory.profiles import OrganisationDetail
from filiera.directory.service import PartnerOut
from filiera.http.deps import Page, PerPage, RecordId, SessionDep, ViewerDep
from filiera.http.downloads import csv_openapi, csv_response
from filiera.registry.schemas import OrganisationIn, OrganisationPatch

OUTCOME_HEADER = "X-Filiera-Outcome"
router = APIRouter(
    prefix="/api",
    tags=["organisations"],
    responses=errors(
        {
            401: "Sign-in or a valid API token is needed",
            403: "Your role or organisation may not do this",
            404: "No such organisation",
            422: "Invalid input; every bad field is listed",
        }
    ),
)


@router.get("/organisations", response_model=DirectoryPage)
def list_organisations(
    session: SessionDep,
    viewer: ViewerDep,
    flt: Annotated[OrgFilter, Query()],
    page: Page = 1,
    per_page: PerPage = PAGE_SIZE,
    sort: Annotated[Sort | None, Query(description="name (default), country, newest")] = None,
    cursor: Annotated[
        str | None,
        Query(max_length=2000, description="`next_cursor` of the previous page"),
    ] = None,
    count: Annotated[
        CountMode, Query(description="`exact`: count every match, not only up to 1,000")
    ] = "capped",
) -> DirectoryPage:
    """The directory: filters combine with AND.

    Continue with `?cursor=` (the previous page's `next_cursor`, same filters and sort);
    `page` numbers still work for the first pages. `count` is exact up to 1,000 matches
    (`COUNT_CAP`); beyond, `count_exact` is false and `count` is 1,000 (more match), unless
    `count=exact`.
    """
    return directory_page(
        session,
        viewer,
        flt,
        per_page=per_page,
        sort=sort,
        page=page,
        cursor=cursor,
        count=count,
    )


@router.get(
    "/organisations.csv",
    response_class=Response,
    responses=csv_openapi("Every matching organisation you may see, one per row"),
)
def export_organisations(
    session: SessionDep,
    viewer: ViewerDep,
    flt: Annotated[OrgFilter, Query()],
    sort: Sort = "name",
) -> Response:
    """The directory as CSV: the filters and sort of `GET /api/organisations`, every match
    (no paging), withheld fields empty, `markings` and `withheld` columns."""
    out = io.StringIO()
    export = directory_csv(session, viewer, flt, out, sort=sort)
    return csv_response(out.getvalue(), export, "organisations.csv")


@router.get("/organisations/by-pic/{pic}", response_model=OrganisationDetail)
def organisation_by_pic(
    session: SessionDep, viewer: ViewerDep, pic: Annotated[str, Path(max_length=20)]
) -> OrganisationDetail:
    """The profile of the organisation holding this EU Participant Identification Code."""
    return service.profile_of(session, viewer, service.by_pic(session, viewer, pic))


@router.get("/organisations/{org_id}", response_model=OrganisationDetail)
def get_organisation(
    session: SessionDep, viewer: ViewerDep, org_id: RecordId
) -> OrganisationDetail:
    """A full profile with identifiers, capabilities, sites, people, projects, provenance.

    Records the caller may not see answer 404; sensitive fields they may not see are
    left out and named in `withheld`.
    """
    return service.profile(session, viewer, org_id)


@router.post(
    "/organisations",
    response_model=OrganisationDetail,
    status_code=201,
    responses={200: {"model": OrganisationDetail, "description": "Merged or unchanged"}},
)
def create_organisation(
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
    record: Annotated[OrganisationIn, Body()],
) -> OrganisationDetail:
    """Create an organisation, or merge into the one it resolves to.

    201 when created (`X-Filiera-Outcome: created`, or `review` when it may duplicate
    another record and was queued for review); 200 with `merged` or `unchanged` when
    an organisation with the same identifier or name already existed.
    Admins and cluster managers only; merging into an existing record also needs the
    right to edit it.
    """
    outcome = service.create(session, viewer, record)
    response.headers[OUTCOME_HEADER] = outcome.action
    if outcome.action in ("merged", "unchanged"):
        response.status_code = 200
    return service.profile(session, viewer, outcome.org_id)


@router.patch("/organisations/{org_id}", response_model=OrganisationDetail)
def patch_organisation(
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    patch: Annotated[OrganisationPatch, Body()],
) -> OrganisationDetail:
    """Change only the given fields; `identifiers` replaces the value of each scheme given.

    Admins, users of the organisation and managers of a cluster it belongs to.
    """
    return service.edit(session, viewer, org_id, patch)


@router.delete("/organisations/{org_id}", status_code=204, response_class=Response)
def delete_organisation(session: SessionDep, viewer: ViewerDep, org_id: RecordId) -> Response:
    """Delete an organisation with everything attached to it (admins only)."""
    service.delete(session, viewer, org_id)
    return Response(status_code=204)


@router.get("/organisations/{org_id}/partners", response_model=list[PartnerOut])
def organisation_partners(
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[PartnerOut]:
    """Organisations sharing the most funded projects with this one."""
    return service.partners(session, viewer, org_id, limit)


@router.get("/organisations/{org_id}/access", response_model=AccessOut, tags=["access"])
def get_access(session: SessionDep, viewer: ViewerDep, org_id: RecordId) -> AccessOut:
    """Visibility, per-field levels, grants and markings (for those who may edit it)."""
    return service.access_settings(session, viewer, org_id)


@router.put("/organisations/{org_id}/access", response_model=AccessOut, tags=["access"])
def put_access(
    session: SessionDep,
    viewer: ViewerDep,
    org_id: RecordId,
    change: Annotated[AccessIn, Body()],
) -> AccessOut:
    """Change who may see the organisation and its sensitive fields; set its markings.

    `restricted` records are seen by their owner and by the organisations and roles in
    `grants`; `members` by members of the same clusters; `owner` by the owner only.
    """
    return service.change_access(session, viewer, org_id, change)
