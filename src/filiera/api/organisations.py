"""`/api/organisations`: the directory, profiles, create-or-merge, patch and delete."""

# No `from __future__ import annotations`: the routes are built in a closure and their
# annotations must be evaluated there (they refer to `max_page`).
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from sqlalchemy.orm import Session

from filiera.access import audit, policy, records
from filiera.access.disclosure import LOGGED_LEVELS, for_organisation
from filiera.access.records import AccessOut
from filiera.access.viewer import Viewer
from filiera.api.auth import ViewerDep
from filiera.api.deps import SessionDep
from filiera.api.models import ErrorBody, PartnerOut
from filiera.errors import Conflict, NotFound, ValidationFailed, field_error
from filiera.registry import queries, service
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn, OrganisationPatch, OrgKind
from filiera.registry.views import OrganisationDetail, OrganisationPage, detail, summary
from filiera.registry.writer import upsert
from filiera.settings import Settings

OUTCOME_HEADER = "X-Filiera-Outcome"
ERRORS = {
    401: {"model": ErrorBody, "description": "Sign-in or a valid API token is needed"},
    403: {"model": ErrorBody, "description": "Your role or organisation may not do this"},
    404: {"model": ErrorBody, "description": "No such organisation"},
    422: {"model": ErrorBody, "description": "Invalid input; every bad field is listed"},
}
OrgId = Annotated[int, Path(ge=1, description="Filiera organisation id", examples=[42])]
Sort = Literal["name", "country", "newest"]
REQUIRED = ("name", "kind", "country", "visibility")


def profile(session: Session, viewer: Viewer, org_id: int) -> OrganisationDetail:
    """The profile as `viewer` may see it; reads of restricted data are audited."""
    org = queries.get_organisation(session, org_id, viewer=viewer)
    disclosure = for_organisation(session, viewer, org)
    out = detail(org, disclosure)
    disclosure.log(session, f"profile of organisation {org_id}")
    return out


def page_of(
    session: Session, viewer: Viewer, rows: list, total: int, page: int, per_page: int
) -> OrganisationPage:
    """A directory page; listing restricted records is audited like reading them.

    The rows were selected with the visibility rule, so every one is visible to `viewer`.
    """
    shown = [org.id for org in rows if org.visibility in LOGGED_LEVELS]
    audit.record_read(session, "organisation", shown, "directory listing")
    data = [summary(o) for o in rows]
    return OrganisationPage(data=data, count=total, page=page, per_page=per_page)


def check_patch(session: Session, org_id: int, patch: OrganisationPatch) -> None:
    """Refuse nulls for required fields and identifiers held by another organisation."""
    given = patch.model_dump(exclude_unset=True)
    record = f"organisation {org_id}"
    nulls = [
        field_error(record, name, "cannot be null")
        for name in REQUIRED
        if name in given and given[name] is None
    ]
    if nulls:
        raise ValidationFailed(f"{record}: {len(nulls)} invalid field(s)", errors=nulls)
    for scheme, value in (given.get("identifiers") or {}).items():
        holder = queries.find_by_identifier(session, scheme, value)
        if holder is not None and holder.id != org_id:
            raise Conflict(
                f"{scheme.upper()} {value} already belongs to organisation {holder.id}",
                errors=[field_error(record, f"identifiers.{scheme}", "held by another record")],
            )


