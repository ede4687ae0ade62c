"""Input and output shapes of events, their slots, participants, requests and suggestions.

Single fields are checked here; rules across fields and against the database (slots fit the
venue, blocked slots belong to the event, a participant keeps a free slot) live in the
services, which name the field of every problem.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from filiera.events.models import (
    EVENT_STATUSES,
    PARTICIPANT_STATUSES,
    REQUEST_STATUSES,
    SLOT_KINDS,
)
from filiera.registry import checks
from filiera.registry.schemas import Visibility
from filiera.registry.schemas import _In as RegistryIn

MAX_TABLES = 500
MAX_SLOTS = 400
EventStatus = Literal[EVENT_STATUSES]  # type: ignore[valid-type]
SlotKind = Literal[SLOT_KINDS]  # type: ignore[valid-type]
ParticipantStatus = Literal[PARTICIPANT_STATUSES]  # type: ignore[valid-type]
RequestStatus = Literal[REQUEST_STATUSES]  # type: ignore[valid-type]
Priority = Annotated[
    int, Field(ge=1, le=3, description="3 must meet, 2 would like to meet, 1 optional")
]
Box = Literal["sent", "received", "all"]
TableName = Annotated[str, Field(min_length=1, max_length=60)]
Label = Annotated[str, Field(min_length=1, max_length=100)]
Tables = Annotated[int, Field(ge=0, le=MAX_TABLES)]


class _In(RegistryIn):
    """Strict input: unknown fields and NUL characters are refused."""


# --- events and slots -----------------------------------------------------------------------


class SlotIn(_In):
    """One time slot in the event's local time; a `break` holds no meetings."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    session: Label | None = None
    kind: SlotKind = "meeting"
    tables: Tables | None = Field(default=None, description="Fewer tables than the venue's")


class BreakIn(_In):
    """A pause every day (lunch, coffee): no meeting slot overlaps it."""

    start: dt.time
    end: dt.time
    label: Label | None = None


class SessionIn(_In):
    """A named part of the day (e.g. "Morning"), optionally with fewer tables."""

    name: Label
    start: dt.time
    end: dt.time
    tables: Tables | None = None
    days: Annotated[list[dt.date], Field(max_length=14)] = Field(
        default_factory=list, description="The days it applies to; every day when empty"
    )


class SlotPlanIn(_In):
    """Slots, either generated (days, hours, length, breaks, sessions) or listed."""

    days: Annotated[list[dt.date], Field(max_length=14)] = Field(default_factory=list)
    day_start: dt.time | None = Field(default=None, examples=["09:00"])
    day_end: dt.time | None = Field(default=None, examples=["18:00"])
    slot_minutes: int | None = Field(default=None, ge=5, le=240, examples=[20])
    breaks: Annotated[list[BreakIn], Field(max_length=20)] = Field(default_factory=list)
    sessions: Annotated[list[SessionIn], Field(max_length=20)] = Field(default_factory=list)
    slots: Annotated[list[SlotIn], Field(max_length=MAX_SLOTS)] = Field(default_factory=list)


class EventIn(SlotPlanIn):
    """A B2B event of `owner_id` (an organisation the organiser acts for)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Lombardia–Piemonte cluster meeting",
                    "venue": "Villa Ponti",
                    "city": "Varese",
                    "country": "IT",
                    "owner_id": 3,
                    "days": ["2026-05-12"],
                    "day_start": "09:00",
                    "day_end": "17:00",
                    "slot_minutes": 30,
                    "breaks": [{"start": "12:30", "end": "14:00", "label": "Lunch"}],
                    "tables": 12,
                }
            ]
        },
    )
    name: str = Field(min_length=3, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    venue: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    country: checks.OptionalCountry = None
    timezone: str = Field(default="Europe/Rome", max_length=60)
    starts_on: dt.date | None = Field(default=None, description="The first day of the slots")
    ends_on: dt.date | None = Field(default=None, description="The last day of the slots")
    owner_id: int = Field(ge=1, description="The organisation organising the event")
    tables: int = Field(default=10, ge=1, le=MAX_TABLES)
    table_names: Annotated[list[TableName], Field(max_length=MAX_TABLES)] = Field(
        default_factory=list, description="One name per table, or none"
    )
    auto_accept: bool = False
    max_requests: int | None = Field(default=None, ge=1, le=500)
    status: EventStatus = "open"
    visibility: Visibility = "public"
    synthetic_note: str | None = Field(default=None, max_length=300)


class EventPatch(_In):
    """Fields to change; those left out stay as they are."""

    name: str | None = Field(default=None, min_length=3, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    venue: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    country: checks.OptionalCountry = None
    status: EventStatus | None = None
    auto_accept: bool | None = None
    max_requests: int | None = Field(default=None, ge=1, le=500)
    tables: int | None = Field(default=None, ge=1, le=MAX_TABLES)
    table_names: Annotated[list[TableName], Field(max_length=MAX_TABLES)] | None = None
    visibility: Visibility | None = None


class SlotOut(BaseModel):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    session: str | None
    kind: str
    tables: int | None = Field(description="This slot's own cap, if any")
    capacity: int = Field(description="Meetings that fit in this slot (0 for a break)")


class EventOut(BaseModel):
    id: int
    name: str
    description: str | None
    venue: str | None
    city: str | None
    country: str | None
    timezone: str
    starts_on: dt.date
    ends_on: dt.date
    tables: int
    table_names: list[str]
    auto_accept: bool
    max_requests: int | None
    owner_id: int
    owner: str
    status: str
    visibility: str
    synthetic_note: str | None
    slots: list[SlotOut]
    organiser: bool = Field(description="The viewer organises this event")
    my_participants: list[int] = Field(description="Registrations the viewer acts for")


# --- participants ---------------------------------------------------------------------------


class _Availability(_In):
    arrives_at: dt.datetime | None = Field(default=None, description="Free from (local time)")
    leaves_at: dt.datetime | None = Field(default=None, description="Free until (local time)")
    blocked_slots: Annotated[list[int], Field(max_length=MAX_SLOTS)] = Field(
        default_factory=list, description="Ids of this event's slots the delegate is busy in"
    )


class ParticipantIn(_Availability):
    """A delegate of an organisation at the event. Registering shares the name,
    organisation and profile with the event's participants and organisers."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "organisation_id": 42,
                    "contact_name": "Maria Rossi",
                    "job_title": "Head of business development",
                    "looking_for": "Suppliers of radar-absorbing composites",
                    "offering": "Additive manufacturing of titanium parts",
                    "arrives_at": "2026-05-12T10:00",
                    "blocked_slots": [7],
                }
            ]
        },
    )
    organisation_id: int = Field(ge=1)
    contact_name: str | None = Field(
        default=None, min_length=2, max_length=200, description="Your account's name by default"
    )
    job_title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    profile: str | None = Field(default=None, max_length=4000)
    looking_for: str | None = Field(default=None, max_length=2000)
    offering: str | None = Field(default=None, max_length=2000)
    auto_accept: bool = Field(default=False, description="Accept every request at once")


