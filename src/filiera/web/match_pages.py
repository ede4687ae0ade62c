"""Web pages of matchmaking: the search page and its CSV (needs and theses: need_pages)."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from filiera.errors import ValidationFailed
from filiera.http.deps import SessionDep, ViewerDep
from filiera.http.downloads import csv_response
from filiera.match import shortlists
from filiera.match.engine import SHORT_PROJECT_POWER
from filiera.match.export import add_markings_header, match_csv
from filiera.match.requests import OFFSET_MAX, TOP_MAX, MatchRequest
from filiera.match.service import MatchResult, run
from filiera.registry.schemas import parse
from filiera.web.forms import from_form
from filiera.web.pages import _lang, taxonomy_options
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
MATCH_PAGE = 20  # results per page
PAGE_MAX = OFFSET_MAX // MATCH_PAGE + 1
MATCH_PARAMS = (  # `text_lang`: the text's language (`lang` is the page's)
    "q",
    "text_lang",
    "country",
    "region",
    "kind",
    "capability",
    "certification",
    "sme",
    "include_synthetic",
)


@dataclass
class Paging:
    """Where a page of results sits: what the pager macro reads."""

    page: int
    pages: int
    offset: int


def match_form(
    raw: dict[str, str], explain_lang: str, *, top: int = MATCH_PAGE, page: int = 1
) -> dict[str, object]:
    """The match form's fields as a `MatchRequest` (blank fields mean "any"): `top` results
    from page `page`."""
    given = from_form(raw)
    data: dict[str, object] = {"text": given.get("q", ""), "top": top}
    data["offset"] = (page - 1) * top
    data["explain_lang"] = explain_lang
    data["country"] = given.get("country", "").replace(",", " ").upper().split()
    data["kind"] = [given["kind"]] if "kind" in given else []
    data["sme"] = given.get("sme") == "1"
    if "text_lang" in given:
        data["lang"] = given["text_lang"]
    for name in ("region", "capability", "certification", "include_synthetic"):
        if name in given:
            data[name] = given[name]
    return data


def match_params(request: Request) -> dict[str, str]:
    """The match form's fields from the query string (blank when not given)."""
    return {k: request.query_params.get(k, "").strip() for k in MATCH_PARAMS}


def page_number(request: Request) -> int:
    """`?page=` as a page from 1 to PAGE_MAX (anything else: the first page)."""
    raw = request.query_params.get("page", "")
    return min(max(int(raw), 1), PAGE_MAX) if raw.isdigit() else 1


def paging(result: MatchResult, page: int) -> Paging:
    pages = min(math.ceil(result.candidates / MATCH_PAGE), PAGE_MAX)
    return Paging(page, pages, result.offset)


def csv_link(raw: dict[str, str]) -> str:
    """The URL of the same search as CSV (`/match.csv` with the form's non-blank fields)."""
    return "/match.csv?" + urlencode({k: v for k, v in raw.items() if v})


def link_with(raw: dict[str, str], **changes: str) -> str:
    """The results page of the same search with some fields changed (from page 1)."""
    return "/match?" + urlencode({k: v for k, v in (raw | changes).items() if v})


def save_context(session, viewer, result: MatchResult) -> dict[str, object]:
    """The viewer's own lists and where each result is saved already (signed-in only)."""
    if not viewer.signed_in or viewer.user_id is None:
        return {"my_lists": None, "saved": {}}
    mine = [s for s in shortlists.list_shortlists(session, viewer) if s.mine]
    ids = [hit.org_id for hit in result.results]
    return {"my_lists": mine, "saved": shortlists.saved_in(session, viewer, ids)}


@router.get("/match", response_class=HTMLResponse)
def match_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """Free text in four languages, filters, and explained results page by page (ranks go
    on: 21, 22...); bad fields are shown above the form."""
    raw = match_params(request)
    context = {
        "result": None,
        "filters": raw,
        "error": None,
        "options": taxonomy_options(_lang(request)),
        "short_need_power": SHORT_PROJECT_POWER,  # at it, the page says the search was short
    }
    if raw["q"]:
        page = page_number(request)
        try:
            form = match_form(raw, _lang(request), page=page)
            wanted = parse(MatchRequest, form, "match form")
            result = run(session, viewer, wanted)
            context |= {"result": result, "paging": paging(result, page)}
            context |= save_context(session, viewer, result)
            context["csv_url"] = csv_link(raw)
            context["show_synthetic_url"] = link_with(raw, include_synthetic="1")
            context["hide_synthetic_url"] = link_with(raw, include_synthetic="0")
        except ValidationFailed as error:
            context["error"] = error
    status = context["error"].status if context["error"] else 200
    return render(request, "match.html", context, status=status)


@router.get("/match.csv")
def match_csv_download(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The results page's "Download CSV" link: the same search run again, as CSV, from the
    first result (up to TOP_MAX rows; bad fields: 422)."""
    raw = match_params(request)
    wanted = parse(MatchRequest, match_form(raw, _lang(request), top=TOP_MAX), "match form")
    out = io.StringIO()
    export = match_csv(session, viewer, run(session, viewer, wanted), out)
    response = csv_response(out.getvalue(), export, "match.csv")
    add_markings_header(response.headers, export)
    return response
