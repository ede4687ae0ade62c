"""Web pages of the news: the feed of articles (with the ingest form for cluster managers
and admins), an article with what was read from it highlighted, the review queue, the
viewer's watches and digest (also as a JSON Feed), and "In the news" on organisation pages.

Every rule lives in `news.store`, `news.review` and `news.alerts`: who ingests, who
reviews, which facts a viewer sees and which links become plain text (`fact_view`). Pages
only translate; templates get fact views, never raw fact data.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.db import savepoint
from filiera.errors import Conflict, FilieraError, NotFound, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs.service import may
from filiera.news import alerts, review, store
from filiera.news.found import LANGUAGES as EXTRACTED_LANGUAGES
from filiera.news.models import NewsArticle, NewsFact
from filiera.registry.models import Organisation, utcnow
from filiera.web import news_forms as forms
from filiera.web import news_words as words
from filiera.web.pages import pagination
from filiera.web.render import environment, render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
LANGUAGE_FILTER = (*EXTRACTED_LANGUAGES, "es", "nl", "pt", "pl")
INGEST_LANGUAGES = ("auto", *EXTRACTED_LANGUAGES)
ON_PROFILE = 10  # facts in an organisation page's "In the news"
DIGEST_DAYS = (1, 7, 30, 90)
SUMMARY_KINDS = {  # keys of an ingest result's extraction summary -> fact kinds
    "organizations": "organization",
    "people": "person",
    "places": "place",
    "money": "money",
    "quantities": "quantity",
    "dates": "date",
    "events": "event",
}


# --- the feed and the ingest form -------------------------------------------------------------


def _article_row(viewer: Viewer, article: NewsArticle) -> dict[str, Any]:
    seen = store.facts_seen(viewer, article)
    accepted = Counter(f.kind for f in seen if f.status == "accepted")
    return {
        "article": article,
        "accepted": [(kind, accepted[kind]) for kind in words.KINDS if accepted[kind]],
        "proposed": sum(1 for f in seen if f.status == "proposed"),
    }


def _feed_context(
    session: Session, viewer: Viewer, q: str = "", language: str = "", page: int = 1
) -> dict[str, Any]:
    rows, total = store.list_articles(
        session,
        viewer,
        q=q or None,
        lang=language or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return {
        "rows": [_article_row(viewer, a) for a in rows],
        "paging": pagination(page, PAGE_SIZE, total),
        "q": q,
        "language": language,
        "languages": LANGUAGE_FILTER,
        "ingest_languages": INGEST_LANGUAGES,
        "may_ingest": may(viewer, "news.ingest"),
        "reviewer": store.is_reviewer(viewer),
        "results": None,
        "ingest_error": None,
        "ingest_values": {"urls": "", "credit": "", "lang": "auto"},
    }


@router.get("/news", response_class=HTMLResponse)
def feed_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    q: Annotated[str, Query(max_length=200)] = "",
    language: Annotated[str, Query(max_length=8)] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Articles, newest first: search, the articles' language (`lang` is the page's), paging."""
    context = _feed_context(session, viewer, q.strip(), language, page)
    return render(request, "news.html", context)


def _result_row(result: dict[str, Any]) -> dict[str, Any]:
    counts = [
        (SUMMARY_KINDS[key], len(result.get(key) or [])) for key in SUMMARY_KINDS if result.get(key)
    ]
    return {**result, "counts": counts}