class ParticipantPatch(_In):
    """Fields to change; those left out stay as they are."""

    contact_name: str | None = Field(default=None, min_length=2, max_length=200)
    job_title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    profile: str | None = Field(default=None, max_length=4000)
    looking_for: str | None = Field(default=None, max_length=2000)
    offering: str | None = Field(default=None, max_length=2000)
    arrives_at: dt.datetime | None = None
    leaves_at: dt.datetime | None = None
    blocked_slots: Annotated[list[int], Field(max_length=MAX_SLOTS)] | None = None
    auto_accept: bool | None = None


class ParticipantOut(BaseModel):
    """A participant as the viewer may see it: the contact and profile only for the
    event's organisers and participants; e-mail and availability only for organisers and
    whoever acts for the participant."""

    id: int
    event_id: int
    organisation_id: int
    organisation: str
    country: str | None
    kind: str
    status: str
    synthetic: bool
    contact_name: str | None = None
    job_title: str | None = None
    profile: str | None = None
    looking_for: str | None = None
    offering: str | None = None
    email: str | None = None
    arrives_at: dt.datetime | None = None
    leaves_at: dt.datetime | None = None
    blocked_slots: list[int] | None = None
    auto_accept: bool | None = None
    mine: bool = Field(default=False, description="The viewer acts for this participant")


# --- requests -------------------------------------------------------------------------------


class RequestIn(_In):
    """A request to meet another participant of the same event."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"to_participant": 17, "priority": 3, "message": "About composites"}]
        },
    )
    from_participant: int | None = Field(
        default=None, ge=1, description="Your own registration by default"
    )
    to_participant: int = Field(ge=1)
    priority: Priority = 2
    message: str | None = Field(default=None, max_length=1000)


class GroupMeetingIn(_In):
    """A group meeting (a consortium table) the organiser sets for 3 or more participants."""

    title: str = Field(min_length=3, max_length=200)
    participant_ids: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=30)]
    priority: Priority = 3


class ParticipantRef(BaseModel):
    id: int
    contact_name: str
    organisation_id: int
    organisation: str
    status: str


class RequestOut(BaseModel):
    id: int
    event_id: int
    kind: str = Field(description="pair, or group (set by the organiser)")
    title: str | None
    requester: ParticipantRef
    receiver: ParticipantRef | None
    guests: list[ParticipantRef]
    priority: int
    priority_name: str = Field(examples=["must_meet"])
    message: str | None
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    can_answer: bool = Field(description="The viewer may accept or decline it now")
    can_cancel: bool


# --- suggestions ----------------------------------------------------------------------------


class SuggestionOut(BaseModel):
    """Another participant worth meeting, with why (in the requested language)."""

    participant_id: int
    contact_name: str
    organisation_id: int
    organisation: str
    score: float = Field(description="for_me + for_them, each from 0 to 1")
    for_me: float = Field(description="How well they fit what I look for")
    for_them: float = Field(description="How well I fit what they look for")
    reasons_for_me: list[str]
    reasons_for_them: list[str]


class SuggestionsOut(BaseModel):
    participant_id: int
    suggestions: list[SuggestionOut]
    empty_reason: Literal["no_looking_for", "no_match"] | None = Field(
        default=None, description="Why the list is empty, when it is"
    )
