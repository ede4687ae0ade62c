"""News on the registry's pages, watches (saved searches and watched organisations) and the
digest of new accepted facts (a web page and a JSON Feed 1.1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.errors import NotFound, ValidationFailed, field_error
from filiera.news.models import NewsFact, NewsLink, NewsWatch
from filiera.news.store import fact_view, visible_ids
from filiera.registry.models import Organisation, Person, utcnow

DIGEST_DAYS = 7
WATCHES_MAX = 50


def _item(session: Session, viewer: Viewer, facts: list[NewsFact]) -> list[dict[str, Any]]:
    visible = visible_ids(session, viewer, facts)
    items = []
    for fact in facts:
        view = fact_view(fact, visible, reviewer=False)
        article = fact.article
        view["article"] = (
            {
                "id": article.id,
                "title": article.title,
                "url": article.url,
                "published": article.published.isoformat() if article.published else None,
            }
            if article
            else None
        )
        items.append(view)
    return items


def _accepted_about(org_ids=None, person_id=None):
    stmt = (
        select(NewsFact)
        .where(NewsFact.status == "accepted")
        .options(selectinload(NewsFact.links), selectinload(NewsFact.article))
        .order_by(NewsFact.fact_date.desc().nulls_last(), NewsFact.id.desc())
    )
    if org_ids is not None:
        stmt = stmt.where(
            exists().where(NewsLink.fact_id == NewsFact.id, NewsLink.organisation_id.in_(org_ids))
        )
    if person_id is not None:
        stmt = stmt.where(
            exists().where(NewsLink.fact_id == NewsFact.id, NewsLink.person_id == person_id)
        )
    return stmt


def organisation_news(
    session: Session, viewer: Viewer, org_id: int, limit: int = 50
) -> list[dict[str, Any]]:
    """Accepted facts about an organisation the viewer may see (NotFound otherwise)."""
    seen = session.scalar(
        select(Organisation.id).where(
            Organisation.id == org_id, policy.visible_organisations(viewer)
        )
    )
    if seen is None:
        message = f"organisation {org_id} does not exist"
        raise NotFound(message, errors=[field_error("organisation", "org_id", message)])
    facts = list(session.scalars(_accepted_about(org_ids=[org_id]).limit(limit)))
    return _item(session, viewer, facts)


def person_news(
    session: Session, viewer: Viewer, person_id: int, limit: int = 50
) -> list[dict[str, Any]]:
    """Accepted facts about a person the viewer may see (NotFound otherwise)."""
    seen = session.scalar(
        select(Person.id).where(Person.id == person_id, policy.visible_people(viewer))
    )
    if seen is None:
        message = f"person {person_id} does not exist"
        raise NotFound(message, errors=[field_error("person", "person_id", message)])
    facts = list(session.scalars(_accepted_about(person_id=person_id).limit(limit)))
    return _item(session, viewer, facts)


# --- watches -------------------------------------------------------------------------------


def list_watches(session: Session, viewer: Viewer) -> list[NewsWatch]:
    policy.require_role(viewer, "news.watch")
    if viewer.user_id is None:
        return []  # the local operator at the CLI has no account to keep watches for
    stmt = select(NewsWatch).where(NewsWatch.user_id == viewer.user_id).order_by(NewsWatch.id)
    return list(session.scalars(stmt))


def add_watch(
    session: Session,
    viewer: Viewer,
    *,
    name: str,
    query: str | None = None,
    organisation_id: int | None = None,
    kinds: list[str] | None = None,
) -> NewsWatch:
    """Save a search (words in the fact's sentence or name) or watch an organisation."""
    policy.require_role(viewer, "news.watch")
    errors = []
    if viewer.user_id is None:
        errors.append(field_error("watch", "user", "watches belong to a user: sign in, or --as"))
    if not name.strip():
        errors.append(field_error("watch", "name", "give the watch a name"))
    if not (query and query.strip()) and organisation_id is None:
        errors.append(field_error("watch", "query", "give words to look for or an organisation"))
    if len(list_watches(session, viewer)) >= WATCHES_MAX:
        errors.append(field_error("watch", "name", f"at most {WATCHES_MAX} watches per user"))
    if errors:
        raise ValidationFailed("the watch is not valid", errors=errors)
    if organisation_id is not None:
        organisation_news(session, viewer, organisation_id, limit=1)  # NotFound when hidden
    watch = NewsWatch(
        user_id=viewer.user_id,
        name=name.strip(),
        query=(query or "").strip() or None,
        organisation_id=organisation_id,
        kinds=list(kinds or []),
    )
    session.add(watch)
    session.flush()
    return watch


def delete_watch(session: Session, viewer: Viewer, watch_id: int) -> None:
    policy.require_role(viewer, "news.watch")
    watch = session.get(NewsWatch, watch_id)
    if watch is None or watch.user_id != viewer.user_id:
        message = f"watch {watch_id} does not exist"
        raise NotFound(message, errors=[field_error("watch", "watch_id", message)])
    session.delete(watch)
    session.flush()


# --- digest --------------------------------------------------------------------------------


def digest(session: Session, viewer: Viewer, since: datetime | None = None) -> dict[str, Any]:
    """New accepted facts (reviewed since `since`, a week by default) matching the viewer's
    watches, newest first; every fact when the viewer has no watch."""
    policy.require_role(viewer, "news.watch")
    since = since or utcnow() - timedelta(days=DIGEST_DAYS)
    watches = list_watches(session, viewer)
    stmt = (
        select(NewsFact)
        .where(NewsFact.status == "accepted", NewsFact.reviewed_at >= since)
        .options(selectinload(NewsFact.links), selectinload(NewsFact.article))
        .order_by(NewsFact.reviewed_at.desc(), NewsFact.id.desc())
        .limit(500)
    )
    if watches:
        stmt = stmt.where(or_(*[_matches(w) for w in watches]))
    facts = list(session.scalars(stmt))
    if watches:  # kinds and event types are checked here, not in SQL (they sit in JSON)
        facts = [f for f in facts if any(_watch_holds(w, f) for w in watches)]
    items = _item(session, viewer, facts)
    for item, fact in zip(items, facts, strict=True):
        item["watches"] = [w.name for w in watches if _watch_holds(w, fact)]
    return {
        "since": since.isoformat(timespec="seconds"),
        "watches": [w.name for w in watches],
        "items": items,
    }


def _matches(watch: NewsWatch):
    clauses = []
    if watch.organisation_id is not None:
        clauses.append(
            exists().where(
                NewsLink.fact_id == NewsFact.id, NewsLink.organisation_id == watch.organisation_id
            )
        )
    if watch.query:
        pattern = f"%{watch.query}%"
        clauses.append(or_(NewsFact.sentence.ilike(pattern), NewsFact.text.ilike(pattern)))
    return or_(*clauses)


def _watch_holds(watch: NewsWatch, fact: NewsFact) -> bool:
    by_org = watch.organisation_id is not None and any(
        link.organisation_id == watch.organisation_id for link in fact.links
    )
    words = (watch.query or "").casefold()
    by_query = bool(words) and words in f"{fact.sentence or ''} {fact.text}".casefold()
    kinds_ok = not watch.kinds or fact.kind in watch.kinds or fact.data.get("type") in watch.kinds
    return (by_org or by_query) and kinds_ok


def json_feed(digest_: dict[str, Any], home_url: str, feed_url: str) -> dict[str, Any]:
    """The digest as a JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    items = []
    for item in digest_["items"]:
        article = item.get("article") or {}
        items.append(
            {
                "id": f"{home_url.rstrip('/')}/news/facts/{item['id']}",
                "url": f"{home_url.rstrip('/')}/news/{article['id']}" if article else home_url,
                "external_url": article.get("url"),
                "title": _feed_title(item),
                "content_text": item.get("sentence") or item["text"],
                "date_published": item.get("date"),
                "tags": [
                    item["kind"],
                    *([item["data"]["type"]] if item["kind"] == "event" else []),
                ],
                "_filiera": {
                    "kind": item["kind"],
                    "data": item["data"],
                    "organisation_ids": item["organisation_ids"],
                },
            }
        )
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Filiera news digest",
        "home_page_url": home_url,
        "feed_url": feed_url,
        "items": items,
    }


def _feed_title(item: dict[str, Any]) -> str:
    data = item["data"]
    if item["kind"] == "event":
        who = ", ".join(data.get("participants") or []) or "—"
        return f"{data.get('type', 'event').replace('_', ' ')}: {who}"
    return f"{item['kind']}: {item['text']}"
