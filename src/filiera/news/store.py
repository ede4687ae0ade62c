"""Stored news: ingest, read, review, and what each viewer sees.

Rules (every front end calls these functions):

- cluster managers and admins ingest (`news.ingest`): each input is read, checked for
  duplicates (same URL, same text, or the same story lightly edited) and written with its
  facts in a savepoint of its own: a bad input is reported and writes nothing, the others
  go on;
- extraction links names only to *public* registry organisations and people, so what a
  viewer may not see never shapes what was read; links made by a reviewer to a record a
  viewer may not see are shown to that viewer as the plain text of the article;
- articles and accepted facts are public reading; proposed and rejected facts are seen by
  reviewers only (`news.review`), who accept, edit or reject them; an accepted organisation
  or person enters the registry with the article as its source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.db import savepoint
from filiera.errors import NotFound, field_error
from filiera.news import ingest as reading
from filiera.news.extract import Extraction, Gazetteer, extract_article
from filiera.news.found import KINDS
from filiera.news.models import NewsArticle, NewsFact, NewsLink
from filiera.registry.models import Alias, Organisation, Person, Source

NEAR_DUPLICATE_WINDOW = 500  # the latest articles compared for the same story
FACT_KINDS_STORED = KINDS


# --- the registry as extraction sees it ----------------------------------------------------


def public_gazetteer(session: Session) -> Gazetteer:
    """Names and aliases of the public organisations."""
    public = Organisation.visibility == "public"
    aliases: dict[int, list[str]] = {}
    for org_id, name in session.execute(
        select(Alias.organisation_id, Alias.name).join(Organisation).where(public)
    ):
        aliases.setdefault(org_id, []).append(name)
    rows = session.execute(select(Organisation.id, Organisation.name).where(public))
    return Gazetteer.from_records((i, name, aliases.get(i, [])) for i, name in rows)


def public_people(session: Session) -> list[str]:
    """Names of the people everyone may see."""
    return list(
        session.scalars(select(Person.name).where(policy.visible_people(Viewer.anonymous())))
    )


# --- ingesting -----------------------------------------------------------------------------


@dataclass
class IngestResult:
    """What became of one input (a feed gives one result per entry)."""

    given_as: str
    status: str  # added | duplicate | error
    message: str | None = None
    article_id: int | None = None
    title: str | None = None
    lang: str | None = None
    date: str | None = None
    url: str | None = None
    extraction: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "input": self.given_as,
            "status": self.status,
            "message": self.message,
            "article_id": self.article_id,
            "title": self.title,
            "lang": self.lang,
            "date": self.date,
            "url": self.url,
            **self.extraction,
        }


def ingest(
    session: Session,
    viewer: Viewer,
    sources: Sequence[str],
    *,
    uploads: Sequence[tuple[str, bytes]] = (),
    lang: str = "auto",
    fetch: Callable | None = None,
    credit: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    remote: bool = False,
) -> list[IngestResult]:
    """Read each file or URL (and each upload: name, bytes), extract its facts and store it
    for review; duplicates of stored articles, or of an earlier input, are reported.

    `remote` (the API and the web pages): sources must be public web addresses, never a
    path on the server or an address of its own network."""
    policy.require_role(viewer, "news.ingest")
    refused = [_not_a_web_address(s) for s in sources if remote and not reading.is_url(s)]
    sources = [s for s in sources if not remote or reading.is_url(s)]
    if remote and fetch is None:
        fetch = reading.fetch_public_url
    read = list(refused)
    read += list(reading.read_inputs(sources, lang=lang, fetch=fetch)) if sources else []
    read += [item for name, data in uploads for item in _read_upload(name, data, lang)]
    gazetteer, people = public_gazetteer(session), public_people(session)
    results = []
    for done, item in enumerate(read, 1):
        if isinstance(item, reading.InputProblem):
            status = "duplicate" if item.reason == "duplicate" else "error"
            results.append(IngestResult(item.source, status, item.message))
        else:
            results.append(_ingest_one(session, viewer, item, gazetteer, people, credit))
        if progress:
            progress(done, len(read))
    return results


def _not_a_web_address(source: str):
    message = f"{source}: not a web address (http:// or https://); upload files instead"
    return reading.InputProblem(source, "not_found", message)


def _read_upload(name: str, data: bytes, lang: str) -> list:
    try:
        return list(reading.read_bytes(data, name, lang=lang))
    except reading.InputError as problem:
        return [reading.InputProblem(name, problem.reason, problem.message)]


def _ingest_one(
    session: Session,
    viewer: Viewer,
    doc: reading.Document,
    gazetteer: Gazetteer,
    people: list[str],
    credit: str | None,
) -> IngestResult:
    earlier = _duplicate_of(session, doc)
    if earlier is not None:
        message = f"{doc.source}: the same story as article {earlier.id} ({earlier.given_as})"
        return IngestResult(doc.source, "duplicate", message, article_id=earlier.id)
    extraction = extract_article(doc.text, doc.lang, gazetteer, doc.published, people)
    try:
        with savepoint(session):
            article = _store(session, viewer, doc, extraction, credit)
    except Exception as exc:  # noqa: BLE001 - one input's failure is reported, the rest go on
        return IngestResult(doc.source, "error", f"{doc.source}: not stored: {exc}")
    return IngestResult(
        doc.source,
        "added",
        article_id=article.id,
        title=doc.title,
        lang=doc.lang,
        date=doc.published.isoformat() if doc.published else None,
        url=doc.url,
        extraction=extraction.summary(),
    )


def _duplicate_of(session: Session, doc: reading.Document) -> NewsArticle | None:
    same = [NewsArticle.fingerprint == doc.fingerprint]
    if doc.url:
        same.append(NewsArticle.url == doc.url)
    found = session.scalars(select(NewsArticle).where(or_(*same)).limit(1)).first()
    if found is not None:
        return found
    recent = session.execute(
        select(NewsArticle.id, NewsArticle.signature)
        .order_by(NewsArticle.id.desc())
        .limit(NEAR_DUPLICATE_WINDOW)
    )
    for article_id, signature in recent:
        if reading.story_similarity(doc.signature, signature) >= reading.SAME_STORY:
            return session.get(NewsArticle, article_id)
    return None


def _store(
    session: Session,
    viewer: Viewer,
    doc: reading.Document,
    extraction: Extraction,
    credit: str | None,
) -> NewsArticle:
    source = Source(
        name=(doc.title or doc.source)[:200],
        kind="news",
        location=(doc.url or doc.source)[:500],
        credit=credit,
        imported_by=viewer.label,
    )
    article = NewsArticle(
        title=doc.title,
        url=doc.url,
        given_as=doc.source[:1000],
        published=doc.published,
        lang=doc.lang,
        kind=doc.kind,
        text=doc.text,
        fingerprint=doc.fingerprint,
        signature=list(doc.signature),
        credit=credit,
        source=source,
        ingested_by=viewer.user_id,
    )
    article.facts = [_proposed(extraction, f, doc.published) for f in _distinct(extraction)]
    session.add(article)
    session.flush()
    for fact in article.facts:
        _link_extracted(fact)
    session.flush()
    return article


def _distinct(extraction: Extraction):
    """One proposed fact per distinct thing per sentence (repeats of a name are one)."""
    seen: set[tuple] = set()
    for mention in extraction.found:
        sentence = extraction.sentence_of(mention)
        key = (mention.kind, sentence.index if sentence else None, _identity(mention))
        if key not in seen:
            seen.add(key)
            yield mention


def _identity(mention) -> tuple:
    data = mention.data
    if mention.kind in ("organization", "person", "place"):
        return (data.get("name"),)
    if mention.kind == "event":
        return (data.get("type"), tuple(data.get("participants", [])))
    return (mention.text,)


def _proposed(extraction: Extraction, mention, published: date | None) -> NewsFact:
    sentence = extraction.sentence_of(mention)
    return NewsFact(
        kind=mention.kind,
        text=mention.text[:1000],
        start=mention.start,
        end=mention.end,
        sentence=sentence.text if sentence else None,
        sentence_index=sentence.index if sentence else None,
        data=dict(mention.data),
        status="proposed",
        fact_date=_fact_date(mention.data, published),
    )


def _fact_date(data: dict[str, Any], published: date | None) -> date | None:
    value = data.get("date")
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return published
    return published


def _link_extracted(fact: NewsFact) -> None:
    """Links to the public registry records extraction named."""
    org_ids = _org_ids_of(fact.data)
    fact.links = [NewsLink(organisation_id=i) for i in sorted(org_ids)]


def _org_ids_of(data: dict[str, Any]) -> set[int]:
    ids = {data.get("registry_id"), data.get("organization_id")}
    ids.update(data.get("organization_ids") or [])
    ids.update(data.get("subject_ids") or [])
    return {i for i in ids if isinstance(i, int)}


# --- reading -------------------------------------------------------------------------------


def _not_found(what: str, record_id: int, field_name: str) -> NotFound:
    message = f"{what} {record_id} does not exist"
    return NotFound(message, errors=[field_error(what.replace(" ", "_"), field_name, message)])


def is_reviewer(viewer: Viewer) -> bool:
    return viewer.signed_in and viewer.role in policy.PERMISSIONS["news.review"]


def statuses_for(viewer: Viewer) -> tuple[str, ...]:
    return ("proposed", "accepted", "rejected") if is_reviewer(viewer) else ("accepted",)


def list_articles(
    session: Session,
    viewer: Viewer,
    *,
    q: str | None = None,
    lang: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[NewsArticle], int]:
    """Articles, newest first, with the total count; `q` searches title and text."""
    stmt = select(NewsArticle)
    if q:
        pattern = f"%{q.strip()}%"
        stmt = stmt.where(or_(NewsArticle.title.ilike(pattern), NewsArticle.text.ilike(pattern)))
    if lang:
        stmt = stmt.where(NewsArticle.lang == lang)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(NewsArticle.published.desc().nulls_last(), NewsArticle.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


def get_article(session: Session, viewer: Viewer, article_id: int) -> NewsArticle:
    stmt = (
        select(NewsArticle)
        .where(NewsArticle.id == article_id)
        .options(selectinload(NewsArticle.facts).selectinload(NewsFact.links))
    )
    article = session.scalars(stmt).first()
    if article is None:
        raise _not_found("news article", article_id, "article_id")
    return article


def facts_seen(viewer: Viewer, article: NewsArticle) -> list[NewsFact]:
    allowed = statuses_for(viewer)
    return [f for f in article.facts if f.status in allowed]


def visible_ids(session: Session, viewer: Viewer, facts: Sequence[NewsFact]) -> set[int]:
    """The registry organisations named by `facts` that the viewer may see."""
    wanted = set()
    for fact in facts:
        wanted |= _org_ids_of(fact.data) | {link.organisation_id for link in fact.links}
    wanted.discard(None)
    if not wanted:
        return set()
    stmt = select(Organisation.id).where(
        Organisation.id.in_(sorted(wanted)), policy.visible_organisations(viewer)
    )
    return set(session.scalars(stmt))


def fact_views(
    session: Session, viewer: Viewer, facts: Sequence[NewsFact], reviewer: bool | None = None
) -> list[dict[str, Any]]:
    """`facts` as the viewer sees them (`fact_view`), with one look-up of what they may see."""
    visible = visible_ids(session, viewer, facts)
    reviewer = is_reviewer(viewer) if reviewer is None else reviewer
    return [fact_view(fact, visible, reviewer) for fact in facts]


def fact_view(fact: NewsFact, visible: set[int], reviewer: bool) -> dict[str, Any]:
    """A fact as a viewer sees it: links to records they may not see become plain text."""
    data = dict(fact.data)
    if data.get("registry_id") is not None and data["registry_id"] not in visible:
        data.update(registry_id=None, name=fact.text)
    if data.get("organization_id") is not None and data["organization_id"] not in visible:
        data.update(organization_id=None, organization=data.get("organization_text"))
    if data.get("organization_ids"):
        data["organization_ids"] = [i if i in visible else None for i in data["organization_ids"]]
    data.pop("candidates", None)
    data.pop("subject_ids", None)
    view = {
        "id": fact.id,
        "kind": fact.kind,
        "text": fact.text,
        "start": fact.start,
        "end": fact.end,
        "sentence": fact.sentence,
        "status": fact.status,
        "date": fact.fact_date.isoformat() if fact.fact_date else None,
        "data": data,
        "organisation_ids": sorted({link.organisation_id for link in fact.links} & visible),
        "source": fact.source,
    }
    if reviewer:
        view["note"] = fact.note
    return view
