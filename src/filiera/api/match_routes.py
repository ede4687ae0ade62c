"""`POST /api/match`, needs and theses CRUD, candidates, interests and opportunities."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from filiera.api.auth import ViewerDep
from filiera.api.deps import SessionDep
from filiera.api.models import ErrorBody
from filiera.match.engine import MatchFilters
from filiera.match.service import match
from filiera.match.views import Explanation, MatchOut, match_out
from filiera.needs import service
from filiera.needs.schemas import (
    InterestIn,
    InterestOut,
    NeedIn,
    NeedOut,
    NeedPatch,
    ThesisIn,
    ThesisOut,
)
from filiera.registry.schemas import OrgKind

router = APIRouter(
    prefix="/api",
    tags=["matchmaking"],
    responses={
        401: {"model": ErrorBody, "description": "Sign in first"},
        403: {"model": ErrorBody, "description": "Not allowed for this role or organisation"},
        404: {"model": ErrorBody, "description": "No such record (or not visible to you)"},
        422: {"model": ErrorBody, "description": "Invalid input; every bad field is listed"},
    },
)
Id = Annotated[int, Path(ge=1)]
Top = Annotated[int, Query(ge=1, le=200)]


class MatchIn(BaseModel):
    """Free text in en/it/fr/de plus optional hard filters."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "text": "munizioni di artiglieria da 155 mm, aumento della capacità produttiva",
            "country": ["IT", "DE", "FR"], "kind": ["sme", "midcap"], "top": 20,
        }]},
    )  # fmt: skip
    text: str = Field(min_length=2, max_length=20_000)
    lang: Literal["en", "it", "fr", "de"] | None = Field(
        default=None, description="Language of the text; detected when omitted"
    )
    explain_lang: Literal["en", "it", "fr", "de"] | None = Field(
        default=None, description="Language of the explanations (default: the text's)"
    )
    country: list[Annotated[str, Field(pattern="^[A-Za-z]{2}$")]] = Field(
        default_factory=list, max_length=60, description="Eligible countries (any of)"
    )
    region: str | None = Field(default=None, max_length=5, examples=["ITC4"])
    kind: list[OrgKind] = Field(default_factory=list, max_length=11)
    sme: bool = Field(default=False, description="SMEs and start-ups only")
    certification: str | None = Field(default=None, max_length=40, examples=["en9100"])
    capability: str | None = Field(default=None, max_length=60, examples=["munitions"])
    cluster: int | None = Field(default=None, ge=1)
    synthetic: bool = Field(default=True, description="Include synthetic demo records")
    top: int = Field(default=50, ge=1, le=200)

    def filters(self) -> MatchFilters:
        return MatchFilters(
            countries=self.country, region=self.region, kinds=list(self.kind),
            sme_only=self.sme, certification=self.certification,
            capability=self.capability, cluster=self.cluster,
            include_synthetic=self.synthetic,
        )  # fmt: skip


@router.post("/match", response_model=MatchOut)
def match_text(session: SessionDep, viewer: ViewerDep, body: Annotated[MatchIn, Body()]):
    """Rank the organisations you may see for a need, a challenge or a thesis, with reasons."""
    result = match(session, viewer, body.text, lang=body.lang, filters=body.filters(),
                   top=body.top, explain_lang=body.explain_lang)  # fmt: skip
    return match_out(result)


@router.get("/needs", response_model=list[NeedOut], tags=["needs"])
def list_needs(
    session: SessionDep,
    viewer: ViewerDep,
    status: Literal["open", "closed", "all"] = "open",
    owner: Annotated[int | None, Query(ge=1)] = None,
) -> list[NeedOut]:
    """Needs and challenges you may see, newest first."""
    rows = service.list_needs(session, viewer, status=None if status == "all" else status,
                              owner_id=owner)  # fmt: skip
    return [service.need_out(need, count) for need, count in rows]


@router.post("/needs", response_model=NeedOut, status_code=201, tags=["needs"])
def publish_need(session: SessionDep, viewer: ViewerDep, body: Annotated[NeedIn, Body()]):
    """Publish a need for your organisation (buyers, cluster managers, admins)."""
    return service.need_out(service.publish_need(session, viewer, body))


