"""Stored capacity scenarios: who reads, writes, plans and compares them, and what each sees.

Rules (every front end calls these functions):

- a scenario is read as its `visibility` allows (`policy.visible_records`, never wider than
  its owner); one that is not `owner`-only is also read by the users of the companies its
  lines name (linked to the registry by PIC or by name, see `linked_organisations`);
  anyone else gets "does not exist", exactly as for an id never used;
- planners see everything: admins, buyers and the users of the owner organisation; every
  other reader (a company in the chain) gets the redacted view (`view_for`): the
  aggregates (months, totals, bottleneck stage) and only their own lines' figures, with
  other companies' lines, shadow prices and expansions grouped per country;
- planners (`capacity.plan`: admins, buyers, cluster managers) acting for the owner
  organisation save, change and delete; the YAML is validated as a whole on every write
  (each problem names its item and field); changing the text drops the cached plan and risk;
- any signed-in reader may run the plan and the risk simulation: the results are cached on
  the scenario and shown through `view_for`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from filiera.access import audit, policy
from filiera.access.viewer import Viewer
from filiera.capacity import analysis, scenario
from filiera.capacity.models import CapacityLink, CapacityScenario
from filiera.capacity.scenario import Line, Scenario
from filiera.capacity.schemas import RUNS_MAX, LinkOut, ScenarioIn, ScenarioOut
from filiera.errors import Forbidden, NotFound, Unauthorized, ValidationFailed, field_error
from filiera.registry.models import Alias, Identifier, Organisation, utcnow
from filiera.registry.names import normalise_name

COMPARE_MAX = 10
PLAN_TIME_LIMIT = 10.0  # seconds of MILP per request
OTHERS = "other companies"


# --- reading -------------------------------------------------------------------------------


def _readable(viewer: Viewer) -> ColumnElement[bool]:
    """Scenarios the viewer may read: by visibility, or as a company named in the lines."""
    seen = policy.visible_records(viewer, CapacityScenario, "capacity_scenario")
    if viewer.is_admin or not viewer.org_ids:
        return seen
    named = select(CapacityLink.scenario_id).where(
        CapacityLink.organisation_id.in_(sorted(viewer.org_ids))
    )
    return or_(
        seen,
        and_(
            CapacityScenario.id.in_(named),
            CapacityScenario.visibility != "owner",
            CapacityScenario.owner_id.in_(policy.visible_org_ids(viewer)),
        ),
    )


def _not_found(scenario_id: int) -> NotFound:
    message = f"capacity scenario {scenario_id} does not exist"
    return NotFound(message, errors=[field_error("scenario", "scenario_id", message)])


def list_scenarios(session: Session, viewer: Viewer) -> list[CapacityScenario]:
    """The scenarios the viewer may read, newest change first."""
    stmt = (
        select(CapacityScenario)
        .where(_readable(viewer))
        .options(selectinload(CapacityScenario.owner), selectinload(CapacityScenario.links))
        .order_by(CapacityScenario.updated_at.desc(), CapacityScenario.id.desc())
    )
    rows = list(session.scalars(stmt))
    _audit_reads(session, viewer, rows, "capacity scenarios")
    return rows


def get_scenario(session: Session, viewer: Viewer, scenario_id: int) -> CapacityScenario:
    """The scenario, or NotFound as if it did not exist when the viewer may not read it."""
    stmt = (
        select(CapacityScenario)
        .where(CapacityScenario.id == scenario_id, _readable(viewer))
        .options(selectinload(CapacityScenario.owner), selectinload(CapacityScenario.links))
    )
    row = session.scalars(stmt).first()
    if row is None:
        raise _not_found(scenario_id)
    _audit_reads(session, viewer, [row], f"capacity scenario {scenario_id}")
    return row


def _audit_reads(session: Session, viewer: Viewer, rows: list[CapacityScenario], why: str) -> None:
    hidden = [r.id for r in rows if r.visibility != "public"]
    if hidden and viewer.signed_in:
        audit.record_read(session, "capacity_scenario", hidden, why, viewer=viewer)


def is_planner(viewer: Viewer, row: CapacityScenario) -> bool:
    """Admins, buyers and the owner's users see a scenario whole."""
    return viewer.is_admin or viewer.role == "buyer" or row.owner_id in viewer.org_ids


