"""The start-up prior of a thesis ranking, and the fit it gives (see `needs.investing`).

fit = relevance ** RELEVANCE_POWER x (FLOOR + (1 - FLOOR) x prior)

`relevance` is `match.service.relevance` (the matchmaking scores, counted and scaled among
what the viewer may see); the square root keeps its order but narrows the lead that EU
project history gives established firms, which a start-up cannot have yet. `prior` in
[0, 1] says how much the organisation looks like a start-up for this thesis: its kind, its
age, its size and, when the thesis names stages or a ticket, the fit of its stage. The
registry holds no funding rounds, so the stage is derived from age and size, and the
explanations say so. Every part is in [0, 1], so fits are graded in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.disclosure import Disclosure, load_grants
from filiera.access.viewer import Viewer
from filiera.match.index import MatchIndex
from filiera.registry.models import Membership, Organisation

STARTUP_KINDS = ("startup", "sme")
RELEVANCE_POWER = 0.5
FLOOR = 0.4  # the multiplier of an organisation with no start-up trait at all
WEIGHTS = {"kind": 0.5, "age": 0.2, "size": 0.15, "stage": 0.15}
KIND_PRIOR = {"startup": 1.0}  # any other kind: 0
UNKNOWN = 0.5  # an age, size or stage the registry does not know: neither for nor against
YOUNG, OLD = 5, 15  # years: full marks up to YOUNG, none from OLD
SMALL, LARGE = 50, 250  # employees: full marks up to SMALL, none from LARGE (not an SME)
STAGES = ("pre_seed", "seed", "series_a", "series_b", "growth", "buyout")
# Derived stage: the mean of the step reached by age and by size (upper bounds per step).
AGE_STEPS = (2, 5, 8, 12, 20)  # years
SIZE_STEPS = (10, 25, 100, 250, 1000)  # employees
# Typical ticket per stage, in euros (low, high): a thesis's ticket range implies stages.
TICKETS = {
    "pre_seed": (0, 500_000),
    "seed": (250_000, 3_000_000),
    "series_a": (2_000_000, 15_000_000),
    "series_b": (10_000_000, 50_000_000),
    "growth": (30_000_000, float("inf")),
    "buyout": (50_000_000, float("inf")),
}


@dataclass
class Prior:
    """The start-up prior of one organisation for one thesis, with its parts (None where
    not known, or for the stage when the thesis names none)."""

    value: float
    kind: float
    founded_year: int | None
    employees: int | None
    age: float | None
    size: float | None
    stage: str | None  # derived from age and size (the registry holds no funding rounds)
    stage_score: float | None
    stage_fit: str | None  # "in", "near", "out"; None when unknown or not asked


@dataclass
class Priors:
    """The priors of the organisations at `positions` (arrays aligned with it; NaN where
    a part is unknown)."""

    positions: np.ndarray
    value: np.ndarray
    kind: np.ndarray
    age: np.ndarray
    size: np.ndarray
    stage_step: np.ndarray
    stage_score: np.ndarray
    asked_stage: bool
    founded_year: np.ndarray
    employees: np.ndarray  # NaN also where the viewer may not see the field

    def of(self, pos: int) -> Prior:
        at = int(np.flatnonzero(self.positions == pos)[0])
        step, score = self.stage_step[at], self.stage_score[at]
        stage = None if np.isnan(step) else STAGES[int(step)]
        verdict = None
        if self.asked_stage and stage is not None:
            verdict = {1.0: "in", 0.5: "near"}.get(float(score), "out")
        return Prior(
            value=round(float(self.value[at]), 4),
            kind=float(self.kind[at]),
            founded_year=_whole(self.founded_year[at]),
            employees=_whole(self.employees[at]),
            age=_known(self.age[at]),
            size=_known(self.size[at]),
            stage=stage,
            stage_score=_known(score) if self.asked_stage else None,
            stage_fit=verdict,
        )


def _known(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value), 4)


def _whole(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def wanted_stages(
    stages: list[str], ticket_min: float | None, ticket_max: float | None
) -> list[str]:
    """The thesis's stages; when it names none, those its ticket range overlaps."""
    if stages or (ticket_min is None and ticket_max is None):
        return list(stages)
    low = ticket_min or 0.0
    high = ticket_max if ticket_max is not None else float("inf")
    return [s for s in STAGES if TICKETS[s][0] <= high and low <= TICKETS[s][1]]


def youth(founded_year: np.ndarray, year: int) -> np.ndarray:
    """1 up to YOUNG years old, fading linearly to 0 at OLD (NaN stays NaN)."""
    age = np.maximum(year - founded_year, 0)
    return np.clip((OLD - age) / (OLD - YOUNG), 0.0, 1.0)


def smallness(employees: np.ndarray) -> np.ndarray:
    """1 up to SMALL employees, fading linearly to 0 at LARGE (NaN stays NaN)."""
    return np.clip((LARGE - employees) / (LARGE - SMALL), 0.0, 1.0)


