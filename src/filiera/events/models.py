"""Events, their slots and tables, participants, meeting requests and scheduled meetings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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

EVENT_STATUSES = ("draft", "open", "closed")
SLOT_KINDS = ("meeting", "break")
PARTICIPANT_STATUSES = ("registered", "cancelled", "no_show")
REQUEST_STATUSES = ("pending", "accepted", "declined", "cancelled")
PRIORITIES = {3: "must_meet", 2: "would_like", 1: "optional"}


class Event(Base):
    """A B2B event organised by `owner_id` (a cluster, an association, a buyer).

    Slots are local times in `timezone`; `tables` meetings fit in one slot unless a slot
    says fewer; `table_names` optionally names them (as many names as tables).
    """

    __audit__ = "event"
    __tablename__ = "event"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    venue: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/Rome")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    tables: Mapped[int] = mapped_column(Integer, default=10)
    table_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    max_requests: Mapped[int | None] = mapped_column(Integer)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    synthetic_note: Mapped[str | None] = mapped_column(String(300))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    owner: Mapped[Organisation] = relationship()
    slots: Mapped[list[EventSlot]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventSlot.starts_at"
    )

    def tables_in(self, slot: EventSlot) -> int:
        """Tables usable in `slot`: none in a break, the slot's cap, never more than the venue."""
        if slot.kind != "meeting":
            return 0
        return self.tables if slot.tables is None else min(slot.tables, self.tables)


class EventSlot(Base):
    """One time slot; `kind` "break" slots hold no meetings; `tables` caps this slot."""

    __audit__ = "event_slot"
    __tablename__ = "event_slot"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    session: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(10), default="meeting")
    tables: Mapped[int | None] = mapped_column(Integer)
    event: Mapped[Event] = relationship(back_populates="slots")


class EventParticipant(Base):
    """An organisation's delegate at an event, with availability and what they seek/offer.

    Unavailability is `arrives_at`, `leaves_at` and `blocked_slots` (slot ids). Registering
    shares the name, organisation and profile with the event's participants and organisers.
    """

    __audit__ = "event_participant"
    __tablename__ = "event_participant"
    __table_args__ = (UniqueConstraint("event_id", "organisation_id", "contact_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    profile: Mapped[str | None] = mapped_column(Text)
    looking_for: Mapped[str | None] = mapped_column(Text)
    offering: Mapped[str | None] = mapped_column(Text)
    arrives_at: Mapped[datetime | None] = mapped_column(DateTime)
    leaves_at: Mapped[datetime | None] = mapped_column(DateTime)
    blocked_slots: Mapped[list[int]] = mapped_column(JSON, default=list)
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="registered", index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    organisation: Mapped[Organisation] = relationship()


class MeetingRequest(Base):
    """A request to meet: `requester_id` asks `receiver_id` (a pair), or, for a group
    meeting (a consortium table), the organiser gathers `guests` (3+ participants)."""

    __audit__ = "meeting_request"
    __tablename__ = "meeting_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("event_participant.id", ondelete="CASCADE"), index=True
    )
    receiver_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_participant.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8), default="pair")
    title: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=2)
    message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    requester: Mapped[EventParticipant] = relationship(foreign_keys=[requester_id])
    receiver: Mapped[EventParticipant | None] = relationship(foreign_keys=[receiver_id])
    guests: Mapped[list[MeetingGuest]] = relationship(
        back_populates="request", cascade="all, delete-orphan"
    )


class MeetingGuest(Base):
    """A participant of a group meeting besides its requester."""

    __audit__ = "meeting_guest"
    __tablename__ = "meeting_guest"
    __table_args__ = (UniqueConstraint("request_id", "participant_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_request.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("event_participant.id", ondelete="CASCADE"), index=True
    )
    request: Mapped[MeetingRequest] = relationship(back_populates="guests")
    participant: Mapped[EventParticipant] = relationship()


class Meeting(Base):
    """An accepted request placed in a slot at a table (1-based); `locked` ones stay put."""

    __audit__ = "meeting"
    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("request_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_request.id", ondelete="CASCADE"), index=True
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("event_slot.id", ondelete="CASCADE"), index=True
    )
    table_no: Mapped[int] = mapped_column(Integer)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    run_id: Mapped[int | None] = mapped_column(Integer)
    request: Mapped[MeetingRequest] = relationship()
    slot: Mapped[EventSlot] = relationship()


class ScheduleRun(Base):
    """One run of the scheduler on an event, with its quality certificate (`stats`)."""

    __audit__ = "schedule_run"
    __tablename__ = "schedule_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    time_limit: Mapped[float] = mapped_column(Float, default=30.0)
    seed: Mapped[int] = mapped_column(Integer, default=1)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    unscheduled: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
