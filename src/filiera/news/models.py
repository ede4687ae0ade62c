"""Stored news: articles, the facts read from them (proposed, accepted or rejected), the
registry organisations each fact is about, and users' watches for the digest."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filiera.db import Base
from filiera.registry.models import Source, utcnow


class NewsArticle(Base):
    """An article as ingested: its main text, where it came from and its language. News
    articles are public reading; the facts read from them are reviewed before they count."""

    __audit__ = "news_article"
    __tablename__ = "news_article"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(String(1000), index=True)
    given_as: Mapped[str] = mapped_column(String(1000))  # the file or URL given to ingest
    published: Mapped[date | None] = mapped_column(Date, index=True)
    lang: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(10))  # text | html | feed
    text: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    signature: Mapped[list[int]] = mapped_column(JSON, default=list)
    credit: Mapped[str | None] = mapped_column(String(300))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("source.id"), index=True)
    ingested_by: Mapped[int | None] = mapped_column(Integer)
    ingested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    source: Mapped[Source | None] = relationship()
    facts: Mapped[list[NewsFact]] = relationship(
        back_populates="article", cascade="all, delete-orphan", order_by="NewsFact.id"
    )


class NewsFact(Base):
    """One thing read from an article (an organisation, a person and role, a place, an
    amount, a quantity, a date or an event), pointing to the sentence it came from.

    `status`: proposed (waiting for a reviewer), accepted (counts: shown on the registry's
    pages, may have created registry records) or rejected. A fact without an article was
    entered by hand; `source` then says where it comes from."""

    __audit__ = "news_fact"
    __tablename__ = "news_fact"
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("news_article.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), index=True)
    text: Mapped[str] = mapped_column(String(1000))
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    sentence: Mapped[str | None] = mapped_column(Text)
    sentence_index: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="proposed", index=True)
    source: Mapped[str | None] = mapped_column(String(300))
    fact_date: Mapped[date | None] = mapped_column(Date)
    reviewed_by: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    article: Mapped[NewsArticle | None] = relationship(back_populates="facts")
    links: Mapped[list[NewsLink]] = relationship(
        back_populates="fact", cascade="all, delete-orphan"
    )


class NewsLink(Base):
    """A fact is about a registry organisation (its subject or a participant) or person."""

    __tablename__ = "news_link"
    __table_args__ = (UniqueConstraint("fact_id", "organisation_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("news_fact.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    fact: Mapped[NewsFact] = relationship(back_populates="links")


class NewsWatch(Base):
    """A user's saved search or watched organisation: the digest shows new accepted facts
    that match it."""

    __tablename__ = "news_watch"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str | None] = mapped_column(String(500))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # event types or fact kinds
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
