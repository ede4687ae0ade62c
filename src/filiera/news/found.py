"""What the extractors find in an article: spans of its text with normalised values.

Every finder returns `Found` items whose `start`/`end` are character offsets in the text it
was given; `extract.extract_article` adds the sentence each one came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

KINDS = ("organization", "person", "place", "money", "quantity", "date", "event")
LANGUAGES = ("it", "en", "fr", "de")  # extraction rules exist for these; others use "en"


@dataclass(frozen=True)
class Found:
    """A span of text and what it means (`data` depends on `kind`, see below).

    organization: {"name", "registry_id" (int | None), "found_by": ["registry"|"context"],
                   "org_kind": "company"|"association"|"cluster"|"research"|"public_body"|None}
    person:       {"name", "role" (str | None), "organization" (str | None),
                   "organization_id" (int | None)}
    place:        {"name", "country" (ISO 3166 alpha-2 | None), "region" (NUTS | None)}
    money:        {"amount" (float), "currency" (ISO 4217, e.g. "EUR")}
    quantity:     {"value" (float), "unit" (e.g. "companies", "employees", "shells",
                   "tonnes", "percent"), "qualifier" ("more than"|"about"|... | None)}
    date:         {"date" (ISO yyyy-mm-dd | yyyy-mm | yyyy), "precision": "day"|"month"|"year"}
    event:        {"type", "participants": [names], "organization_ids": [int | None],
                   "people": [names], "places": [names], "date" (ISO | None)}
    """

    kind: str
    start: int
    end: int
    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Sentence:
    """One sentence of an article: its index and character offsets."""

    index: int
    start: int
    end: int
    text: str
