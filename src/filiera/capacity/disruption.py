"""Random disruptions of a scenario: site outages, input cut-offs, lead-time slips.

The parameters come from the scenario file's optional `risk:` section (every key is
optional; the defaults are below):

```yaml
risk:
  line_outage_per_year: 0.05   # chance a line (site) fails within a year
  outage_months: [1, 6]        # an outage lasts from 1 to 6 months (uniform)
  outage_share: 1.0            # share of the line's capacity lost while it is out
  lines: {tnt_pl: 0.2}         # per-line chance per year, instead of the default
  cutoff_per_year: 0.05        # chance supplies from one origin country stop within a year
  cutoff_months: [1, 6]        # a cut-off lasts from 1 to 6 months (uniform)
  cutoff_share: 1.0            # share of that country's supply lost while it lasts
  countries: {CN: 0.3}         # per-country chance per year, instead of the default
  slip_max_months: 6           # an expansion is late by 0 to 6 months...
  slip_decay: 0.5              # ...month k with weight decay**k (0.5: half are on time)
```

An outage or a cut-off starts in a month with the monthly hazard matching its yearly
chance, so a long horizon sees more of them. A raw input with several origin countries
gets an equal share from each: losing one of two origins cuts its supply by half (an
input whose supply is unlimited is only hurt when all its origins are cut). Overlapping
events keep the larger loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from filiera.capacity.plan import Disruption
from filiera.capacity.scenario import Scenario
from filiera.errors import ValidationFailed, field_error


@dataclass(frozen=True)
class RiskParameters:
    line_outage_per_year: float = 0.05
    outage_months: tuple[int, int] = (1, 6)
    outage_share: float = 1.0
    lines: dict[str, float] | None = None
    cutoff_per_year: float = 0.05
    cutoff_months: tuple[int, int] = (1, 6)
    cutoff_share: float = 1.0
    countries: dict[str, float] | None = None
    slip_max_months: int = 6
    slip_decay: float = 0.5


SHARES = ("line_outage_per_year", "outage_share", "cutoff_per_year", "cutoff_share")


def _share(value: Any, name: str, errors: list[dict[str, str]]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        errors.append(field_error("risk", name, f"{name} is a share from 0 to 1"))
        return 0.0
    return float(value)


def _months(value: Any, name: str, errors: list[dict[str, str]]) -> tuple[int, int]:
    ok = (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 1 <= value[0] <= value[1]
    )
    if not ok:
        errors.append(field_error("risk", name, f"{name} is [shortest, longest] in months ≥ 1"))
        return (1, 1)
    return (int(value[0]), int(value[1]))


def _table(value: Any, name: str, errors: list[dict[str, str]], upper: bool) -> dict[str, float]:
    if not isinstance(value, dict):
        errors.append(field_error("risk", name, f"{name} maps each id to a chance per year"))
        return {}
    return {
        (str(k).upper() if upper else str(k)): _share(v, f"{name}.{k}", errors)
        for k, v in value.items()
    }


def parameters(scenario: Scenario) -> RiskParameters:
    """The scenario's `risk:` section over the defaults; every problem at once."""
    raw = scenario.raw.get("risk") if isinstance(scenario.raw, dict) else None
    if raw is None:
        return RiskParameters()
    errors: list[dict[str, str]] = []
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "risk: a mapping of parameters",
            errors=[field_error("risk", "risk", "a mapping of parameters")],
        )
    known = set(RiskParameters.__dataclass_fields__)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            errors.append(field_error("risk", str(key), f"unknown risk parameter {key!r}"))
        elif key in SHARES or key == "slip_decay":
            values[key] = _share(value, key, errors)
        elif key in ("outage_months", "cutoff_months"):
            values[key] = _months(value, key, errors)
        elif key in ("lines", "countries"):
            values[key] = _table(value, key, errors, upper=key == "countries")
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36:
            errors.append(field_error("risk", key, f"{key} is a whole number from 0 to 36"))
        else:
            values[key] = value
    for line_id in values.get("lines") or {}:
        if line_id not in scenario.all_lines():
            errors.append(field_error("risk", f"lines.{line_id}", f"unknown line {line_id!r}"))
    if errors:
        shown = "; ".join(f"{e['record']}.{e['field']}: {e['message']}" for e in errors)
        raise ValidationFailed(f"risk: {shown}", errors=errors)
    return RiskParameters(**values)


