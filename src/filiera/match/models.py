"""Personal shortlists of match results: saved, named, optionally shared with the owner's
organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filiera.db import Base
from filiera.registry.models import Organisation, utcnow


class Shortlist(Base):
    """A user's named list of organisations, kept from a search; `shared_with_id` opens it to
    the users of that organisation (the owner's own organisation)."""

    __audit__ = "shortlist"
    __tablename__ = "shortlist"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_user_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    shared_with_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    query: Mapped[str | None] = mapped_column(Text)
    filters: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    entries: Mapped[list[ShortlistEntry]] = relationship(
        back_populates="shortlist",
        cascade="all, delete-orphan",
        order_by="ShortlistEntry.position",
    )


class ShortlistEntry(Base):
    """One organisation on a shortlist, in the user's order, with a note."""

    __audit__ = "shortlist_entry"
    __tablename__ = "shortlist_entry"
    __table_args__ = (UniqueConstraint("shortlist_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    shortlist_id: Mapped[int] = mapped_column(
        ForeignKey("shortlist.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    shortlist: Mapped[Shortlist] = relationship(back_populates="entries")
    organisation: Mapped[Organisation] = relationship()