@router.post("/news/ingest", response_class=HTMLResponse)
def ingest_form(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    """Read the uploaded files and pasted URLs; one result per input, shown on the feed."""
    check_csrf(request, str(form.get("csrf_token") or ""))
    policy.require_role(viewer, "news.ingest")
    urls, uploads = forms.urls_of(form), forms.uploads_of(form)
    values = {
        "urls": str(form.get("urls") or ""),
        "credit": str(form.get("credit") or ""),
        "lang": str(form.get("lang") or "auto"),
    }
    problem = forms.too_many_urls(urls)
    if not problem and not urls and not uploads:
        problem = ValidationFailed("give at least one file or URL", key="news_nothing_given")
    results = []
    if not problem:
        lang = values["lang"] if values["lang"] in INGEST_LANGUAGES else "auto"
        credit = values["credit"].strip() or None
        found = store.ingest(
            session, viewer, urls, uploads=uploads, lang=lang, credit=credit, remote=True
        )
        results = [_result_row(r.to_json()) for r in found]
    context = _feed_context(session, viewer)
    context |= {"results": results, "ingest_values": values, "ingest_error": problem}
    return render(request, "news.html", context, status=problem.status if problem else 200)


# --- the review queue ---------------------------------------------------------------------------


def _queue_groups(session: Session, viewer: Viewer, kind: str | None) -> list[dict[str, Any]]:
    """Proposed facts grouped by article, each with its view and its sentence marked."""
    facts = review.review_queue(session, viewer, kind=kind)
    visible = store.visible_ids(session, viewer, facts)
    groups = []
    for _, group in itertools.groupby(facts, key=lambda f: f.article_id):
        group = list(group)
        article = group[0].article
        views = [store.fact_view(f, visible, reviewer=True) for f in group]
        groups.append({"article": article, "facts": views})
    return groups


def _review_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    kind: str | None,
    error: FilieraError | None = None,
    error_fact: int | None = None,
) -> HTMLResponse:
    context = {
        "groups": _queue_groups(session, viewer, kind),
        "kind": kind or "",
        "kinds": store.FACT_KINDS_STORED,
        "editable": review.EDITABLE,
        "event_types": review.EVENT_TYPES,
        "error": error,
        "error_fact": error_fact,
    }
    return render(request, "news_review.html", context, status=error.status if error else 200)


@router.get("/news/review", response_class=HTMLResponse)
def review_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    kind: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """Proposed facts for reviewers, oldest article first, filtered by kind."""
    return _review_page(request, session, viewer, kind or None)


def _current_view(session: Session, viewer: Viewer, fact_id: int) -> dict[str, Any] | None:
    fact = session.get(NewsFact, fact_id)
    if fact is None:
        return None
    (view,) = store.fact_views(session, viewer, [fact], reviewer=True)
    return view


def _back_to(form: FormData) -> tuple[str, str | None, int | None]:
    """Where the decision came from: the review queue (with its filter) or the article."""
    kind = str(form.get("filter") or "")
    kind = kind if kind in store.FACT_KINDS_STORED else None
    if form.get("back") == "article":
        try:
            return "article", kind, int(str(form.get("article_id") or ""))
        except ValueError:
            pass
    return "review", kind, None


@router.post("/news/facts/{fact_id}/decision", response_class=HTMLResponse)
def decide_fact(
    request: Request, session: SessionDep, viewer: ViewerDep, fact_id: RecordId, form: FormDep
) -> Response:
    """Accept (with the reviewer's edits) or reject a proposed fact, then go back."""
    check_csrf(request, str(form.get("csrf_token") or ""))
    policy.require_role(viewer, "news.review")
    view = _current_view(session, viewer, fact_id)
    back, kind, article_id = _back_to(form)
    try:
        with savepoint(session):
            changes = forms.fact_changes(form, fact_id, view["kind"], view["data"]) if view else {}
            review.decide(
                session,
                viewer,
                fact_id,
                str(form.get("decision") or ""),
                changes=changes,
                create_organisation=form.get("create_organisation") == "1",
                note=str(form.get("note") or "").strip() or None,
            )
    except (ValidationFailed, Conflict, NotFound) as error:
        if view is None:  # no such fact: the error page
            raise
        if back == "article" and article_id:
            return _article_page(request, session, viewer, article_id, error, fact_id)
        return _review_page(request, session, viewer, kind, error, fact_id)
    if back == "article" and article_id:
        return RedirectResponse(f"/news/{article_id}#fact-{fact_id}", status_code=303)
    target = f"/news/review?{urlencode({'kind': kind})}" if kind else "/news/review"
    return RedirectResponse(target, status_code=303)


# --- watches and the digest -------------------------------------------------------------------


def _organisation_names(session: Session, viewer: Viewer, ids: set[int]) -> dict[int, str]:
    """Names of the watched organisations the viewer may (still) see."""
    if not ids:
        return {}
    stmt = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(sorted(ids)), policy.visible_organisations(viewer)
    )
    return dict(session.execute(stmt).all())