def build_router(settings: Settings) -> APIRouter:
    """The organisations router; `settings.page_size_max` bounds `per_page`."""
    router = APIRouter(prefix="/api", tags=["organisations"], responses=ERRORS)
    max_page = settings.page_size_max
    default_page = min(50, max_page)

    @router.get("/organisations", response_model=OrganisationPage)
    def list_organisations(
        session: SessionDep,
        viewer: ViewerDep,
        q: Annotated[str | None, Query(description="Name or alias contains")] = None,
        country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$", examples=["IT"])] = None,
        region: Annotated[
            str | None, Query(description="NUTS code prefix", examples=["ITC4"])
        ] = None,
        kind: OrgKind | None = None,
        capability: Annotated[str | None, Query(examples=["space"])] = None,
        certification: Annotated[str | None, Query(examples=["en9100"])] = None,
        cluster: Annotated[int | None, Query(ge=1, description="Cluster organisation id")] = None,
        synthetic: bool | None = None,
        page: Annotated[int, Query(ge=1)] = 1,
        per_page: Annotated[int, Query(ge=1, le=max_page)] = default_page,
        sort: Sort = "name",
    ) -> OrganisationPage:
        """The directory: filters combine with AND; `count` is the total of matches."""
        flt = queries.OrgFilter(q, country, region, kind, capability, certification, cluster,
                                synthetic)  # fmt: skip
        rows, total = queries.list_organisations(
            session, flt, viewer=viewer, page=page, per_page=per_page, sort=sort
        )
        return page_of(session, viewer, rows, total, page, per_page)

    @router.get("/organisations/by-pic/{pic}", response_model=OrganisationDetail)
    def organisation_by_pic(
        session: SessionDep, viewer: ViewerDep, pic: Annotated[str, Path(max_length=20)]
    ) -> OrganisationDetail:
        """The profile of the organisation holding this EU Participant Identification Code."""
        org = queries.find_by_identifier(session, "pic", pic.strip(), viewer=viewer)
        if org is None:
            raise NotFound(f"no organisation with PIC {pic}")
        return profile(session, viewer, org.id)

    @router.get("/organisations/{org_id}", response_model=OrganisationDetail)
    def get_organisation(
        session: SessionDep, viewer: ViewerDep, org_id: OrgId
    ) -> OrganisationDetail:
        """A full profile with identifiers, capabilities, sites, people, projects, provenance.

        Records the caller may not see answer 404; sensitive fields they may not see are
        left out and named in `withheld`.
        """
        return profile(session, viewer, org_id)

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
        policy.require_role(viewer, "organisation.create")
        resolver = Resolver.from_session(session)
        outcome = upsert(session, record, source=service.manual_source(), resolver=resolver)
        session.flush()
        session.expire_all()
        response.headers[OUTCOME_HEADER] = outcome.action
        if outcome.action in ("merged", "unchanged"):
            response.status_code = 200
            target = queries.get_organisation(session, outcome.org_id, viewer=viewer)
            policy.require_edit(viewer, target)
        return profile(session, viewer, outcome.org_id)

    @router.patch("/organisations/{org_id}", response_model=OrganisationDetail)
    def patch_organisation(
        session: SessionDep,
        viewer: ViewerDep,
        org_id: OrgId,
        patch: Annotated[OrganisationPatch, Body()],
    ) -> OrganisationDetail:
        """Change only the given fields; `identifiers` replaces the value of each scheme given.

        Admins, users of the organisation and managers of a cluster it belongs to.
        """
        org = queries.get_organisation(session, org_id, viewer=viewer)
        policy.require_edit(viewer, org)
        check_patch(session, org_id, patch)
        service.apply_patch(session, org, patch)
        session.expire_all()
        return profile(session, viewer, org_id)

    @router.delete("/organisations/{org_id}", status_code=204, response_class=Response)
    def delete_organisation(session: SessionDep, viewer: ViewerDep, org_id: OrgId) -> Response:
        """Delete an organisation with everything attached to it (admins only)."""
        org = queries.get_organisation(session, org_id, viewer=viewer)
        policy.require_role(viewer, "organisation.delete")
        session.delete(org)
        session.flush()
        return Response(status_code=204)

    @router.get("/organisations/{org_id}/partners", response_model=list[PartnerOut])
    def organisation_partners(
        session: SessionDep,
        viewer: ViewerDep,
        org_id: OrgId,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> list[PartnerOut]:
        """Organisations sharing the most funded projects with this one."""
        queries.get_organisation(session, org_id, viewer=viewer)
        return [
            PartnerOut(organisation=summary(org), shared_projects=shared)
            for org, shared in queries.partners(session, org_id, limit, viewer=viewer)
        ]

    @router.get("/organisations/{org_id}/access", response_model=AccessOut, tags=["access"])
    def get_access(session: SessionDep, viewer: ViewerDep, org_id: OrgId) -> AccessOut:
        """Visibility, per-field levels, grants and markings (for those who may edit it)."""
        org = queries.get_organisation(session, org_id, viewer=viewer)
        policy.require_edit(viewer, org)
        return records.access_of(session, org)

    @router.put("/organisations/{org_id}/access", response_model=AccessOut, tags=["access"])
    def put_access(
        session: SessionDep,
        viewer: ViewerDep,
        org_id: OrgId,
        change: Annotated[records.AccessIn, Body()],
    ) -> AccessOut:
        """Change who may see the organisation and its sensitive fields; set its markings.

        `restricted` records are seen by their owner and by the organisations and roles in
        `grants`; `members` by members of the same clusters; `owner` by the owner only.
        """
        org = queries.get_organisation(session, org_id, viewer=viewer)
        policy.require_edit(viewer, org)
        return records.set_access(session, org, change)

    return router
