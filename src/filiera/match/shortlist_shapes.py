"""Input and output shapes of personal shortlists (`match.shortlists`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from filiera.registry.schemas import _In as RegistryIn

NAME_MAX = 200
NOTE_MAX = 4000
ENTRIES_MAX = 500  # organisations on one list


class ShortlistIn(RegistryIn):
    """A new list: its name, whether your organisation's users may read it, and the search
    it was kept from."""

    name: str = Field(min_length=1, max_length=NAME_MAX, examples=["Counter-drone radar, Q3"])
    shared_with_id: int | None = Field(
        default=None,
        ge=1,
        description="One of your organisations: its users may read the list (not change it); "
        "null: only you",
    )
    query: str | None = Field(default=None, max_length=20_000, description="The search text")


class ShortlistPatch(RegistryIn):
    """Rename, share or stop sharing (`shared_with_id: null`), reorder."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    shared_with_id: int | None = Field(default=None, ge=1)
    order: list[int] | None = Field(
        default=None,
        max_length=ENTRIES_MAX,
        description="The ids of the organisations on the list, each once, in the new order",
    )


class EntryIn(RegistryIn):
    """Put an organisation on the list (or, when it is there, change its note or place)."""

    organisation_id: int = Field(ge=1)
    note: str | None = Field(default=None, max_length=NOTE_MAX)
    position: int | None = Field(
        default=None, ge=1, description="Its place from 1 (default: last, or where it is)"
    )


class EntryOut(BaseModel):
    position: int = Field(description="Place on the list, from 1")
    organisation_id: int
    name: str
    country: str | None = None
    kind: str
    synthetic: bool
    markings: list[str] = Field(description="The organisation's export-control markings")
    note: str | None = None
    added_at: datetime


class ShortlistSummary(BaseModel):
    id: int
    name: str
    mine: bool = Field(description="You own it (otherwise it is shared with you)")
    owner: str = Field(description="Name of the user who keeps it")
    shared_with_id: int | None = None
    shared_with: str | None = Field(default=None, description="The organisation it is shared with")
    query: str | None = None
    count: int = Field(description="Organisations on the list that you may see")
    created_at: datetime
    updated_at: datetime


class ShortlistOut(ShortlistSummary):
    entries: list[EntryOut]
