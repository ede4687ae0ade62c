"""Web pages of consortium building: the builder (alternatives side by side, each with a
map of its countries, lock and exclude links that re-run it) and the checker.

Both are GET forms, so a result is a URL that can be bookmarked and run again. Building
is exact optimisation and costs seconds of CPU: both pages ask visitors to sign in first.
The rules live in `consortia.service` (`build`, `check`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.consortia import calls, checker, service
from filiera.consortia.schemas import BuildIn, BuildOut, CheckIn, MemberOut
from filiera.errors import NotFound, ValidationFailed
from filiera.http.deps import SessionDep, ViewerDep
from filiera.needs.service import acting_for, may
from filiera.registry.schemas import parse
from filiera.web.consortium_words import (
    REF_FIELDS,
    RULE_SETS,
    error_lines,
    refs,
    rule_set_title,
    sign_in_first,
    unknown_ref,
)
from filiera.web.i18n import translator
from filiera.web.pages import _lang
from filiera.web.render import country_name, render

router = APIRouter(include_in_schema=False)
BUILD_PARAMS = (
    "call",
    "text",
    "rules",
    "size_min",
    "size_max",
    "alternatives",
    "with",
    "without",
    "collaboration",
    "newcomer",
)
NUMBERS = ("size_min", "size_max", "alternatives", "collaboration", "newcomer")
CHECK_PARAMS = ("call", "members", "rules")
SHOWN = (ValidationFailed, NotFound)  # shown above the form; the rest gets the error page


def query_values(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip() for name in names}


def form_options(session: Session, viewer: Viewer) -> dict[str, Any]:
    """The calls and rule sets the forms offer."""
    return {"calls": calls.list_calls(session, viewer), "rule_sets": RULE_SETS}


# --- building ---------------------------------------------------------------------------------


def build_input(raw: dict[str, str], lang: str) -> dict[str, Any]:
    """The builder form as BuildIn fields (blank: the call's or the default value)."""
    data: dict[str, Any] = {
        "with": refs(raw["with"]),
        "without": refs(raw["without"]),
        "explain_lang": lang,
    }
    if raw["call"]:
        data["call_id"] = raw["call"]
    for name in ("text", "rules", *NUMBERS):
        if raw[name]:
            data[name] = raw[name].replace(",", ".") if name in NUMBERS else raw[name]
    return data


def build_url(raw: dict[str, str], **changes: str) -> str:
    """The builder's URL for the same request with some fields changed."""
    merged = {k: v for k, v in (raw | changes).items() if v}
    return "/consortia/build?" + urlencode(merged)


def member_links(raw: dict[str, str], member: MemberOut) -> dict[str, str]:
    """Where the member's lock, unlock and exclude buttons go: the same build with the
    member added to (or taken out of) the fixed and excluded partners."""
    own = {str(member.org_id), member.pic or ""}
    fixed = [ref for ref in refs(raw["with"]) if ref not in own]
    left_out = [ref for ref in refs(raw["without"]) if ref not in own]
    me = str(member.org_id)
    return {
        "lock": build_url(raw, **{"with": " ".join([*fixed, me]), "without": " ".join(left_out)}),
        "unlock": build_url(raw, **{"with": " ".join(fixed)}),
        "exclude": build_url(
            raw, **{"with": " ".join(fixed), "without": " ".join([*left_out, me])}
        ),
    }


@router.get("/consortia/build", response_class=HTMLResponse)
def build_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The builder form and, once a call or a text is given, the alternatives."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    lang = _lang(request)
    raw = query_values(request, BUILD_PARAMS)
    context: dict[str, Any] = {"form": raw, "result": None, "error": None, "lines": []}
    context |= form_options(session, viewer)
    if raw["call"] or raw["text"]:
        try:
            result = service.build(session, viewer, parse(BuildIn, build_input(raw, lang), "form"))
            context |= result_context(session, viewer, raw, result, lang)
        except SHOWN as error:
            given = {"with": refs(raw["with"]), "without": refs(raw["without"])}
            context |= _error(session, viewer, error, lang, given)
    status = context["error"].status if context["error"] else 200
    return render(request, "consortium_build.html", context, status=status)


def _error(
    session: Session,
    viewer: Viewer,
    error: ValidationFailed | NotFound,
    lang: str,
    given: dict[str, list[str]],
) -> dict[str, Any]:
    """The error above the form, naming the organisation reference that was not found."""
    named = [d.get("field") for d in error.errors]
    unknown = None
    if isinstance(error, NotFound) and any(f in REF_FIELDS for f in named):
        unknown = unknown_ref(session, viewer, given)
    sentence, lines = error_lines(error, lang, unknown)
    return {"error": error, "sentence": sentence, "lines": lines}


def result_context(
    session: Session, viewer: Viewer, raw: dict[str, str], result: BuildOut, lang: str
) -> dict[str, Any]:
    """The alternatives with their maps, links and the save-as-bid form's owners."""
    title, title_lang = rule_set_title(result.rules["name"], result.rules["title"], lang)
    return {
        "result": result,
        "rule_set_title": title,
        "rule_set_lang": title_lang,
        "maps": [country_map(c.countries, lang) for c in result.consortia],
        "links": [{m.org_id: member_links(raw, m) for m in c.members} for c in result.consortia],
        "owners": acting_for(session, viewer) if may(viewer, "bid.create") else [],
        "bid_title": bid_title(raw, result, lang),
    }


def bid_title(raw: dict[str, str], result: BuildOut, lang: str) -> str:
    """A first title for a saved alternative: the call's, else the start of the text."""
    if result.call:
        return str(result.call["title"])[:280]
    text = raw["text"]
    return translator(lang)("consortia.bid_for", text=text[:60] + ("…" if len(text) > 60 else ""))


# --- the map of a consortium's countries ---------------------------------------------------

# A tile map of Europe: (column, row) of each country, so the chart needs no base-map
# download (Plotly's geo traces fetch their topojson from a CDN; Filiera works offline).
TILES = {
    "IS": (0, 0), "NO": (3, 0), "SE": (4, 0), "FI": (5, 0),
    "IE": (0, 1), "GB": (1, 1), "DK": (3, 1), "EE": (5, 1),
    "NL": (2, 2), "DE": (3, 2), "PL": (4, 2), "LV": (5, 2),
    "BE": (2, 3), "LU": (3, 3), "CZ": (4, 3), "LT": (5, 3), "BY": (6, 3),
    "FR": (2, 4), "CH": (3, 4), "AT": (4, 4), "SK": (5, 4), "UA": (6, 4),
    "PT": (0, 5), "ES": (1, 5), "IT": (3, 5), "SI": (4, 5), "HU": (5, 5), "RO": (6, 5),
    "MD": (7, 5),
    "MT": (3, 6), "HR": (4, 6), "RS": (5, 6), "BG": (6, 6),
    "BA": (4, 7), "ME": (5, 7), "MK": (6, 7), "TR": (7, 7),
    "AL": (5, 8), "GR": (6, 8), "CY": (7, 8),
}  # fmt: skip
EMPTY_TILE, FULL_TILE = "#e3e8ef", "#1d4e89"


def country_map(countries: dict[str, int], lang: str) -> dict[str, Any]:
    """A Plotly figure: Europe's countries as tiles, those of a consortium coloured with
    their number of partners (`countries`: code -> partners; the page lists them too)."""
    t = translator(lang)
    counts = {code: n for code, n in countries.items() if code in TILES}
    codes = list(TILES)
    hover = [
        t("consortia.map_partners", count=counts.get(c, 0), country=country_name(c, lang))
        for c in codes
    ]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers+text",
                "x": [TILES[c][0] for c in codes],
                "y": [TILES[c][1] for c in codes],
                "text": [f"{c} {counts[c]}" if c in counts else c for c in codes],
                "hovertext": hover,
                "hoverinfo": "text",
                "textfont": {
                    "size": 10,
                    "color": ["#ffffff" if c in counts else "#5b6b7c" for c in codes],
                },
                "marker": {
                    "symbol": "square",
                    "size": 30,
                    "color": [FULL_TILE if c in counts else EMPTY_TILE for c in codes],
                },
            }
        ],
        "layout": {
            "margin": {"l": 2, "r": 2, "t": 2, "b": 2},
            "height": 300,
            "showlegend": False,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "xaxis": {"visible": False, "fixedrange": True, "range": [-0.7, 7.7]},
            "yaxis": {"visible": False, "fixedrange": True, "range": [8.7, -0.7]},
        },
    }


