"""The web UI's pages: server-rendered HTML in English or Italian."""

from __future__ import annotations

import io
import math
from functools import cache
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.directory import clusters, invitations, queries, review, service
from filiera.directory import figures as ecosystem
from filiera.directory.export import directory_csv
from filiera.directory.filters import OrgFilter
from filiera.directory.listing import DirectoryPage, directory_page
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.http.downloads import csv_response
from filiera.needs.service import opportunities
from filiera.registry import taxonomy
from filiera.registry.models import ORG_KINDS
from filiera.registry.schemas import parse
from filiera.web import assets, charts
from filiera.web.forms import from_form
from filiera.web.i18n import choose_language, translator
from filiera.web.render import (
    capability_label,
    country_name,
    kind_label,
    region_name,
    render,
    url_with,
)

router = APIRouter(include_in_schema=False)
DIRECTORY_PAGE = 25
NUMBERED_PAGES = 20  # the directory's pages by number; beyond, "next" follows a cursor
REVIEW_PAGE = 50
FILTERS = ("q", "country", "region", "kind", "capability", "certification", "cluster")


@cache
def plotly_js() -> Path:
    """The plotly.js bundle shipped inside the plotly Python package."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.api_route("/static/plotly.min.js", methods=["GET", "HEAD"])
def plotly_bundle(request: Request) -> Response:
    """Plotly's JavaScript, served locally so charts work offline: cached and gzipped."""
    return assets.serve_file(plotly_js(), request)


def _lang(request: Request) -> str:
    return choose_language(request, request.app.state.settings.default_language)[0]


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def _page(request: Request) -> int:
    return max(_int(request.query_params.get("page")) or 1, 1)


def pagination(page: int, per_page: int, total: int) -> dict[str, int]:
    return {"page": page, "pages": max(math.ceil(total / per_page), 1), "total": total}


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    lang = _lang(request)
    figures = ecosystem.ecosystem(session, viewer)
    return render(
        request,
        "home.html",
        {
            "figures": figures,
            "country_chart": charts.by_country(
                figures["by_country"], lambda code: country_name(code, lang)
            ),
            "kind_chart": charts.by_kind(figures["by_kind"], lambda k: kind_label(k, lang)),
        },
    )


def directory_filter(request: Request) -> tuple[OrgFilter, dict[str, str]]:
    """The directory filters from the query string, validated like the API's (blank: any)."""
    raw = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    return parse(OrgFilter, from_form(raw), "directory filters"), raw


def taxonomy_options(lang: str) -> dict[str, object]:
    """Choices that come from the taxonomy, not the registry: kinds, capabilities (labelled
    in `lang`) and certifications."""
    tree = [
        (root, [(code, capability_label(code, lang)) for code in taxonomy.children(root)])
        for root in taxonomy.roots()
    ]
    return {
        "kinds": list(ORG_KINDS),
        "capabilities": tree,
        "certifications": list(taxonomy.certifications()),
    }


def filter_options(
    session: Session, viewer: Viewer, lang: str, cluster: int | None = None
) -> dict[str, object]:
    """Choices of the directory's select fields, labelled in `lang` (`cluster`: the chosen
    one, offered even when the cluster choices are not complete)."""
    countries = ecosystem.countries(session, viewer)
    return {
        **taxonomy_options(lang),
        "countries": sorted(countries, key=lambda c: country_name(c, lang)),
        "clusters": clusters.cluster_choices(session, viewer, cluster),
    }


def directory_paging(request: Request, found: DirectoryPage) -> dict[str, object]:
    """The directory's pager: numbered pages up to NUMBERED_PAGES, then "next" by cursor;
    a page reached by cursor links back to the first page (the browser keeps the rest)."""
    page, next_url = found.page, None
    if found.next_cursor and page is not None and page < NUMBERED_PAGES:
        next_url = url_with(request, page=page + 1, cursor=None)
    elif found.next_cursor:
        next_url = url_with(request, cursor=found.next_cursor, page=None)
    pages = max(math.ceil(found.count / found.per_page), 1) if found.count_exact else None
    return {
        "page": page,
        "pages": pages,
        "total": found.count,
        "exact": found.count_exact,
        "previous": url_with(request, page=page - 1) if page and page > 1 else None,
        "first": url_with(request, page=None, cursor=None) if page is None else None,
        "next": next_url,
    }


