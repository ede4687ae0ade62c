"""Input and output shapes of stored capacity scenarios (plans stay plain JSON dicts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from filiera.registry.schemas import Visibility
from filiera.registry.schemas import _In as RegistryIn

TEXT_MAX = 500_000  # characters of YAML
RUNS_MAX = 20_000  # disruption scenarios one server request may ask for

PlanOut = dict[str, Any]  # the analysis JSON (see capacity.analysis), passed through


class ScenarioIn(RegistryIn):
    """A scenario to store: its YAML (validated as a whole), owner and visibility."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5_000)
    text: str = Field(min_length=1, max_length=TEXT_MAX, description="The scenario as YAML")
    owner_id: int = Field(ge=1, description="The planning organisation")
    visibility: Visibility = "restricted"


class RiskIn(RegistryIn):
    """How many random disruptions to solve, and the seed that makes them reproducible."""

    runs: int = Field(default=1000, ge=1, le=RUNS_MAX)
    seed: int = Field(default=1, ge=0)


class LinkOut(BaseModel):
    """A line of the scenario and the registry organisation it names (if visible)."""

    line: str
    organisation_id: int


class ScenarioOut(BaseModel):
    """A stored scenario as the viewer may see it: `text` only for planners; a company
    named in the lines sees only its own `lines`."""

    id: int
    name: str
    description: str | None
    owner_id: int
    owner: str
    visibility: str
    full_view: bool = Field(description="False: the redacted view of a company in the chain")
    can_edit: bool
    text: str | None
    lines: list[str] = Field(description="The lines the viewer may see figures of")
    links: list[LinkOut]
    created_at: dt.datetime
    updated_at: dt.datetime
    result_at: dt.datetime | None
    risk_at: dt.datetime | None
