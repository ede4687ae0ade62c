"""Calls for proposals, and bids: saved consortia whose partners are invited and answer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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

CALL_STATUSES = ("open", "closed")
BID_STATUSES = ("draft", "submitted", "withdrawn")
PARTNER_STATUSES = ("proposed", "invited", "accepted", "declined")
PARTNER_ROLES = ("coordinator", "participant")


class Call(Base):
    """A call for proposals: its text, required capabilities and the rule set it follows.

    `owner_id` is the organisation that published it here (a cluster, a buyer); `rules`
    names a rule set (`edf`, `regional`...) and `rule_params` sets its parameters.
    """

    __audit__ = "call"
    __tablename__ = "funding_call"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(40))
    identifier: Mapped[str | None] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    lang: Mapped[str | None] = mapped_column(String(2))
    topic: Mapped[str | None] = mapped_column(String(120))
    deadline: Mapped[date | None] = mapped_column(Date)
    budget: Mapped[float | None] = mapped_column(Float)
    rules: Mapped[str] = mapped_column(String(60))
    rule_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    capabilities: Mapped[list[str]] = mapped_column(JSON, default=list)
    work_packages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    size_min: Mapped[int | None] = mapped_column(Integer)
    size_max: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    credit: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    owner: Mapped[Organisation] = relationship()


class Bid(Base):
    """A consortium saved as a draft bid by a user acting for `owner_id` (usually a cluster
    or the coordinator); read by the owner's users and by the invited partners' users."""

    __audit__ = "bid"
    __tablename__ = "bid"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    call_id: Mapped[int | None] = mapped_column(
        ForeignKey("funding_call.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str | None] = mapped_column(Text)
    rules: Mapped[str] = mapped_column(String(60))
    rule_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    owner: Mapped[Organisation] = relationship()
    call: Mapped[Call | None] = relationship()
    partners: Mapped[list[BidPartner]] = relationship(
        back_populates="bid", cascade="all, delete-orphan", order_by="BidPartner.position"
    )


class BidPartner(Base):
    """One organisation of a bid; its own users accept or decline the invitation."""

    __audit__ = "bid_partner"
    __tablename__ = "bid_partner"
    __table_args__ = (UniqueConstraint("bid_id", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(20), default="participant")
    status: Mapped[str] = mapped_column(String(12), default="proposed", index=True)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    invited_by: Mapped[str | None] = mapped_column(String(254))
    invited_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    bid: Mapped[Bid] = relationship(back_populates="partners")
    organisation: Mapped[Organisation] = relationship()
