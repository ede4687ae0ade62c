"""A capacity scenario: items with units, bills of materials, lines, expansions, stocks,
demand and a budget, read from a self-sufficient YAML file and checked as a whole.

Quantities may carry a unit ("1 200 t", "10.8 kg") and capacities may be per month or per
year; everything is converted to the item's own unit per month. Every problem is reported
at once, naming the item (or line, expansion) and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from filiera import yamlfile
from filiera.errors import Problems, ValidationFailed, field_error, read_yaml

# Units of mass in kg; count units are all the same thing, "one of the item".
MASS = {"g": 0.001, "kg": 1.0, "t": 1000.0, "tonne": 1000.0, "tonnes": 1000.0, "kt": 1e6}
COUNT = {"round", "rounds", "unit", "units", "piece", "pieces", "charge", "charges", "each"}
NUMBER = re.compile(r"^\s*([-+]?[\d][\d\s ,._]*(?:[eE][-+]?\d+)?)\s*([A-Za-zé]*)\s*$")


@dataclass(frozen=True)
class Item:
    id: str
    unit: str
    name: str | None = None
    origin: tuple[str, ...] = ()  # countries it comes from (raw materials)
    supply_per_month: float | None = None  # purchased inputs: cap (None: unlimited)


@dataclass(frozen=True)
class Line:
    id: str
    item: str
    capacity: float  # per month, in the item's unit, after utilisation
    organisation: str | None = None
    country: str | None = None
    site: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Expansion:
    id: str
    line: str
    extra: float  # per month, in the item's unit
    capex: float
    lead_time: int  # months from the start month to the first month it adds capacity
    ramp_up: int = 0  # months to reach full extra capacity (linear)
    earliest: int = 0  # first month index it may start
    new_line: Line | None = None  # a line built from nothing
    source: str | None = None


@dataclass
class Scenario:
    name: str
    start: date
    months: int
    items: dict[str, Item]
    bom: dict[str, dict[str, float]]  # output -> {input: quantity per unit of output}
    lines: dict[str, Line]
    expansions: dict[str, Expansion]
    stocks: dict[str, float]
    demand: dict[str, list[float]]  # item -> per month
    budget: float | None
    backorders: bool = False
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def month_label(self, index: int) -> str:
        year, month = divmod(self.start.month - 1 + index, 12)
        return f"{self.start.year + year:04d}-{month + 1:02d}"

    def lines_of(self, item: str) -> list[Line]:
        return [line for line in self.lines.values() if line.item == item]

    def all_lines(self) -> dict[str, Line]:
        """Existing lines and the lines expansions would build."""
        lines = dict(self.lines)
        for e in self.expansions.values():
            if e.new_line is not None:
                lines[e.new_line.id] = e.new_line
        return lines

    def stage(self) -> dict[str, int]:
        """Each item's level in the bills of materials: 0 for what is demanded."""
        level: dict[str, int] = {}
        frontier = [(item, 0) for item in self.demand]
        while frontier:
            item, depth = frontier.pop()
            if level.get(item, -1) >= depth:
                continue
            level[item] = depth
            frontier.extend((child, depth + 1) for child in self.bom.get(item, {}))
        return level


def _unit_key(unit: str) -> str:
    unit = unit.strip().lower()
    return "count" if unit in COUNT else unit


def convert(value: float, unit: str | None, item: Item) -> float | None:
    """`value` in `unit` expressed in the item's unit; None when they do not convert."""
    if not unit or _unit_key(unit) == _unit_key(item.unit):
        return value
    source, target = unit.strip().lower(), item.unit.strip().lower()
    if source in MASS and target in MASS:
        return value * MASS[source] / MASS[target]
    return None


