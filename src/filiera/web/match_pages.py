"""Web pages of matchmaking: the search page, needs and their candidates, theses."""

from __future__ import annotations

import io
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from filiera.errors import FilieraError, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.http.downloads import csv_response
from filiera.match.export import match_csv
from filiera.match.requests import MatchRequest
from filiera.match.service import run
from filiera.needs import service
from filiera.needs.schemas import InterestIn
from filiera.registry.schemas import parse
from filiera.web.forms import from_form
from filiera.web.pages import _lang, filter_options
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
MATCH_TOP = 30
MATCH_PARAMS = ("q", "lang", "country", "region", "kind", "capability", "certification", "sme")


def match_form(raw: dict[str, str], explain_lang: str) -> dict[str, object]:
    """The match form's fields as a `MatchRequest` (blank fields mean "any")."""
    given = from_form(raw)
    data: dict[str, object] = {"text": given.get("q", ""), "top": MATCH_TOP}
    data["explain_lang"] = explain_lang
    data["country"] = given.get("country", "").replace(",", " ").upper().split()
    data["kind"] = [given["kind"]] if "kind" in given else []
    data["sme"] = given.get("sme") == "1"
    for name in ("lang", "region", "capability", "certification"):
        if name in given:
            data[name] = given[name]
    return data


def match_params(request: Request) -> dict[str, str]:
    """The match form's fields from the query string (blank when not given)."""
    return {k: request.query_params.get(k, "").strip() for k in MATCH_PARAMS}


def csv_link(raw: dict[str, str]) -> str:
    """The URL of the same search as CSV (`/match.csv` with the form's non-blank fields)."""
    return "/match.csv?" + urlencode({k: v for k, v in raw.items() if v})


@router.get("/match", response_class=HTMLResponse)
def match_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Free text in four languages, filters, and explained results; bad fields are shown."""
    raw = match_params(request)
    context = {
        "result": None,
        "filters": raw,
        "error": None,
        "options": filter_options(session, viewer, _lang(request)),
    }
    if raw["q"]:
        try:
            wanted = parse(MatchRequest, match_form(raw, _lang(request)), "match form")
            context["result"] = run(session, viewer, wanted)
            context["csv_url"] = csv_link(raw)
        except ValidationFailed as error:
            context["error"] = error
    status = context["error"].status if context["error"] else 200
    return render(request, "match.html", context, status=status)


@router.get("/match.csv")
def match_csv_download(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The results page's "CSV" link: the same search run again, as CSV (bad fields: 422)."""
    raw = match_params(request)
    wanted = parse(MatchRequest, match_form(raw, _lang(request)), "match form")
    out = io.StringIO()
    export = match_csv(session, viewer, run(session, viewer, wanted), out)
    return csv_response(out.getvalue(), export, "match.csv")


@router.get("/needs", response_class=HTMLResponse)
def needs_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    rows = service.list_needs(session, viewer)
    theses = service.list_theses(session, viewer)
    return render(request, "needs.html", {"needs": rows, "theses": theses})


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def need_page(
    request: Request, session: SessionDep, viewer: ViewerDep, need_id: RecordId
) -> HTMLResponse:
    return _need_page(request, session, viewer, need_id)


def _need_page(request, session, viewer, need_id: int, error: FilieraError | None = None):
    need = service.get_need(session, viewer, need_id)
    result = service.candidates(session, viewer, need_id, top=20, explain_lang=_lang(request))
    interests = service.interests_of(session, viewer, need_id)
    context = {
        "need": service.need_out(need, service.interest_count(session, viewer, need)),
        "result": result,
        "interests": interests,
        "error": error,
        "my_orgs": sorted(viewer.org_ids),
    }
    return render(request, "need.html", context, status=error.status if error else 200)


@router.post("/needs/{need_id}/interest", response_class=HTMLResponse)
def express_interest(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    need_id: RecordId,
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
    request: Request, session: SessionDep, viewer: ViewerDep, thesis_id: RecordId
) -> HTMLResponse:
    thesis = service.get_thesis(session, viewer, thesis_id)
    result = service.startups_for(session, viewer, thesis_id, top=20, explain_lang=_lang(request))
    context = {"thesis": service.thesis_out(thesis), "result": result}
    return render(request, "thesis.html", context)