def can_edit(viewer: Viewer, row: CapacityScenario) -> bool:
    """Planners acting for the owner organisation (admins: any) change a scenario."""
    if viewer.role not in policy.PERMISSIONS["capacity.plan"]:
        return False
    return viewer.is_admin or row.owner_id in viewer.org_ids


def own_lines(viewer: Viewer, row: CapacityScenario) -> set[str]:
    """The scenario's lines run by a company the viewer acts for."""
    return {link.line_id for link in row.links if link.organisation_id in viewer.org_ids}


# --- linking lines to the registry ---------------------------------------------------------


def _pic(name: str) -> str | None:
    digits = name.strip().upper().removeprefix("PIC").strip(" :")
    return digits if digits.isdigit() and 6 <= len(digits) <= 12 else None


def _single(pairs: list[tuple[str, int]]) -> dict[str, int]:
    """key -> organisation id, leaving out keys that name two organisations."""
    found: dict[str, set[int]] = {}
    for key, org_id in pairs:
        found.setdefault(key, set()).add(org_id)
    return {key: next(iter(ids)) for key, ids in found.items() if len(ids) == 1}


def linked_organisations(
    session: Session, s: Scenario, viewer: Viewer | None = None
) -> dict[str, int]:
    """line id -> registry organisation its `organisation` names: by PIC, else by exact or
    alias name (normalised; a name shared by two organisations links neither). With a
    viewer, only organisations that viewer may see."""
    names = {lid: line.organisation for lid, line in s.all_lines().items() if line.organisation}
    pics = {lid: _pic(name) for lid, name in names.items()}
    keys = {lid: normalise_name(name) for lid, name in names.items() if not pics[lid]}
    seen = [] if viewer is None else [Organisation.id.in_(policy.visible_org_ids(viewer))]
    by_pic = _single(
        session.execute(
            select(Identifier.value, Identifier.organisation_id)
            .join(Organisation, Organisation.id == Identifier.organisation_id)
            .where(Identifier.scheme == "pic", Identifier.value.in_(set(pics.values()) - {None}))
            .where(*seen)
        ).all()
    )
    wanted = set(keys.values()) - {""}
    by_name = _single(
        [
            *session.execute(
                select(Organisation.name_key, Organisation.id).where(
                    Organisation.name_key.in_(wanted), *seen
                )
            ).all(),
            *session.execute(
                select(Alias.name_key, Alias.organisation_id)
                .join(Organisation, Organisation.id == Alias.organisation_id)
                .where(Alias.name_key.in_(wanted), *seen)
            ).all(),
        ]
    )
    links = {lid: by_pic[pic] for lid, pic in pics.items() if pic in by_pic}
    links.update({lid: by_name[key] for lid, key in keys.items() if key in by_name})
    return links


def _relink(session: Session, row: CapacityScenario, s: Scenario) -> None:
    if row.links:
        row.links.clear()
        session.flush()  # the old links go before the new ones (one link per line)
    row.links = [
        CapacityLink(line_id=line_id, organisation_id=org_id)
        for line_id, org_id in sorted(linked_organisations(session, s).items())
    ]


# --- writing -------------------------------------------------------------------------------


def parse_text(text: str, source: str = "scenario") -> Scenario:
    """The scenario of a YAML text, or ValidationFailed naming each item and field."""
    return scenario.loads(text, source=source)


def _check_owner(session: Session, viewer: Viewer, owner_id: int) -> None:
    policy.require_owner(viewer, "capacity.plan", owner_id)
    stmt = select(Organisation.id).where(
        Organisation.id == owner_id, policy.visible_organisations(viewer)
    )
    if session.scalar(stmt) is None:
        message = f"organisation {owner_id} does not exist"
        raise NotFound(message, errors=[field_error("scenario", "owner_id", message)])