def _number(text: str) -> float | None:
    cleaned = text.replace(" ", "").replace(" ", "").replace("_", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1 and len(cleaned.split(",")[1]) != 3:
        cleaned = cleaned.replace(",", ".")
    else:
        cleaned = cleaned.replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def quantity(
    raw: Any, item: Item | None, record: str, name: str, problems: Problems, *, minimum=0.0
) -> float | None:
    """A number, or a number with a unit converted to `item`'s unit; None after an error."""
    if isinstance(raw, bool) or raw is None:
        problems.add(record, name, "a number is required")
        return None
    unit = None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str) and (match := NUMBER.match(raw)):
        value, unit = _number(match.group(1)), match.group(2) or None
        if value is None:
            problems.add(record, name, f"{raw!r} is not a number")
            return None
    else:
        problems.add(record, name, f"{raw!r} is not a number (with an optional unit)")
        return None
    if item is not None and unit is not None:
        converted = convert(value, unit, item)
        if converted is None:
            problems.add(
                record,
                name,
                f"unit mismatch: {item.id} is counted in {item.unit}, not {unit} "
                "(no conversion between them)",
            )
            return None
        value = converted
    if value < minimum:
        problems.add(record, name, f"{value:g} is negative" if minimum == 0 else "too small")
        return None
    return value


