"""Needs (published by buyers or clusters), investment theses, and expressions of interest."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filiera.db import Base
from filiera.registry.models import Organisation, utcnow

NEED_KINDS = ("need", "challenge")
NEED_STATUSES = ("open", "closed")
STAGES = ("pre_seed", "seed", "series_a", "series_b", "growth", "buyout")


class Need(Base):
    """An operational need or challenge; `owner_id` is the publishing organisation."""

    __audit__ = "need"
    __tablename__ = "need"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), default="need")
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(2))
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    trl_min: Mapped[int | None] = mapped_column(Integer)
    trl_max: Mapped[int | None] = mapped_column(Integer)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    markings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    owner: Mapped[Organisation] = relationship()
    interests: Mapped[list[Interest]] = relationship(
        back_populates="need", cascade="all, delete-orphan"
    )


class Interest(Base):
    """An organisation says it can help with a need."""

    __audit__ = "interest"
    __tablename__ = "need_interest"
    __table_args__ = (UniqueConstraint("need_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    need: Mapped[Need] = relationship(back_populates="interests")
    organisation: Mapped[Organisation] = relationship()


class Thesis(Base):
    """An investor's investment thesis: sectors, stages, ticket size, countries."""

    __audit__ = "thesis"
    __tablename__ = "thesis"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(2))
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)  # capability codes
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    ticket_min: Mapped[float | None] = mapped_column(Float)
    ticket_max: Mapped[float | None] = mapped_column(Float)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    owner: Mapped[Organisation] = relationship()