def save_scenario(session: Session, viewer: Viewer, data: ScenarioIn) -> CapacityScenario:
    """Store a new scenario for an organisation the planner acts for."""
    _check_owner(session, viewer, data.owner_id)
    s = parse_text(data.text, data.name)
    row = CapacityScenario(
        name=data.name,
        description=data.description,
        text=data.text,
        owner_id=data.owner_id,
        visibility=data.visibility,
        created_by=viewer.user_id,
    )
    session.add(row)
    _relink(session, row, s)
    session.flush()
    session.refresh(row, ["owner"])
    return row


def _editable(session: Session, viewer: Viewer, scenario_id: int) -> CapacityScenario:
    if not viewer.signed_in:
        raise Unauthorized("sign in first", key="sign_in_first")
    row = get_scenario(session, viewer, scenario_id)
    if not can_edit(viewer, row):
        policy.require_role(viewer, "capacity.plan")
        raise Forbidden(
            f"{viewer.label} does not act for the owner of capacity scenario {scenario_id}",
            key="not_acting_for",
        )
    return row


def update_scenario(
    session: Session, viewer: Viewer, scenario_id: int, data: ScenarioIn
) -> CapacityScenario:
    """Replace a scenario's name, description, text, owner and visibility."""
    row = _editable(session, viewer, scenario_id)
    if data.owner_id != row.owner_id:
        _check_owner(session, viewer, data.owner_id)
    s = parse_text(data.text, data.name)
    if data.text != row.text:
        row.result = row.result_at = row.risk = row.risk_at = None
        _relink(session, row, s)
    row.name, row.description, row.text = data.name, data.description, data.text
    row.owner_id, row.visibility = data.owner_id, data.visibility
    row.updated_at = utcnow()
    session.flush()
    session.refresh(row, ["owner"])
    return row


def delete_scenario(session: Session, viewer: Viewer, scenario_id: int) -> None:
    session.delete(_editable(session, viewer, scenario_id))
    session.flush()


# --- plans, risk, comparison ---------------------------------------------------------------


def _reader(session: Session, viewer: Viewer, scenario_id: int) -> CapacityScenario:
    if not viewer.signed_in:
        raise Unauthorized("sign in first", key="sign_in_first")
    return get_scenario(session, viewer, scenario_id)


def _cached_plan(session: Session, row: CapacityScenario, fresh: bool = False) -> dict:
    if row.result is None or fresh:
        row.result = analysis.analyse(parse_text(row.text, row.name), time_limit=PLAN_TIME_LIMIT)
        row.result_at = utcnow()
        session.flush()
    return row.result


def plan_scenario(
    session: Session, viewer: Viewer, scenario_id: int, *, fresh: bool = False
) -> dict[str, Any]:
    """The scenario's plan (`analysis.analyse`, cached on the scenario) as the viewer sees it."""
    row = _reader(session, viewer, scenario_id)
    return view_for(viewer, row, _cached_plan(session, row, fresh))


def plan_starts(s: Scenario, plan: dict[str, Any]) -> dict[str, int]:
    """expansion id -> start month index, from a plan's JSON."""
    index = {s.month_label(m): m for m in range(s.months)}
    return {e["id"]: index[e["start_month"]] for e in plan.get("expansions", [])}