@router.get("/organisations", response_class=HTMLResponse)
def directory(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    lang = _lang(request)
    flt, raw = directory_filter(request)
    cursor = request.query_params.get("cursor") or None
    page = 1 if cursor else _page(request)
    found = directory_page(session, viewer, flt, per_page=DIRECTORY_PAGE, page=page, cursor=cursor)
    return render(
        request,
        "organisations.html",
        {
            "rows": found.data,
            "filters": raw,
            "options": filter_options(session, viewer, lang, flt.cluster),
            "cluster_choices_max": clusters.CHOICES_MAX,
            "paging": directory_paging(request, found),
        },
    )


@router.get("/organisations.csv")
def directory_csv_download(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The directory page's "CSV" link: every organisation matching its filters, as CSV."""
    flt, _ = directory_filter(request)
    out = io.StringIO()
    export = directory_csv(session, viewer, flt, out)
    return csv_response(out.getvalue(), export, "organisations.csv")


def description_of(descriptions: dict[str, str], lang: str) -> tuple[str | None, str | None]:
    """The description in `lang`, else English, else any; with the language used if not `lang`."""
    if descriptions.get(lang):
        return descriptions[lang], None
    for other in ("en", *sorted(descriptions)):
        if descriptions.get(other):
            return descriptions[other], other
    return None, None


@router.get("/organisations/{org_id}", response_class=HTMLResponse)
def profile(
    request: Request, session: SessionDep, viewer: ViewerDep, org_id: RecordId
) -> HTMLResponse:
    lang = _lang(request)
    org = queries.get_organisation(session, org_id, viewer=viewer)
    shown = service.profile_of(session, viewer, org)
    text, shown_in = description_of(org.descriptions or {}, lang)
    return render(
        request,
        "organisation.html",
        {
            "org": shown,
            "source": org.source,
            "description": text,
            "description_lang": shown_in,
            "partners": service.partners(session, viewer, org_id, 10),
            "can_edit": service.can_edit(viewer, org),
            "can_answer_invitations": invitations.acts_for(viewer, org_id),
            "opportunities": opportunities(session, viewer, org_id, 5),
        },
    )


@router.get("/map", response_class=HTMLResponse)
def ecosystem_map(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    lang = _lang(request)
    t = translator(lang)
    rows = ecosystem.by_region(session, viewer)
    chart = charts.regions_treemap(
        rows,
        t("map.all"),
        lambda c: country_name(c, lang) if c else t("map.unknown_country"),
        region_name,
        t("map.unknown_region"),
    )
    return render(request, "map.html", {"chart": chart, "rows": rows})


@router.get("/clusters", response_class=HTMLResponse)
def cluster_list(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    """The clusters a page at a time, searched by name and narrowed by country."""
    raw = {name: request.query_params.get(name, "").strip() for name in ("q", "country")}
    flt = parse(OrgFilter, from_form(raw), "cluster filters")
    page = _page(request)
    found = clusters.list_clusters(session, viewer, q=flt.q, country=flt.country, page=page)
    countries = ecosystem.countries(session, viewer, kind="cluster")
    lang = _lang(request)
    context = {
        "clusters": found.data,
        "filters": raw,
        "countries": sorted(countries, key=lambda c: country_name(c, lang)),
        "paging": pagination(page, found.per_page, found.count),
    }
    return render(request, "clusters.html", context)


@router.get("/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster_profile(
    request: Request, session: SessionDep, viewer: ViewerDep, cluster_id: RecordId
) -> HTMLResponse:
    cluster = clusters.get_cluster(session, viewer, cluster_id)
    page = _page(request)
    members = clusters.members_page(session, viewer, cluster_id, page=page, per_page=DIRECTORY_PAGE)
    lang = _lang(request)
    text, shown_in = description_of(cluster.descriptions or {}, lang)
    return render(
        request,
        "cluster.html",
        {
            "cluster": cluster,
            "description": text,
            "description_lang": shown_in,
            "rows": members.data,
            "paging": pagination(page, DIRECTORY_PAGE, members.count),
        },
    )


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    items = review.open_items(session, viewer)
    return render(request, "review.html", {"items": items[:REVIEW_PAGE], "total": len(items)})
