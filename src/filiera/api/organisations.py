"""`/api/organisations`: the directory, profiles, create-or-merge, patch and delete."""

# No `from __future__ import annotations`: the routes are built in a closure and their
# annotations must be evaluated there (they refer to `max_page`).
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from sqlalchemy.orm import Session

from filiera.api.deps import SessionDep
from filiera.api.models import ErrorBody, PartnerOut
from filiera.errors import Conflict, NotFound, ValidationFailed, field_error
from filiera.registry import queries, service
from filiera.registry.models import Source
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn, OrganisationPatch, OrgKind
from filiera.registry.views import OrganisationDetail, OrganisationPage, detail, summary
from filiera.registry.writer import upsert
from filiera.settings import Settings

OUTCOME_HEADER = "X-Filiera-Outcome"
ERRORS = {
    404: {"model": ErrorBody, "description": "No such organisation"},
    422: {"model": ErrorBody, "description": "Invalid input; every bad field is listed"},
}
OrgId = Annotated[int, Path(ge=1, description="Filiera organisation id", examples=[42])]
Sort = Literal["name", "country", "newest"]
REQUIRED = ("name", "kind", "country", "visibility")


def api_source() -> Source:
    """Provenance of records written through the API."""
    return Source(name="Filiera API", kind="manual", imported_by="api")


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
            session, flt, page=page, per_page=per_page, sort=sort
        )
        return OrganisationPage(
            data=[summary(o) for o in rows], count=total, page=page, per_page=per_page
        )

    @router.get("/organisations/by-pic/{pic}", response_model=OrganisationDetail)
    def organisation_by_pic(session: SessionDep, pic: str) -> OrganisationDetail:
        """The profile of the organisation holding this EU Participant Identification Code."""
        org = queries.find_by_identifier(session, "pic", pic.strip())
        if org is None:
            raise NotFound(f"no organisation with PIC {pic}")
        return detail(queries.get_organisation(session, org.id))

    @router.get("/organisations/{org_id}", response_model=OrganisationDetail)
    def get_organisation(session: SessionDep, org_id: OrgId) -> OrganisationDetail:
        """A full profile with identifiers, capabilities, sites, projects and provenance."""
        return detail(queries.get_organisation(session, org_id))

    @router.post(
        "/organisations",
        response_model=OrganisationDetail,
        status_code=201,
        responses={200: {"model": OrganisationDetail, "description": "Merged or unchanged"}},
    )
    def create_organisation(
        session: SessionDep, response: Response, record: Annotated[OrganisationIn, Body()]
    ) -> OrganisationDetail:
        """Create an organisation, or merge into the one it resolves to.

        201 when created (`X-Filiera-Outcome: created`, or `review` when it may duplicate
        another record and was queued for review); 200 with `merged` or `unchanged` when
        an organisation with the same identifier or name already existed.
        """
        resolver = Resolver.from_session(session)
        outcome = upsert(session, record, source=api_source(), resolver=resolver)
        session.flush()
        session.expire_all()
        response.headers[OUTCOME_HEADER] = outcome.action
        if outcome.action in ("merged", "unchanged"):
            response.status_code = 200
        return detail(queries.get_organisation(session, outcome.org_id))

    @router.patch("/organisations/{org_id}", response_model=OrganisationDetail)
    def patch_organisation(
        session: SessionDep, org_id: OrgId, patch: Annotated[OrganisationPatch, Body()]
    ) -> OrganisationDetail:
        """Change only the given fields; `identifiers` replaces the value of each scheme given."""
        org = queries.get_organisation(session, org_id)
        check_patch(session, org_id, patch)
        service.apply_patch(session, org, patch)
        session.expire_all()
        return detail(queries.get_organisation(session, org_id))

    @router.delete("/organisations/{org_id}", status_code=204, response_class=Response)
    def delete_organisation(session: SessionDep, org_id: OrgId) -> Response:
        """Delete an organisation with everything attached to it."""
        session.delete(queries.get_organisation(session, org_id))
        session.flush()
        return Response(status_code=204)

    @router.get("/organisations/{org_id}/partners", response_model=list[PartnerOut])
    def organisation_partners(
        session: SessionDep, org_id: OrgId, limit: Annotated[int, Query(ge=1, le=100)] = 20
    ) -> list[PartnerOut]:
        """Organisations sharing the most funded projects with this one."""
        queries.get_organisation(session, org_id)
        return [
            PartnerOut(organisation=summary(org), shared_projects=shared)
            for org, shared in queries.partners(session, org_id, limit)
        ]

    return router