def risk_scenario(
    session: Session,
    viewer: Viewer,
    scenario_id: int,
    runs: int = 1000,
    seed: int = 1,
    *,
    with_plan: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """The disruption simulation (`risk.summary`, cached per runs, seed and plan)."""
    from filiera.capacity import risk

    if not 1 <= runs <= RUNS_MAX:
        message = f"runs is a whole number from 1 to {RUNS_MAX}"
        raise ValidationFailed(message, errors=[field_error("risk", "runs", message)])
    row = _reader(session, viewer, scenario_id)
    cached = row.risk or {}
    if (cached.get("runs"), cached.get("seed"), cached.get("with_plan")) != (
        runs,
        seed,
        with_plan,
    ):
        s = parse_text(row.text, row.name)
        starts = plan_starts(s, _cached_plan(session, row)) if with_plan else None
        summary = risk.summary(s, runs=runs, seed=seed, starts=starts, progress=progress)
        row.risk, row.risk_at = {**summary, "with_plan": with_plan}, utcnow()
        session.flush()
    return risk_view_for(viewer, row, row.risk)


def compare_scenarios(session: Session, viewer: Viewer, ids: list[int]) -> dict[str, Any]:
    """Stored scenarios side by side (each plan cached, each as the viewer sees it)."""
    if not ids or len(ids) > COMPARE_MAX:
        message = f"give 1 to {COMPARE_MAX} scenario ids"
        raise ValidationFailed(message, errors=[field_error("compare", "ids", message)])
    entries = []
    for scenario_id in dict.fromkeys(ids):
        row = _reader(session, viewer, scenario_id)
        plan = view_for(viewer, row, _cached_plan(session, row))
        entries.append({"id": row.id, "name": row.name, "plan": plan})
    return side_by_side(entries)


def _expansions_brief(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {k: e.get(k) for k in ("id", "line", "item", "country", "start_month", "capex_eur")}
        for e in plan["expansions"]
    ]


def side_by_side(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Key figures and month curves of plans, each entry {id, name, plan}."""
    out, months = [], set()
    for entry in entries:
        plan = entry["plan"]
        curve = [
            {k: m[k] for k in ("month", "demand", "delivered", "shortfall", "shortfall_before")}
            for m in plan["months"]
        ]
        months.update(m["month"] for m in curve)
        out.append(
            {
                "id": entry.get("id"),
                "name": entry["name"],
                "item": plan["item"],
                "unit": plan["unit"],
                "max_output_per_month": plan["max_output_per_month"],
                "bottleneck": plan["bottleneck"],
                "total_shortfall_before": plan["total_shortfall_before"],
                "total_shortfall": plan["total_shortfall"],
                "capex_eur": plan["capex_eur"],
                "budget_eur": plan["budget_eur"],
                "expansions": _expansions_brief(plan),
                "other_companies": plan.get("other_companies", []),
                "redacted": plan.get("redacted", False),
                "curve": curve,
            }
        )
    return {"scenarios": out, "months": sorted(months)}


def plan_document(viewer: Viewer, body: Any) -> dict[str, Any]:
    """A plan of a scenario sent whole (as JSON, or `{"yaml": ...}`): planners only."""
    policy.require_role(viewer, "capacity.plan")
    if isinstance(body, dict) and set(body) == {"yaml"} and isinstance(body["yaml"], str):
        s = parse_text(body["yaml"])
    else:
        s = scenario.parse(body)
    return analysis.analyse(s, time_limit=PLAN_TIME_LIMIT)


# --- what a viewer sees --------------------------------------------------------------------


def scenario_out(viewer: Viewer, row: CapacityScenario) -> ScenarioOut:
    """The stored scenario as the viewer may see it (the YAML only for planners)."""
    full = is_planner(viewer, row)
    mine = own_lines(viewer, row)
    lines = list(parse_text(row.text, row.name).all_lines()) if full else sorted(mine)
    links = [
        LinkOut(line=link.line_id, organisation_id=link.organisation_id)
        for link in sorted(row.links, key=lambda link: link.line_id)
        if viewer.is_admin or link.organisation_id in viewer.org_ids
    ]
    return ScenarioOut(
        id=row.id,
        name=row.name,
        description=row.description,
        owner_id=row.owner_id,
        owner=row.owner.name,
        visibility=row.visibility,
        full_view=full,
        can_edit=can_edit(viewer, row),
        text=row.text if full else None,
        lines=lines,
        links=links,
        created_at=row.created_at,
        updated_at=row.updated_at,
        result_at=row.result_at,
        risk_at=row.risk_at,
    )


def view_for(viewer: Viewer, row: CapacityScenario, result: dict[str, Any]) -> dict[str, Any]:
    """The plan whole for planners; for a company in the chain, the aggregates and its own
    lines, other companies grouped per country."""
    if is_planner(viewer, row):
        return {**result, "redacted": False}
    lines = parse_text(row.text, row.name).all_lines()
    return redact_plan(result, lines, own_lines(viewer, row))


_AGGREGATES = (
    "scenario",
    "item",
    "unit",
    "max_output_per_month",
    "bottleneck",
    "capex_eur",
    "budget_eur",
    "total_shortfall",
    "total_shortfall_before",
    "shortfall_by_item",
    "backorders",
    "solver",
)


def _groups(result: dict, lines: dict[str, Line], own: set[str]) -> list[dict[str, Any]]:
    """Other companies' lines, best shadow price and expansions, per country."""
    groups: dict[str, dict[str, Any]] = {}

    def group(country: str | None) -> dict[str, Any]:
        key = country or ""
        blank = {"name": OTHERS, "country": country, "lines": 0, "top_shadow_price": 0.0}
        return groups.setdefault(key, {**blank, "expansions": 0, "capex_eur": 0.0})

    for line_id, line in lines.items():
        if line_id not in own and line_id in result["shadow_prices"]:
            g = group(line.country)
            g["lines"] += 1
            g["top_shadow_price"] = max(g["top_shadow_price"], result["shadow_prices"][line_id])
    for e in result["expansions"]:
        if e["line"] not in own:
            g = group(e["country"])
            g["expansions"] += 1
            g["capex_eur"] += e["capex_eur"]
    return [groups[k] for k in sorted(groups)]


def _redacted_notes(plan: dict[str, Any], own_expansions: list[dict]) -> list[str]:
    item, unit = plan["item"], plan["unit"]
    notes = []
    if plan["bottleneck"]:
        notes.append(
            f"The chain delivers at most {plan['max_output_per_month']:,.0f} {item} ({unit}) "
            f"a month; the bottleneck stage is {plan['bottleneck']}."
        )
    for line_id in plan["bottleneck_lines"]:
        notes.append(f"Your line {line_id} is at the bottleneck.")
    for e in own_expansions:
        notes.append(
            f"Expansion {e['id']} of your line {e['line']} starts {e['start_month']} and adds "
            f"capacity from {e['first_month']}."
        )
    if plan["total_shortfall_before"] > 0:
        notes.append(
            f"Over {len(plan['months'])} months the shortfall of {item} falls from "
            f"{plan['total_shortfall_before']:,.0f} to {plan['total_shortfall']:,.0f} {unit}."
        )
    return notes


def redact_plan(result: dict[str, Any], lines: dict[str, Line], own: set[str]) -> dict[str, Any]:
    """The plan of a company in the chain: aggregates, its own lines, the others grouped."""
    demanded = set(result["shortfall_by_item"])
    own_expansions = [e for e in result["expansions"] if e["line"] in own]
    plan = {key: result[key] for key in _AGGREGATES if key in result}
    plan.update(
        {
            "months": [
                {**m, "output": {k: v for k, v in m["output"].items() if k in demanded}}
                for m in result["months"]
            ],
            "bottleneck_lines": [x for x in result["bottleneck_lines"] if x in own],
            "shadow_prices": {k: v for k, v in result["shadow_prices"].items() if k in own},
            "utilisation": {k: v for k, v in result["utilisation"].items() if k in own},
            "expansions": own_expansions,
            "other_companies": _groups(result, lines, own),
            "redacted": True,
        }
    )
    plan["explanations"] = _redacted_notes(plan, own_expansions)
    return plan


_RISK_AGGREGATES = (
    "item",
    "unit",
    "runs",
    "seed",
    "with_plan",
    "baseline_shortfall",
    "total_shortfall",
    "extra_shortfall",
    "probability_of_shortfall",
    "by_item",
    "countries_that_hurt_most",
    "runner",
)


def risk_view_for(viewer: Viewer, row: CapacityScenario, risk: dict[str, Any]) -> dict[str, Any]:
    """The risk run whole for planners; for a company in the chain, the distributions and
    its own sites only (no concentration by company)."""
    if is_planner(viewer, row):
        return {**risk, "redacted": False}
    own = own_lines(viewer, row)
    out = {key: risk[key] for key in _RISK_AGGREGATES if key in risk}
    out["sites_that_hurt_most"] = [
        site for site in risk.get("sites_that_hurt_most", []) if site.get("line") in own
    ]
    return {**out, "redacted": True}