@router.get("/needs/{need_id}", response_model=NeedOut, tags=["needs"])
def get_need(session: SessionDep, viewer: ViewerDep, need_id: Id) -> NeedOut:
    need = service.get_need(session, viewer, need_id)
    return service.need_out(need, len(need.interests))


@router.patch("/needs/{need_id}", response_model=NeedOut, tags=["needs"])
def change_need(
    session: SessionDep, viewer: ViewerDep, need_id: Id, body: Annotated[NeedPatch, Body()]
) -> NeedOut:
    """Change a need (its publisher's users and admins)."""
    return service.need_out(service.change_need(session, viewer, need_id, body))


@router.delete("/needs/{need_id}", status_code=204, response_class=Response, tags=["needs"])
def delete_need(session: SessionDep, viewer: ViewerDep, need_id: Id) -> Response:
    service.delete_need(session, viewer, need_id)
    return Response(status_code=204)


@router.get("/needs/{need_id}/candidates", response_model=MatchOut, tags=["needs"])
def need_candidates(session: SessionDep, viewer: ViewerDep, need_id: Id, top: Top = 20):
    """Organisations ranked for the need, with reasons (eligible countries applied)."""
    return match_out(service.candidates(session, viewer, need_id, top))


@router.post("/needs/{need_id}/interest", response_model=InterestOut, status_code=201,
             tags=["needs"])  # fmt: skip
def express_interest(
    session: SessionDep, viewer: ViewerDep, need_id: Id, body: Annotated[InterestIn, Body()]
) -> InterestOut:
    """Your organisation can help with this need (member users, cluster managers, admins)."""
    interest = service.express_interest(session, viewer, need_id, body)
    return InterestOut(need_id=interest.need_id, organisation_id=interest.organisation_id,
                       organisation=interest.organisation.name, note=interest.note,
                       created_at=interest.created_at)  # fmt: skip


@router.get("/needs/{need_id}/interest", response_model=list[InterestOut], tags=["needs"])
def list_interest(session: SessionDep, viewer: ViewerDep, need_id: Id) -> list[InterestOut]:
    """Interests in the need: all for its publisher and admins, your own for others."""
    return service.interests_of(session, viewer, need_id)


@router.get("/theses", response_model=list[ThesisOut], tags=["theses"])
def list_theses(session: SessionDep, viewer: ViewerDep) -> list[ThesisOut]:
    return [service.thesis_out(t) for t in service.list_theses(session, viewer)]


@router.post("/theses", response_model=ThesisOut, status_code=201, tags=["theses"])
def publish_thesis(session: SessionDep, viewer: ViewerDep, body: Annotated[ThesisIn, Body()]):
    """Publish an investment thesis for your investor organisation (investors, admins)."""
    return service.thesis_out(service.publish_thesis(session, viewer, body))


@router.get("/theses/{thesis_id}", response_model=ThesisOut, tags=["theses"])
def get_thesis(session: SessionDep, viewer: ViewerDep, thesis_id: Id) -> ThesisOut:
    return service.thesis_out(service.get_thesis(session, viewer, thesis_id))


@router.delete("/theses/{thesis_id}", status_code=204, response_class=Response,
               tags=["theses"])  # fmt: skip
def delete_thesis(session: SessionDep, viewer: ViewerDep, thesis_id: Id) -> Response:
    service.delete_thesis(session, viewer, thesis_id)
    return Response(status_code=204)


@router.get("/theses/{thesis_id}/startups", response_model=MatchOut, tags=["theses"])
def thesis_startups(session: SessionDep, viewer: ViewerDep, thesis_id: Id, top: Top = 20):
    """Start-ups and SMEs ranked for the thesis."""
    return match_out(service.startups_for(session, viewer, thesis_id, top))


class Opportunity(BaseModel):
    id: int
    title: str
    owner: str
    score: float
    rank: int = Field(description="This organisation's rank among eligible ones")
    of: int
    explanations: list[Explanation]


class OpportunitiesOut(BaseModel):
    needs: list[Opportunity]
    theses: list[Opportunity]


@router.get("/organisations/{org_id}/opportunities", response_model=OpportunitiesOut,
            tags=["matchmaking"])  # fmt: skip
def opportunities(
    session: SessionDep, viewer: ViewerDep, org_id: Id, top: Top = 10
) -> dict[str, Any]:
    """Open needs and investment theses that fit this organisation, best first."""
    return service.opportunities(session, viewer, org_id, top)
