"""`/match/why-not`: the results page's "Why not…?" answer for one organisation."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from filiera.errors import ValidationFailed
from filiera.http.deps import SessionDep, ViewerDep
from filiera.match import whynot
from filiera.match.org_names import find_by_name
from filiera.match.whynot_shapes import WhyNotRequest
from filiera.registry.schemas import parse
from filiera.web.match_pages import MATCH_PAGE, match_form, match_params
from filiera.web.pages import _lang
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
NAME_MAX = 300


def search_link(raw: dict[str, str], **extra: str) -> str:
    """The results page of the same search (or this page, with `extra` fields)."""
    path = "/match/why-not?" if extra else "/match?"
    return path + urlencode({k: v for k, v in (raw | extra).items() if v})


def chosen_org(request: Request, session, viewer) -> tuple[int | None, list[tuple[int, str]]]:
    """The organisation asked about: `?org=ID`, else `?name=` found among the organisations
    the viewer may see (one: that one; several: the choices)."""
    raw = request.query_params.get("org", "").strip()
    if raw.isdigit():
        return int(raw), []
    name = request.query_params.get("name", "").strip()[:NAME_MAX]
    found = find_by_name(session, viewer, name) if name else []
    return (found[0][0], found) if len(found) == 1 else (None, found)


@router.get("/match/why-not", response_class=HTMLResponse)
def why_not_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Why an organisation is not on the first page of a search (or why it is); a name
    that is not one organisation the viewer may see lists the closest ones, or says so."""
    raw = match_params(request)
    name = request.query_params.get("name", "").strip()[:NAME_MAX]
    org_id, choices = chosen_org(request, session, viewer)
    context = {
        "filters": raw,
        "name": name,
        "answer": None,
        "choices": [(i, n, search_link(raw, org=str(i))) for i, n in choices],
        "error": None,
        "missing": None,
        "back_url": search_link(raw),
    }
    status = 200
    if org_id is not None:
        try:
            form = match_form(raw, _lang(request), top=MATCH_PAGE) | {"organisation_id": org_id}
            wanted = parse(WhyNotRequest, form, "match form")
            context["answer"] = whynot.run(session, viewer, wanted)
        except ValidationFailed as error:
            context["error"], status = error, error.status
    elif not choices:  # no name, or none the viewer may see comes close
        context["missing"] = "unknown" if name else "empty"
        status = 404 if name else 422
    return render(request, "whynot.html", context, status=status)
