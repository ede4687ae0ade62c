"""Web pages of matchmaking: the search page, needs and their candidates, theses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.api.auth import ViewerDep, check_csrf
from filiera.api.deps import SessionDep
from filiera.errors import FilieraError
from filiera.match.engine import MatchFilters
from filiera.match.service import match
from filiera.needs import service
from filiera.needs.schemas import InterestIn
from filiera.registry.models import ORG_KINDS
from filiera.web.pages import _lang, filter_options
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, PathParam(ge=1)]
MATCH_TOP = 30
MAX_TEXT = 20_000
MATCH_PARAMS = ("q", "lang", "country", "region", "kind", "capability", "certification", "sme")


def match_filters(request: Request) -> tuple[MatchFilters, dict[str, str]]:
    params = request.query_params
    raw = {k: params.get(k, "").strip() for k in MATCH_PARAMS}
    kind = raw["kind"] if raw["kind"] in ORG_KINDS else ""
    flt = MatchFilters(
        countries=[c for c in raw["country"].replace(",", " ").upper().split() if len(c) == 2],
        region=raw["region"][:5] or None, kinds=[kind] if kind else [],
        sme_only=raw["sme"] == "1", certification=raw["certification"] or None,
        capability=raw["capability"] or None,
    )  # fmt: skip
    return flt, raw


@router.get("/match", response_class=HTMLResponse)
def match_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Free text in four languages, filters, and explained results."""
    flt, raw = match_filters(request)
    lang = raw["lang"] if raw["lang"] in ("en", "it", "fr", "de") else None
    result = None
    if len(raw["q"]) >= 2:
        result = match(session, viewer, raw["q"][:MAX_TEXT], lang=lang, filters=flt,
                       top=MATCH_TOP, explain_lang=_lang(request))  # fmt: skip
    context = {"result": result, "filters": raw,
               "options": filter_options(session, viewer, _lang(request))}  # fmt: skip
    return render(request, "match.html", context)


@router.get("/needs", response_class=HTMLResponse)
def needs_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    rows = service.list_needs(session, viewer)
    theses = service.list_theses(session, viewer)
    return render(request, "needs.html", {"needs": rows, "theses": theses})


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def need_page(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: Id
) -> HTMLResponse:
    return _need_page(request, session, viewer, need_id)


def _need_page(request, session, viewer, need_id: int, error: FilieraError | None = None):
    need = service.get_need(session, viewer, need_id)
    result = service.candidates(session, viewer, need_id, top=20, explain_lang=_lang(request))
    interests = service.interests_of(session, viewer, need_id)
    context = {"need": service.need_out(need, len(need.interests)), "result": result,
               "interests": interests, "error": error,
               "my_orgs": sorted(viewer.org_ids)}  # fmt: skip
    return render(request, "need.html", context, status=error.status if error else 200)


@router.post("/needs/{need_id}/interest", response_class=HTMLResponse)
def express_interest(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    need_id: Id,
    organisation_id: Annotated[int, Form(ge=1)],
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        with session.begin_nested():
            data = InterestIn(organisation_id=organisation_id, note=note or None)
            service.express_interest(session, viewer, need_id, data)
    except FilieraError as error:
        if error.status in (401, 403, 404):
            raise
        return _need_page(request, session, viewer, need_id, error)
    return RedirectResponse(f"/needs/{need_id}", status_code=303)


@router.get("/theses/{thesis_id}", response_class=HTMLResponse)
def thesis_page(
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: Id
) -> HTMLResponse:
    thesis = service.get_thesis(session, viewer, thesis_id)
    result = service.startups_for(session, viewer, thesis_id, top=20,
                                  explain_lang=_lang(request))  # fmt: skip
    context = {"thesis": service.thesis_out(thesis), "result": result}
    return render(request, "thesis.html", context)
