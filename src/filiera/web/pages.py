"""The web UI's pages: server-rendered HTML in English or Italian."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Annotated

import plotly
from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.disclosure import for_organisation
from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.api.auth import ViewerDep
from filiera.api.catalogue import project_detail
from filiera.api.deps import SessionDep
from filiera.api.organisations import page_of
from filiera.api.review import review_out
from filiera.errors import FilieraError, NotFound
from filiera.needs.service import opportunities
from filiera.registry import queries, taxonomy
from filiera.registry.models import ORG_KINDS, Organisation
from filiera.registry.views import detail, summary
from filiera.web import charts
from filiera.web.i18n import choose_language, translator
from filiera.web.render import capability_label, country_name, kind_label, region_name, render

router = APIRouter(include_in_schema=False)
DIRECTORY_PAGE = 25
REVIEW_PAGE = 50
FILTERS = ("q", "country", "region", "kind", "capability", "certification", "cluster")
Id = Annotated[int, PathParam(ge=1)]


@cache
def plotly_js() -> Path:
    """The plotly.js bundle shipped inside the plotly Python package."""
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/static/plotly.min.js")
def plotly_bundle() -> FileResponse:
    """Plotly's JavaScript, served locally so charts work offline."""
    return FileResponse(
        plotly_js(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=604800"},
    )


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
    figures = queries.figures(session, viewer=viewer)
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


def directory_filter(request: Request) -> tuple[queries.OrgFilter, dict[str, str]]:
    """The directory filters from the query string (blank fields ignored)."""
    raw = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    flt = queries.OrgFilter(
        q=raw["q"] or None,
        country=raw["country"] or None,
        region=raw["region"] or None,
        kind=raw["kind"] or None,
        capability=raw["capability"] or None,
        certification=raw["certification"] or None,
        cluster=_int(raw["cluster"]),
    )
    return flt, raw


def filter_options(session: Session, viewer: Viewer, lang: str) -> dict[str, object]:
    """Choices of the directory's select fields, labelled in `lang`."""
    countries = session.scalars(
        select(Organisation.country).where(visible_organisations(viewer)).distinct()
    ).all()
    tree = [
        (root, [(code, capability_label(code, lang)) for code in taxonomy.children(root)])
        for root in taxonomy.roots()
    ]
    return {
        "countries": sorted(countries, key=lambda c: country_name(c, lang)),
        "kinds": list(ORG_KINDS),
        "capabilities": tree,
        "certifications": list(taxonomy.certifications()),
        "clusters": [org for org, _ in queries.clusters(session, viewer=viewer)],
    }


@router.get("/organisations", response_class=HTMLResponse)
def directory(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    lang = _lang(request)
    flt, raw = directory_filter(request)
    page = _page(request)
    rows, total = queries.list_organisations(
        session, flt, viewer=viewer, page=page, per_page=DIRECTORY_PAGE
    )
    page_of(session, viewer, rows, total, page, DIRECTORY_PAGE)  # audits restricted rows
    return render(
        request,
        "organisations.html",
        {
            "rows": [summary(org) for org in rows],
            "filters": raw,
            "options": filter_options(session, viewer, lang),
            "paging": pagination(page, DIRECTORY_PAGE, total),
        },
    )


def description_of(descriptions: dict[str, str], lang: str) -> tuple[str | None, str | None]:
    """The description in `lang`, else English, else any; with the language used if not `lang`."""
    if descriptions.get(lang):
        return descriptions[lang], None
    for other in ("en", *sorted(descriptions)):
        if descriptions.get(other):
            return descriptions[other], other
    return None, None


@router.get("/organisations/{org_id}", response_class=HTMLResponse)
def profile(request: Request, session: SessionDep, viewer: ViewerDep, org_id: Id) -> HTMLResponse:
    lang = _lang(request)
    org = queries.get_organisation(session, org_id, viewer=viewer)
    disclosure = for_organisation(session, viewer, org)
    shown = detail(org, disclosure)
    disclosure.log(session, f"profile page of organisation {org_id}")
    text, shown_in = description_of(org.descriptions or {}, lang)
    clusters = [m.cluster_id for m in org.memberships]
    return render(
        request,
        "organisation.html",
        {
            "org": shown,
            "source": org.source,
            "description": text,
            "description_lang": shown_in,
            "partners": queries.partners(session, org_id, 10, viewer=viewer),
            "can_edit": policy.can_edit_organisation(viewer, org_id, clusters),
            "opportunities": opportunities(session, viewer, org_id, 5),
        },
    )


@router.get("/map", response_class=HTMLResponse)
def ecosystem_map(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    lang = _lang(request)
    t = translator(lang)
    rows = queries.by_region(session, viewer=viewer)
    chart = charts.regions_treemap(
        rows, t("map.all"), lambda c: country_name(c, lang), region_name, t("map.unknown_region")
    )
    return render(request, "map.html", {"chart": chart, "rows": rows})


@router.get("/clusters", response_class=HTMLResponse)
def cluster_list(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    clusters = queries.clusters(session, viewer=viewer)
    return render(request, "clusters.html", {"clusters": clusters})


@router.get("/clusters/{cluster_id}", response_class=HTMLResponse)
def cluster_profile(
    request: Request, session: SessionDep, viewer: ViewerDep, cluster_id: Id
) -> HTMLResponse:
    cluster = queries.get_organisation(session, cluster_id, viewer=viewer)
    if cluster.kind != "cluster":
        raise NotFound(f"cluster {cluster_id} does not exist")
    page = _page(request)
    flt = queries.OrgFilter(cluster=cluster_id)
    rows, total = queries.list_organisations(
        session, flt, viewer=viewer, page=page, per_page=DIRECTORY_PAGE
    )
    lang = _lang(request)
    text, shown_in = description_of(cluster.descriptions or {}, lang)
    return render(
        request,
        "cluster.html",
        {
            "cluster": cluster,
            "description": text,
            "description_lang": shown_in,
            "rows": [summary(org) for org in rows],
            "paging": pagination(page, DIRECTORY_PAGE, total),
        },
    )


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(
    request: Request, session: SessionDep, viewer: ViewerDep, project_id: Id
) -> HTMLResponse:
    project = queries.get_project(session, project_id)
    return render(request, "project.html", {"project": project_detail(session, project, viewer)})


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: SessionDep, viewer: ViewerDep) -> HTMLResponse:
    policy.require_role(viewer, "review.decide")
    items = queries.open_reviews(session)
    shown = [review_out(item) for item in items[:REVIEW_PAGE]]
    return render(request, "review.html", {"items": shown, "total": len(items)})


def error_page(request: Request, error: FilieraError) -> Response:
    """An HTML page for an error met while browsing (401 on a page: the sign-in form)."""
    from filiera.web.account_pages import unauthorized_redirect

    redirect = unauthorized_redirect(request, error)
    if redirect is not None:
        return redirect
    return render(request, "error.html", {"error": error}, status=error.status)