def _digest_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    days: int,
    values: dict[str, Any] | None = None,
    error: FilieraError | None = None,
) -> HTMLResponse:
    watches = alerts.list_watches(session, viewer)
    found = alerts.digest(session, viewer, since=utcnow() - timedelta(days=days))
    names = _organisation_names(session, viewer, {w.organisation_id for w in watches} - {None})
    context = {
        "watches": watches,
        "watched_names": names,
        "digest": found,
        "days": days,
        "day_choices": DIGEST_DAYS,
        "kinds": store.FACT_KINDS_STORED,
        "event_types": review.EVENT_TYPES,
        "values": values or {"name": "", "query": "", "organisation_id": "", "kinds": []},
        "error": error,
    }
    return render(request, "news_digest.html", context, status=error.status if error else 200)


@router.get("/news/digest", response_class=HTMLResponse)
def digest_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    days: Annotated[int, Query(ge=1, le=365)] = 7,
    organisation: Annotated[int | None, Query(ge=1)] = None,
    name: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The viewer's watches and the new accepted facts matching them; `organisation` and
    `name` fill the form (the "watch" link of an organisation page)."""
    values = {
        "name": name,
        "query": "",
        "organisation_id": str(organisation or ""),
        "kinds": [],
    }
    return _digest_page(request, session, viewer, days, values)


@router.get("/news/digest.json")
def digest_feed(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    days: Annotated[int, Query(ge=1, le=365)] = 7,
) -> JSONResponse:
    """The digest as a JSON Feed 1.1."""
    found = alerts.digest(session, viewer, since=utcnow() - timedelta(days=days))
    home = str(request.base_url).rstrip("/")
    feed = alerts.json_feed(found, home, f"{home}/news/digest.json")
    return JSONResponse(feed, media_type="application/feed+json")


@router.post("/news/watches", response_class=HTMLResponse)
def add_watch(request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep) -> Response:
    check_csrf(request, str(form.get("csrf_token") or ""))
    try:
        with savepoint(session):
            alerts.add_watch(session, viewer, **forms.watch_input(form))
    except (ValidationFailed, NotFound) as error:
        return _digest_page(request, session, viewer, 7, forms.watch_values(form), error)
    return RedirectResponse("/news/digest", status_code=303)


@router.post("/news/watches/{watch_id}/delete", response_class=HTMLResponse)
def delete_watch(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    watch_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    alerts.delete_watch(session, viewer, watch_id)
    return RedirectResponse("/news/digest", status_code=303)


# --- one article (after /news/review and /news/digest, which it would read as ids) -----------


def _article_context(session: Session, viewer: Viewer, article_id: int) -> dict[str, Any]:
    article = store.get_article(session, viewer, article_id)
    reviewer = store.is_reviewer(viewer)
    views = store.fact_views(session, viewer, store.facts_seen(viewer, article), reviewer)
    by_kind = [(k, [v for v in views if v["kind"] == k]) for k in words.KINDS]
    marked = words.spans_of(views, len(article.text))
    return {
        "article": article,
        "views": views,
        "by_kind": [(k, group) for k, group in by_kind if group],
        "legend": [k for k in words.KINDS if any(s.view["kind"] == k for s in marked)],
        "reviewer": reviewer,
    }


def _article_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    article_id: int,
    error: FilieraError | None = None,
    error_fact: int | None = None,
) -> HTMLResponse:
    context = _article_context(session, viewer, article_id)
    context |= {"error": error, "error_fact": error_fact}
    return render(request, "news_article.html", context, status=error.status if error else 200)


@router.get("/news/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request, session: SessionDep, viewer: ViewerDep, article_id: RecordId
) -> Response:
    """The article with its facts highlighted, then the facts by kind."""
    return _article_page(request, session, viewer, article_id)


# --- "In the news" on organisation pages --------------------------------------------------------


def news_about_organisation(request: Request, org_id: int) -> list[dict[str, Any]]:
    """Accepted facts about an organisation the viewer sees (its page calls this)."""
    viewer = getattr(request.state, "viewer", None) or Viewer.anonymous()
    with request.app.state.db.session() as session:
        return alerts.organisation_news(session, viewer, org_id, limit=ON_PROFILE)


def fact_words(lang: str) -> words.FactWords:
    return words.FactWords(lang)


environment().globals.update(
    news_about_organisation=news_about_organisation,
    news_words=fact_words,
    news_may=lambda action, viewer: may(viewer, action),
    news_marked_sentence=words.marked_sentence,
    news_marked_text=words.marked_text,
    news_id_list=forms.id_list_text,
    news_lines=forms.lines_text,
)
