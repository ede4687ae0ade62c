"""Output shapes of schedule runs, placed meetings, personal agendas and the organiser's grids."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AgendaStatus = Literal["meeting", "free", "break", "unavailable"]


class PersonOut(BaseModel):
    """A delegate as the event's participants and organisers see them."""

    participant_id: int
    name: str
    organisation_id: int
    organisation: str
    job_title: str | None = None


class AgendaSlot(BaseModel):
    """A time slot in the event's local time (`timezone` of the event)."""

    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: Literal["meeting", "break"]
    session: str | None = None
    tables: int = Field(description="Tables in use in this slot (0 in a break)")


class TableOut(BaseModel):
    number: int = Field(description="1-based")
    label: str


class MeetingOut(BaseModel):
    """A meeting placed in a slot at a table."""

    id: int
    request_id: int
    slot: AgendaSlot
    table: int
    table_label: str
    locked: bool
    priority: int
    members: list[PersonOut]


class UnscheduledOut(BaseModel):
    """An accepted request the run could not place, and why (`key` names the reason)."""

    request_id: int
    members: list[PersonOut]
    priority: int
    reason: str
    key: str
    params: dict[str, Any] = Field(default_factory=dict)


class ScheduleRunOut(BaseModel):
    """One run of the scheduler with its quality certificate (`stats`: weight, upper_bound,
    gap, percent_of_bound...) and the database changes (`changes`: kept, moved, added,
    removed rows)."""

    id: int
    event_id: int
    created_by: str | None
    created_at: dt.datetime
    time_limit: float
    seed: int
    stats: dict[str, Any]
    changes: dict[str, int]
    unscheduled: list[UnscheduledOut]


class AgendaMeeting(BaseModel):
    """What a participant needs to know about one of their meetings."""

    id: int
    request_id: int
    counterparts: list[PersonOut]
    table: int
    table_label: str
    priority: int
    priority_name: str = Field(description="must_meet, would_like or optional")
    title: str | None = None
    message: str | None = None


class AgendaItem(BaseModel):
    """One slot of the event, as it is for this participant."""

    slot: AgendaSlot
    status: AgendaStatus
    meeting: AgendaMeeting | None = None


class AgendaOut(BaseModel):
    """A participant's agenda: every slot of the event in order."""

    event_id: int
    event_name: str
    venue: str | None
    city: str | None
    timezone: str
    starts_on: dt.date
    ends_on: dt.date
    participant: PersonOut
    items: list[AgendaItem]

    @property
    def meetings(self) -> list[AgendaItem]:
        return [item for item in self.items if item.meeting is not None]

    @property
    def free(self) -> list[AgendaItem]:
        return [item for item in self.items if item.status == "free"]


class GridMeeting(BaseModel):
    id: int
    request_id: int
    locked: bool
    priority: int
    members: list[PersonOut]


class GridCell(BaseModel):
    """One table in one slot: `open` is False in a break or beyond the slot's tables."""

    slot_id: int
    table: int
    open: bool
    meeting: GridMeeting | None = None


class GridRow(BaseModel):
    """A slot (in `by_slot`) or a table (in `by_table`) with its cells."""

    key: int = Field(description="The slot id or the table number")
    label: str
    cells: list[GridCell]


class SlotGridOut(BaseModel):
    """The organiser's room sheet: rows are slots (or tables), cells the meetings."""

    event_id: int
    event_name: str
    timezone: str
    by: Literal["slot", "table"]
    slots: list[AgendaSlot]
    tables: list[TableOut]
    rows: list[GridRow]
    meetings: int


# --- inputs of the API (runs, hand moves) and the schedule as it stands ----------------------

SERVER_TIME_LIMIT = 60.0  # seconds: a run on the server never takes longer


class ScheduleIn(BaseModel):
    """A run of the scheduler: how long it may search (cut to 60 s on the server), and the
    seed that makes it repeatable."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"time_limit": 30, "seed": 1}]}
    )
    time_limit: float = Field(default=30.0, gt=0, description="Seconds; more than 60 is cut to 60")
    seed: int = Field(default=1, ge=0, le=2**31 - 1)

    @field_validator("time_limit")
    @classmethod
    def _capped(cls, value: float) -> float:
        return min(value, SERVER_TIME_LIMIT)


class MeetingPatch(BaseModel):
    """Lock a meeting where it is (`locked`), or move it by hand to `slot_id` and `table`
    (it is then locked there); both may be given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"locked": True}, {"slot_id": 12, "table": 3}]},
    )
    locked: bool | None = None
    slot_id: int | None = Field(default=None, ge=1)
    table: int | None = Field(default=None, ge=1, le=500)


class ScheduleOut(BaseModel):
    """The event's schedule as it stands: the last run's certificate (None before the first
    run) and every meeting that will take place, hand moves included."""

    run: ScheduleRunOut | None
    meetings: list[MeetingOut]