def _month_start(raw: Any, problems: Problems) -> date:
    text = str(raw or "")
    match = re.match(r"^(\d{4})-(\d{2})$", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        problems.add("horizon", "start", f"start is a month like 2026-01, not {raw!r}")
        return date(2026, 1, 1)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _month_index(raw: Any, start: date, record: str, name: str, problems: Problems) -> int:
    """A month as an index from the horizon's start: an int or "YYYY-MM"."""
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    match = re.match(r"^(\d{4})-(\d{2})$", str(raw))
    if match:
        return (int(match.group(1)) - start.year) * 12 + int(match.group(2)) - start.month
    problems.add(record, name, f"a month index or YYYY-MM, not {raw!r}")
    return 0


def _country(value: Any) -> str:
    """A country code; YAML 1.1 reads a bare NO (Norway) as false."""
    return "NO" if value is False else str(value).upper()


def _items(raw: Any, problems: Problems) -> dict[str, Item]:
    if not isinstance(raw, list) or not raw:
        problems.add("scenario", "items", "a list of items, each {id, unit}")
        return {}
    items: dict[str, Item] = {}
    for index, row in enumerate(raw):
        record = f"items[{index}]"
        if not isinstance(row, dict) or not row.get("id") or not row.get("unit"):
            problems.add(record, "id", "each item has an id and a unit")
            continue
        item_id = str(row["id"])
        if item_id in items:
            problems.add(f"item {item_id}", "id", f"item {item_id} is listed twice")
            continue
        unit = str(row["unit"])
        origin = row.get("origin", [])
        origin = [origin] if isinstance(origin, str | bool) else (origin or [])
        item = Item(item_id, unit, row.get("name"), tuple(_country(c) for c in origin))
        supply = row.get("supply_per_month")
        if supply is None and row.get("supply_per_year") is not None:
            supply_year = quantity(
                row["supply_per_year"], item, f"item {item_id}", "supply_per_year", problems
            )
            supply = None if supply_year is None else supply_year / 12
        elif supply is not None:
            supply = quantity(supply, item, f"item {item_id}", "supply_per_month", problems)
        items[item_id] = Item(item.id, item.unit, item.name, item.origin, supply)
    return items


def _bom(raw: Any, items: dict[str, Item], problems: Problems) -> dict[str, dict[str, float]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("scenario", "bom", "bom maps each output to {input: quantity}")
        return {}
    bom: dict[str, dict[str, float]] = {}
    for output, inputs in raw.items():
        record = f"item {output}"
        if output not in items:
            problems.add(record, "bom", f"bom names unknown item {output!r}")
            continue
        if not isinstance(inputs, dict) or not inputs:
            problems.add(record, "bom", "inputs are {input: quantity per unit}")
            continue
        bom[output] = {}
        for child, amount in inputs.items():
            if child not in items:
                problems.add(record, "bom", f"input {child!r} is not an item")
                continue
            value = quantity(amount, items[child], record, f"bom.{child}", problems)
            if value is not None:
                bom[output][child] = value
    _check_cycles(bom, problems)
    return bom


def _check_cycles(bom: dict[str, dict[str, float]], problems: Problems) -> None:
    state: dict[str, int] = {}

    def visit(item: str, path: list[str]) -> None:
        state[item] = 1
        for child in bom.get(item, {}):
            if state.get(child) == 1:
                cycle = " -> ".join([*path[path.index(child) :], child])
                problems.add(f"item {child}", "bom", f"the bill of materials loops: {cycle}")
            elif state.get(child) is None:
                visit(child, [*path, child])
        state[item] = 2

    for item in list(bom):
        if state.get(item) is None:
            visit(item, [item])


def _capacity(row: dict, item: Item, record: str, problems: Problems) -> float | None:
    if row.get("capacity_per_month") is not None:
        value = quantity(row["capacity_per_month"], item, record, "capacity_per_month", problems)
    elif row.get("capacity_per_year") is not None:
        value = quantity(row["capacity_per_year"], item, record, "capacity_per_year", problems)
        value = None if value is None else value / 12
    else:
        problems.add(record, "capacity_per_month", "a capacity per month (or per year)")
        return None
    utilisation = row.get("utilisation", 1.0)
    if (
        isinstance(utilisation, bool)
        or not isinstance(utilisation, int | float)
        or not (0 <= utilisation <= 1)
    ):
        problems.add(record, "utilisation", "utilisation is a share from 0 to 1")
        return None
    return None if value is None else value * utilisation


def _line(row: Any, items: dict[str, Item], record: str, problems: Problems) -> Line | None:
    if not isinstance(row, dict) or not row.get("id"):
        problems.add(record, "id", "each line has an id, an item and a capacity")
        return None
    line_id = str(row["id"])
    record = f"line {line_id}"
    item = items.get(str(row.get("item")))
    if item is None:
        problems.add(record, "item", f"unknown item {row.get('item')!r}")
        return None
    capacity = _capacity(row, item, record, problems)
    if capacity is None:
        return None
    country = row.get("country")
    return Line(
        line_id,
        item.id,
        capacity,
        str(row["organisation"]) if row.get("organisation") is not None else None,
        _country(country) if country or country is False else None,
        row.get("site"),
        row.get("source"),
    )


def _lines(raw: Any, items: dict[str, Item], problems: Problems) -> dict[str, Line]:
    lines: dict[str, Line] = {}
    for index, row in enumerate(raw or []):
        line = _line(row, items, f"lines[{index}]", problems)
        if line is None:
            continue
        if line.id in lines:
            problems.add(f"line {line.id}", "id", f"line {line.id} is listed twice")
            continue
        lines[line.id] = line
    return lines


def _expansion(row: Any, index: int, scenario: Scenario, problems: Problems) -> Expansion | None:
    if not isinstance(row, dict) or not row.get("id"):
        problems.add(f"expansions[{index}]", "id", "each expansion has an id")
        return None
    record = f"expansion {row['id']}"
    new_line = None
    if row.get("new_line") is not None:
        spec = dict(row["new_line"]) if isinstance(row["new_line"], dict) else {}
        spec.setdefault("capacity_per_month", 0)
        new_line = _line(spec, scenario.items, record, problems)
        if new_line is None:
            return None
        if new_line.id in scenario.lines:
            problems.add(record, "new_line", f"line {new_line.id} exists already")
        line = new_line
    else:
        line = scenario.lines.get(str(row.get("line")))
        if line is None:
            problems.add(record, "line", f"unknown line {row.get('line')!r}")
            return None
    item = scenario.items[line.item]
    if row.get("extra_per_year") is not None:
        extra = quantity(row["extra_per_year"], item, record, "extra_per_year", problems)
        extra = None if extra is None else extra / 12
    else:
        extra = quantity(row.get("extra_per_month"), item, record, "extra_per_month", problems)
    capex = quantity(row.get("capex_eur", 0), None, record, "capex_eur", problems)
    lead = row.get("lead_time_months", 0)
    ramp = row.get("ramp_up_months", 0)
    for name, value in (("lead_time_months", lead), ("ramp_up_months", ramp)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.add(record, name, f"{name} is a whole number of months ≥ 0")
            return None
    earliest = _month_index(row.get("earliest", 0), scenario.start, record, "earliest", problems)
    if extra is None or capex is None:
        return None
    return Expansion(
        str(row["id"]), line.id, extra, capex, lead, ramp, earliest, new_line, row.get("source")
    )


def _demand(raw: Any, scenario: Scenario, problems: Problems) -> dict[str, list[float]]:
    if not isinstance(raw, list) or not raw:
        problems.add("scenario", "demand", "a list of demands, each {item, per_month}")
        return {}
    demand: dict[str, list[float]] = {}
    for index, row in enumerate(raw):
        record = f"demand[{index}]"
        item = scenario.items.get(str(row.get("item"))) if isinstance(row, dict) else None
        if item is None:
            problems.add(record, "item", "demand names a known item")
            continue
        record = f"item {item.id}"
        months = [0.0] * scenario.months
        if "monthly" in row:
            values = row["monthly"]
            if not isinstance(values, list) or len(values) != scenario.months:
                problems.add(record, "monthly", f"give one value per month ({scenario.months})")
                continue
            for m, value in enumerate(values):
                q = quantity(value, item, record, f"monthly[{m}]", problems)
                months[m] = q or 0.0
        else:
            key = "per_year" if "per_year" in row else "per_month"
            q = quantity(row.get(key), item, record, key, problems)
            if q is None:
                continue
            value = q / 12 if key == "per_year" else q
            start = _month_index(row.get("from", 0), scenario.start, record, "from", problems)
            months = [value if m >= start else 0.0 for m in range(scenario.months)]
        if item.id in demand:
            demand[item.id] = [a + b for a, b in zip(demand[item.id], months, strict=True)]
        else:
            demand[item.id] = months
    return demand


def parse(raw: Any, *, source: str = "scenario") -> Scenario:
    """The scenario in `raw` (decoded YAML), or ValidationFailed listing every problem."""
    problems = Problems(source)
    if not isinstance(raw, dict):
        problems.add("scenario", "scenario", "a scenario is a mapping of sections")
        problems.raise_any()
    horizon = raw.get("horizon") or {}
    start = _month_start(horizon.get("start"), problems)
    months = horizon.get("months")
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 240:
        problems.add("horizon", "months", "months is a whole number from 1 to 240")
        months = 1
    items = _items(raw.get("items"), problems)
    scenario = Scenario(
        name=str(raw.get("name") or Path(source).stem),
        start=start,
        months=months,
        items=items,
        bom=_bom(raw.get("bom"), items, problems),
        lines=_lines(raw.get("lines"), items, problems),
        expansions={},
        stocks={},
        demand={},
        budget=None,
        backorders=bool(raw.get("backorders", False)),
        raw=raw,
    )
    for index, row in enumerate(raw.get("expansions") or []):
        expansion = _expansion(row, index, scenario, problems)
        if expansion is not None:
            scenario.expansions[expansion.id] = expansion
    for item_id, amount in (raw.get("stocks") or {}).items():
        item = items.get(str(item_id))
        if item is None:
            problems.add(f"item {item_id}", "stocks", f"stock of unknown item {item_id!r}")
            continue
        value = quantity(amount, item, f"item {item_id}", "stocks", problems)
        if value is not None:
            scenario.stocks[item.id] = value
    scenario.demand = _demand(raw.get("demand"), scenario, problems)
    if raw.get("budget_eur") is not None:
        scenario.budget = quantity(raw["budget_eur"], None, "scenario", "budget_eur", problems)
    problems.raise_any()
    _check_reachable(scenario, problems)
    problems.raise_any()
    return scenario


def _check_reachable(scenario: Scenario, problems: Problems) -> None:
    """Every demanded item can be made or bought at all (else a clear message, not 0)."""
    lines = scenario.all_lines()
    for item in scenario.demand:
        if not any(line.item == item for line in lines.values()) and item not in scenario.stocks:
            problems.add(
                f"item {item}",
                "demand",
                f"nothing can produce {item}: no line makes it, no expansion builds one "
                "and there is no stock",
            )


def load(path: Path) -> Scenario:
    raw = read_yaml(path)
    return parse(raw, source=str(path))


def loads(text: str, *, source: str = "scenario") -> Scenario:
    try:
        raw = yamlfile.safe_load(text)
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{source}: not valid YAML ({error})",
            errors=[field_error(source, "file", "not valid YAML")],
        ) from None
    return parse(raw, source=source)
