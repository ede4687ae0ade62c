"""Funded projects (EDF, Horizon...) with the participants a viewer may see."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.directory.profiles import OrganisationSummary, summary
from filiera.directory.service import audit_listing
from filiera.registry.models import Project

ROLE_ORDER = {"coordinator": 0, "participant": 1}


class ProjectFilter(BaseModel):
    """Filters of the projects list; they combine with AND."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    programme: Annotated[str | None, Field(max_length=20, examples=["EDF"])] = None
    year: Annotated[int | None, Field(ge=1950, le=2100, description="Start year")] = None
    q: Annotated[
        str | None, Field(max_length=200, description="Title, acronym or call contains")
    ] = None


class ProjectSummary(BaseModel):
    id: int = Field(examples=[12])
    programme: str = Field(examples=["EDF"])
    external_id: str = Field(examples=["101103254"])
    acronym: str | None = Field(default=None, examples=["EPC"])
    title: str = Field(examples=["European Patrol Corvette"])
    call_identifier: str | None = Field(default=None, examples=["EDF-2021-NAVAL-D-EPC"])
    status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    eu_contribution: float | None = Field(
        default=None, examples=[60_000_000.0], description="The project's total EU contribution"
    )
    participant_count: int = Field(default=0, examples=[14], description="Participants you may see")


class ParticipantOut(BaseModel):
    organisation: OrganisationSummary
    role: str = Field(examples=["coordinator"])
    contribution: float | None = Field(
        default=None,
        description="The participant's own EU contribution, where the source gives it",
    )


class ProjectDetail(ProjectSummary):
    objective: str | None = None
    keywords: list[str] = Field(default_factory=list)
    topic: str | None = None
    type_of_action: str | None = None
    overall_budget: float | None = None
    participants: list[ParticipantOut] = Field(default_factory=list)
    source: str | None = None
    source_credit: str | None = None
    markings: list[str] = Field(default_factory=list)


class ProjectPage(BaseModel):
    """A page of projects: `{data, count, page, per_page}`."""

    data: list[ProjectSummary]
    count: int
    page: int
    per_page: int


class ProjectOptions(BaseModel):
    """The choices of the projects list's filters."""

    programmes: list[str]
    years: list[int]


def project_summary(project: Project, participants: int) -> ProjectSummary:
    out = ProjectSummary.model_validate(project, from_attributes=True)
    out.participant_count = participants
    return out


def list_projects(
    session: Session,
    viewer: Viewer,
    flt: ProjectFilter,
    *,
    page: int = 1,
    per_page: int = 50,
) -> ProjectPage:
    """Funded projects, newest first, filtered; each with the count of participants `viewer`
    may see (projects are public; who took part follows the visibility rule)."""
    rows, total = queries.list_projects(
        session,
        programme=flt.programme,
        year=flt.year,
        q=flt.q,
        page=page,
        per_page=per_page,
    )
    counts = queries.visible_participants(session, viewer, [p.id for p in rows])
    data = [project_summary(p, counts.get(p.id, 0)) for p in rows]
    return ProjectPage(data=data, count=total, page=page, per_page=per_page)


def project_options(session: Session) -> ProjectOptions:
    """Programmes and start years to filter the projects list by."""
    programmes, years = queries.project_options(session)
    return ProjectOptions(programmes=programmes, years=years)


def project_detail(session: Session, viewer: Viewer, project_id: int) -> ProjectDetail:
    """A project with the participants `viewer` may see (others left out), coordinators first."""
    project = queries.get_project(session, project_id)
    ids = queries.visible_ids(session, viewer, {p.organisation_id for p in project.participations})
    visible = [p for p in project.participations if p.organisation_id in ids]
    parts = sorted(
        visible,
        key=lambda p: (ROLE_ORDER.get(p.role, 2), p.organisation.name_key, p.organisation.name),
    )
    participants = [
        ParticipantOut(
            organisation=summary(p.organisation), role=p.role, contribution=p.contribution
        )
        for p in parts
    ]
    what = f"participants of project {project_id}"
    audit_listing(session, viewer, [p.organisation for p in parts], what)
    return ProjectDetail(
        **project_summary(project, len(parts)).model_dump(),
        objective=project.objective,
        keywords=list(project.keywords or []),
        topic=project.topic,
        type_of_action=project.type_of_action,
        overall_budget=project.overall_budget,
        participants=participants,
        source=project.source.name if project.source else None,
        source_credit=project.source.credit if project.source else None,
        markings=list(project.markings or []),
    )