def stage_steps(founded_year: np.ndarray, employees: np.ndarray, year: int) -> np.ndarray:
    """The derived stage (an index in STAGES): the rounded mean of the step its age and its
    size reach; NaN when both are unknown."""
    age = np.maximum(year - founded_year, 0)
    by_age = np.where(np.isnan(age), np.nan, np.searchsorted(AGE_STEPS, age, side="left"))
    by_size = np.where(
        np.isnan(employees), np.nan, np.searchsorted(SIZE_STEPS, employees, side="left")
    )
    both = np.vstack([by_age, by_size])
    known = (~np.isnan(both)).sum(axis=0)
    total = np.nansum(both, axis=0)
    return np.where(known > 0, np.floor(total / np.maximum(known, 1) + 0.5), np.nan)


def stage_scores(steps: np.ndarray, wanted: list[str]) -> np.ndarray:
    """1 for a wanted stage, 0.5 one step away, else 0 (NaN where the stage is unknown)."""
    if not wanted:
        return np.full(len(steps), np.nan)
    targets = np.array([STAGES.index(w) for w in wanted], dtype=np.float64)
    distance = np.abs(steps[:, None] - targets[None, :]).min(axis=1) if len(steps) else steps
    return np.select([distance == 0, distance == 1], [1.0, 0.5], 0.0) + np.where(
        np.isnan(distance), np.nan, 0.0
    )


def priors(
    positions: np.ndarray,
    kinds: np.ndarray,
    founded_year: np.ndarray,
    employees: np.ndarray,
    wanted: list[str],
    year: int | None = None,
) -> Priors:
    """The start-up prior in [0, 1] of each organisation: the weighted mean of its kind,
    age, size and (when the thesis names stages or a ticket) stage fit; an unknown part
    counts UNKNOWN, neither for nor against."""
    year = year or date.today().year
    founded_year = np.asarray(founded_year, dtype=np.float64)
    employees = np.asarray(employees, dtype=np.float64)
    parts = {
        "kind": np.array([KIND_PRIOR.get(str(k), 0.0) for k in kinds], dtype=np.float64),
        "age": youth(founded_year, year),
        "size": smallness(employees),
    }
    steps = stage_steps(founded_year, employees, year)
    parts["stage"] = stage_scores(steps, wanted)
    asked = {k: w for k, w in WEIGHTS.items() if k != "stage" or wanted}
    total = sum(w * np.nan_to_num(parts[k], nan=UNKNOWN) for k, w in asked.items())
    value = total / sum(asked.values())
    return Priors(
        np.asarray(positions, dtype=np.int64),
        value,
        parts["kind"],
        parts["age"],
        parts["size"],
        steps,
        parts["stage"],
        bool(wanted),
        founded_year,
        employees,
    )


def fit(relevance: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """The thesis fit: relevance re-weighted by the prior, in [0, 1] (0 where the relevance
    is 0)."""
    return np.power(np.clip(relevance, 0.0, 1.0), RELEVANCE_POWER) * (FLOOR + (1.0 - FLOOR) * prior)


# --- reading the traits, as the viewer may see them -------------------------------------------


def read_priors(
    session: Session, viewer: Viewer, index: MatchIndex, positions: np.ndarray, wanted: list[str]
) -> Priors:
    """The priors of the organisations at `positions`, from their registry rows: founded
    year, and employees only where the viewer may see that field."""
    position_of = {int(index.org_ids[p]): int(p) for p in positions}
    founded = np.full(len(positions), np.nan)
    employees = np.full(len(positions), np.nan)
    at = {int(p): i for i, p in enumerate(positions)}
    stmt = select(
        Organisation.id,
        Organisation.founded_year,
        Organisation.employees,
        Organisation.field_visibility,
    ).where(Organisation.kind.in_(STARTUP_KINDS))
    rows = [row for row in session.execute(stmt) if row.id in position_of]
    guarded = [r for r in rows if policy.field_level("organisation", r, "employees") != "public"]
    allowed = _employees_allowed(session, viewer, guarded)
    hidden = {r.id for r in guarded} - allowed
    for row in rows:
        i = at[position_of[row.id]]
        if row.founded_year is not None:
            founded[i] = row.founded_year
        if row.employees is not None and row.id not in hidden:
            employees[i] = row.employees
    return priors(positions, index.kind[positions], founded, employees, wanted)


def _employees_allowed(session: Session, viewer: Viewer, rows: list) -> set[int]:
    """Ids among `rows` (organisations whose employees field is not public) whose field
    the viewer may see; reads of restricted ones go to the audit log."""
    if not rows:
        return set()
    ids = {row.id for row in rows}
    clusters: dict[int, set[int]] = {i: set() for i in ids}
    stmt = select(Membership.organisation_id, Membership.cluster_id).where(
        Membership.organisation_id.in_(ids)
    )
    for org_id, cluster_id in session.execute(stmt):
        clusters[org_id].add(cluster_id)
    disclosure = Disclosure(viewer, load_grants(session, {"organisation": ids}))
    allowed = {
        row.id
        for row in rows
        if disclosure.field(
            "organisation",
            row.id,
            row,
            "employees",
            disclosure.owner("organisation", row.id, {row.id}, clusters[row.id]),
        )
    }
    disclosure.log(session, "thesis ranking")
    return allowed