# --- checking ---------------------------------------------------------------------------------


@router.get("/consortia/check", response_class=HTMLResponse)
def check_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """Partners typed in (id or PIC, one per line) checked against a rule set."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    lang = _lang(request)
    raw = query_values(request, CHECK_PARAMS)
    context: dict[str, Any] = {"form": raw, "result": None, "error": None, "lines": []}
    context |= form_options(session, viewer)
    if raw["members"]:
        data: dict[str, Any] = {"members": refs(raw["members"])}
        if raw["call"]:
            data["call_id"] = raw["call"]
        if raw["rules"]:
            data["rules"] = raw["rules"]
        try:
            result = checker.check(session, viewer, parse(CheckIn, data, "form"))
            context["result"] = result
            context["map"] = country_map(result.countries, lang)
            name = raw["rules"] or _call_rules(session, viewer, raw["call"])
            context["rule_set_title"] = rule_set_title(name, name, lang)
        except SHOWN as error:
            context |= _error(session, viewer, error, lang, {"members": data["members"]})
    status = context["error"].status if context["error"] else 200
    return render(request, "consortium_check.html", context, status=status)


def _call_rules(session: Session, viewer: Viewer, call_id: str) -> str:
    """The rule set of the chosen call (the check already found the call), else `open`."""
    if call_id.isdigit():
        return calls.get_call(session, viewer, int(call_id)).rules
    return "open"
