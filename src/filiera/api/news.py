"""`/api/news`: articles and the facts read from them, ingestion, the review queue, facts on
registry records, watches and the digest (JSON Feed). The rules live in `news.store`,
`news.review` and `news.alerts`."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.responses import JSONResponse

from filiera.api.responses import errors
from filiera.http.deps import RecordId, SessionDep, ViewerDep
from filiera.news import alerts, review, store
from filiera.news.models import NewsArticle
from filiera.news.schemas import (
    ArticleDetail,
    ArticleList,
    ArticleOut,
    DecisionIn,
    FactOut,
    IngestIn,
    WatchIn,
    WatchOut,
)

router = APIRouter(
    prefix="/api/news",
    tags=["news"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Only cluster managers and admins ingest and review news",
            404: "No such article, fact, watch or organisation (or not visible to you)",
            409: "The fact was already reviewed",
            422: "Invalid input; every problem names its record and field",
        }
    ),
)


def article_out(viewer, article: NewsArticle) -> ArticleOut:
    seen = store.facts_seen(viewer, article)
    return ArticleOut(
        id=article.id,
        title=article.title,
        url=article.url,
        published=article.published.isoformat() if article.published else None,
        lang=article.lang,
        kind=article.kind,
        given_as=article.given_as if store.is_reviewer(viewer) else article.url or "",
        credit=article.credit,
        facts=dict(Counter(f.kind for f in seen)),
    )


@router.get("/articles", response_model=ArticleList)
def list_articles(
    session: SessionDep,
    viewer: ViewerDep,
    q: Annotated[str | None, Query(max_length=200, description="Words in title or text")] = None,
    lang: Annotated[str | None, Query(max_length=8)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ArticleList:
    """Articles, newest first."""
    rows, total = store.list_articles(session, viewer, q=q, lang=lang, limit=limit, offset=offset)
    return ArticleList(total=total, items=[article_out(viewer, a) for a in rows])


@router.get("/articles/{article_id}", response_model=ArticleDetail)
def get_article(session: SessionDep, viewer: ViewerDep, article_id: RecordId) -> ArticleDetail:
    """An article with its text and the facts you may see (offsets point into `text`)."""
    article = store.get_article(session, viewer, article_id)
    views = store.fact_views(session, viewer, store.facts_seen(viewer, article))
    return ArticleDetail(
        **article_out(viewer, article).model_dump(),
        text=article.text,
        fact_list=[FactOut(**view) for view in views],
    )


@router.post("/ingest")
def ingest(
    session: SessionDep, viewer: ViewerDep, body: Annotated[IngestIn, Body()]
) -> list[dict[str, Any]]:
    """Read URLs and documents; one result per input (a feed: per entry), bad inputs
    reported one by one while the others are stored."""
    uploads = [(d.name, d.content.encode("utf-8")) for d in body.documents]
    results = store.ingest(
        session,
        viewer,
        body.urls,
        uploads=uploads,
        lang=body.lang,
        credit=body.credit,
        remote=True,
    )
    return [r.to_json() for r in results]


@router.get("/review", response_model=list[FactOut])
def review_queue(
    session: SessionDep,
    viewer: ViewerDep,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[FactOut]:
    """Proposed facts waiting for a reviewer."""
    facts = review.review_queue(session, viewer, kind=kind, limit=limit)
    views = store.fact_views(session, viewer, facts, reviewer=True)
    return [_with_article(f, view) for f, view in zip(facts, views, strict=True)]


def _with_article(fact, view: dict[str, Any]) -> FactOut:
    article = fact.article
    view["article"] = {"id": article.id, "title": article.title} if article else None
    return FactOut(**view)


@router.post("/facts/{fact_id}/decision", response_model=FactOut)
def decide(
    session: SessionDep, viewer: ViewerDep, fact_id: RecordId, body: Annotated[DecisionIn, Body()]
) -> FactOut:
    """Accept (possibly with changes) or reject a proposed fact."""
    fact = review.decide(
        session,
        viewer,
        fact_id,
        body.decision,
        changes=body.changes,
        create_organisation=body.create_organisation,
        note=body.note,
    )
    (view,) = store.fact_views(session, viewer, [fact], reviewer=True)
    return _with_article(fact, view)


@router.get("/organisations/{org_id}", response_model=list[FactOut])
def organisation_news(session: SessionDep, viewer: ViewerDep, org_id: RecordId) -> list[FactOut]:
    """Accepted facts about an organisation, newest first."""
    return [FactOut(**item) for item in alerts.organisation_news(session, viewer, org_id)]


@router.get("/people/{person_id}", response_model=list[FactOut])
def person_news(session: SessionDep, viewer: ViewerDep, person_id: RecordId) -> list[FactOut]:
    """Accepted facts about a person, newest first."""
    return [FactOut(**item) for item in alerts.person_news(session, viewer, person_id)]


@router.get("/watches", response_model=list[WatchOut])
def list_watches(session: SessionDep, viewer: ViewerDep) -> list[WatchOut]:
    return [_watch_out(w) for w in alerts.list_watches(session, viewer)]


@router.post("/watches", response_model=WatchOut, status_code=201)
def add_watch(session: SessionDep, viewer: ViewerDep, body: Annotated[WatchIn, Body()]) -> WatchOut:
    """Save a search or watch an organisation; the digest shows what matches."""
    return _watch_out(alerts.add_watch(session, viewer, **body.model_dump()))


@router.delete("/watches/{watch_id}", status_code=204, response_class=Response)
def delete_watch(session: SessionDep, viewer: ViewerDep, watch_id: RecordId) -> Response:
    alerts.delete_watch(session, viewer, watch_id)
    return Response(status_code=204)


def _watch_out(w) -> WatchOut:
    return WatchOut(
        id=w.id,
        name=w.name,
        query=w.query,
        organisation_id=w.organisation_id,
        kinds=list(w.kinds or []),
    )


@router.get("/digest", response_class=JSONResponse)
def digest(
    session: SessionDep,
    viewer: ViewerDep,
    request: Request,
    since: Annotated[datetime | None, Query(description="Facts reviewed since (ISO)")] = None,
) -> JSONResponse:
    """New accepted facts matching your watches, as a JSON Feed 1.1."""
    found = alerts.digest(session, viewer, since=since)
    home = str(request.base_url).rstrip("/")
    feed = alerts.json_feed(found, home, f"{home}/api/news/digest")
    return JSONResponse(feed, media_type="application/feed+json")
