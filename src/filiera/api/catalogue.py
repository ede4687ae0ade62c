"""Clusters, projects, ecosystem figures and the capability taxonomy."""

# No `from __future__ import annotations`: the routes are built in a closure and their
# annotations must be evaluated there (they refer to `max_page`).
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.api.auth import ViewerDep
from filiera.api.deps import SessionDep
from filiera.api.models import (
    ClusterOut,
    ErrorBody,
    ParticipantOut,
    ProjectDetail,
    ProjectPage,
    ProjectSummary,
    Stats,
    TaxonomyNode,
)
from filiera.errors import NotFound
from filiera.registry import queries, taxonomy
from filiera.registry.models import Organisation, Project
from filiera.registry.views import OrganisationPage, summary
from filiera.settings import Settings

ERRORS = {
    404: {"model": ErrorBody, "description": "Not found"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
}
Lang = Literal["en", "it"]


def cluster_out(org: Organisation, members: int) -> ClusterOut:
    return ClusterOut(id=org.id, name=org.name, country=org.country, region=org.region,
                      city=org.city, website=org.website, members=members)  # fmt: skip


def project_summary(project: Project) -> ProjectSummary:
    return ProjectSummary.model_validate(project, from_attributes=True)


def project_detail(session: Session, project: Project, viewer: Viewer) -> ProjectDetail:
    """A project with the participants `viewer` may see (others left out), coordinators first."""
    order = {"coordinator": 0, "participant": 1}
    ids = queries.visible_ids(session, viewer, {p.organisation_id for p in project.participations})
    visible = [p for p in project.participations if p.organisation_id in ids]
    parts = sorted(visible, key=lambda p: (order.get(p.role, 2), p.organisation.name))
    return ProjectDetail(
        **project_summary(project).model_dump(),
        objective=project.objective,
        keywords=list(project.keywords or []),
        topic=project.topic,
        type_of_action=project.type_of_action,
        overall_budget=project.overall_budget,
        participants=[
            ParticipantOut(organisation=summary(p.organisation), role=p.role) for p in parts
        ],  # fmt: skip
        source=project.source.name if project.source else None,
        source_credit=project.source.credit if project.source else None,
        markings=list(project.markings or []),
    )


def capability_node(code: str, lang: str) -> TaxonomyNode:
    children = [capability_node(child, lang) for child in taxonomy.children(code)]
    return TaxonomyNode(code=code, label=taxonomy.label(code, lang), children=children)


def capability_tree(lang: str) -> list[TaxonomyNode]:
    """The capability taxonomy as a tree with labels in `lang`."""
    return [capability_node(code, lang) for code in taxonomy.roots()]


def stats_of(figures: dict) -> Stats:
    return Stats(**{k: figures[k] for k in Stats.model_fields if k != "countries"},
                 countries=len(figures["by_country"]))  # fmt: skip


def build_router(settings: Settings) -> APIRouter:
    """Clusters, projects, stats and taxonomy routes under /api."""
    router = APIRouter(prefix="/api", responses=ERRORS)
    max_page = settings.page_size_max
    default_page = min(50, max_page)
    Page = Annotated[int, Query(ge=1)]
    PerPage = Annotated[int, Query(ge=1, le=max_page)]

    @router.get("/clusters", response_model=list[ClusterOut], tags=["clusters"])
    def list_clusters(session: SessionDep, viewer: ViewerDep) -> list[ClusterOut]:
        """Every cluster or association you may see, with its number of visible members."""
        return [cluster_out(o, n) for o, n in queries.clusters(session, viewer=viewer)]

    @router.get("/clusters/{cluster_id}/members", response_model=OrganisationPage,
                tags=["clusters"])  # fmt: skip
    def cluster_members(
        session: SessionDep,
        viewer: ViewerDep,
        cluster_id: Annotated[int, Path(ge=1)],
        page: Page = 1,
        per_page: PerPage = default_page,
    ) -> OrganisationPage:
        """The member directory of one cluster, paged."""
        cluster = queries.get_organisation(session, cluster_id, viewer=viewer)
        if cluster.kind != "cluster":
            raise NotFound(f"cluster {cluster_id} does not exist")
        flt = queries.OrgFilter(cluster=cluster_id)
        rows, total = queries.list_organisations(
            session, flt, viewer=viewer, page=page, per_page=per_page
        )
        return OrganisationPage(data=[summary(o) for o in rows], count=total, page=page,
                                per_page=per_page)  # fmt: skip

    @router.get("/projects", response_model=ProjectPage, tags=["projects"])
    def list_projects(
        session: SessionDep,
        programme: Annotated[str | None, Query(examples=["EDF"])] = None,
        q: Annotated[str | None, Query(description="Title, acronym or call contains")] = None,
        page: Page = 1,
        per_page: PerPage = default_page,
    ) -> ProjectPage:
        """Funded projects, newest first."""
        rows, total = queries.list_projects(
            session, programme=programme, q=q, page=page, per_page=per_page
        )
        return ProjectPage(data=[project_summary(p) for p in rows], count=total, page=page,
                           per_page=per_page)  # fmt: skip

    @router.get("/projects/{project_id}", response_model=ProjectDetail, tags=["projects"])
    def get_project(
        session: SessionDep, viewer: ViewerDep, project_id: Annotated[int, Path(ge=1)]
    ) -> ProjectDetail:
        """A project with the participants you may see and their roles."""
        return project_detail(session, queries.get_project(session, project_id), viewer)

    @router.get("/stats", response_model=Stats, tags=["stats"])
    def stats(session: SessionDep, viewer: ViewerDep) -> Stats:
        """Ecosystem figures (of what you may see): counts, EU contribution, by country, kind."""
        return stats_of(queries.figures(session, viewer=viewer))

    @router.get("/taxonomy/capabilities", response_model=list[TaxonomyNode], tags=["taxonomy"])
    def capabilities(lang: Lang = "en") -> list[TaxonomyNode]:
        """The capability taxonomy as a tree, labelled in English or Italian."""
        return capability_tree(lang)

    return router