def raw_origins(scenario: Scenario) -> dict[str, tuple[str, ...]]:
    """Inputs no line makes, with the countries they come from."""
    made = {line.item for line in scenario.all_lines().values()}
    return {
        item.id: item.origin
        for item in scenario.items.values()
        if item.id not in made and item.origin and item.id not in scenario.demand
    }


def _hazard(per_year: float) -> float:
    """Monthly chance of an event starting, for a yearly chance of at least one."""
    return 1.0 - (1.0 - per_year) ** (1.0 / 12.0) if per_year < 1 else 1.0


def _events(
    rng: np.random.Generator, keys: list[str], chances: list[float], months: int, span
) -> dict[str, list[tuple[int, int]]]:
    """For each key, the (first month, length) of each event over the horizon."""
    hazards = np.array([_hazard(p) for p in chances])
    starts = rng.random((len(keys), months)) < hazards[:, None]
    lengths = rng.integers(span[0], span[1] + 1, size=(len(keys), months))
    events: dict[str, list[tuple[int, int]]] = {}
    for k, m in zip(*np.nonzero(starts), strict=True):
        events.setdefault(keys[k], []).append((int(m), int(lengths[k, m])))
    return events


def _spread(
    events: list[tuple[int, int]], share: float, months: int, into: dict[int, float]
) -> None:
    for first, length in events:
        for month in range(first, min(months, first + length)):
            into[month] = max(into.get(month, 0.0), share)


def _slips(rng: np.random.Generator, ids: list[str], p: RiskParameters) -> dict[str, int]:
    weights = np.array([p.slip_decay**k for k in range(p.slip_max_months + 1)])
    draws = rng.choice(len(weights), size=len(ids), p=weights / weights.sum())
    return {eid: int(k) for eid, k in zip(ids, draws, strict=True) if k > 0}


@dataclass(frozen=True)
class Draw:
    """One random disruption and what it hit (for attributing losses)."""

    disruption: Disruption
    lines_out: frozenset[str]
    countries_cut: frozenset[str]


def draw_events(
    scenario: Scenario, rng: np.random.Generator, params: RiskParameters | None = None
) -> Draw:
    """A random disruption of the scenario, with the lines and countries it hit."""
    p = params or parameters(scenario)
    months = scenario.months
    line_ids = sorted(scenario.all_lines())
    chances = [(p.lines or {}).get(line, p.line_outage_per_year) for line in line_ids]
    outages = _events(rng, line_ids, chances, months, p.outage_months)
    lines: dict[str, dict[int, float]] = {}
    for line_id, events in outages.items():
        _spread(events, p.outage_share, months, lines.setdefault(line_id, {}))
    origins = raw_origins(scenario)
    countries = sorted({c for origin in origins.values() for c in origin})
    chances = [(p.countries or {}).get(c, p.cutoff_per_year) for c in countries]
    cutoffs = _events(rng, countries, chances, months, p.cutoff_months)
    items: dict[str, dict[int, float]] = {}
    for item_id, origin in sorted(origins.items()):
        lost: dict[int, float] = {}
        for country in origin:
            cut: dict[int, float] = {}
            _spread(cutoffs.get(country, []), p.cutoff_share, months, cut)
            for month, share in cut.items():
                lost[month] = lost.get(month, 0.0) + share / len(origin)
        if lost:
            items[item_id] = {m: min(1.0, v) for m, v in lost.items()}
    slips = _slips(rng, sorted(scenario.expansions), p)
    return Draw(Disruption(lines, items, slips), frozenset(lines), frozenset(cutoffs))


def draw(
    scenario: Scenario, rng: np.random.Generator, params: RiskParameters | None = None
) -> Disruption:
    """A random disruption of the scenario (see the module's docstring)."""
    return draw_events(scenario, rng, params).disruption
