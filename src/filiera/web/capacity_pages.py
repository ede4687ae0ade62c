"""Web pages of production capacity: the scenarios a viewer may read, a scenario's
dashboard (key figures, explanations, charts, expansions, shadow prices, concentration and
disruption risk), the YAML editor, and scenarios side by side.

Every rule lives in `capacity.store`: who reads a scenario and what of it (`scenario_out`,
`view_for`, `risk_view_for`), who changes it, and the plan and risk runs (cached on the
scenario). Pages only translate. Visitors sign in first; a scenario they may not read
does not exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from filiera.access.viewer import Viewer
from filiera.capacity import risk, store
from filiera.capacity.models import CapacityScenario
from filiera.capacity.schemas import RUNS_MAX, RiskIn, ScenarioIn
from filiera.db import savepoint
from filiera.errors import Forbidden, NotFound, ValidationFailed
from filiera.http.auth import check_csrf
from filiera.http.deps import FormDep, RecordId, SessionDep, ViewerDep
from filiera.needs.service import acting_for, may
from filiera.registry.schemas import parse
from filiera.web import TEMPLATES_DIR
from filiera.web import capacity_charts as charts
from filiera.web.capacity_words import problem_lines
from filiera.web.consortium_words import sign_in_first
from filiera.web.i18n import translator
from filiera.web.pages import _lang
from filiera.web.render import render

router = APIRouter(include_in_schema=False)
LEVELS = ("restricted", "owner", "members", "public")
SHADOW_TOP = 12
HURTS_TOP = 10
STARTER = TEMPLATES_DIR / "_capacity_starter.yaml"  # the commented example format


# --- the list -------------------------------------------------------------------------------


@router.get("/capacity", response_class=HTMLResponse)
def scenarios_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The scenarios the viewer may read; planners get "New scenario"."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    rows = [store.scenario_out(viewer, row) for row in store.list_scenarios(session, viewer)]
    context = {"scenarios": rows, "may_plan": may(viewer, "capacity.plan")}
    return render(request, "capacity.html", context)


# --- the editor (before /capacity/{id}, which would read "new" as an id) ---------------------


def _owners(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    return acting_for(session, viewer) if may(viewer, "capacity.plan") else []


def _form_values(form: FormData) -> dict[str, str]:
    names = ("name", "description", "text", "owner_id", "visibility")
    return {name: str(form.get(name) or "") for name in names}


def _scenario_input(values: dict[str, str]) -> ScenarioIn:
    data: dict[str, Any] = {k: v for k, v in values.items() if v.strip()}
    return parse(ScenarioIn, data, "scenario")


def _editor(
    request: Request,
    session: Session,
    viewer: Viewer,
    values: dict[str, str],
    scenario_id: int | None = None,
    error: ValidationFailed | NotFound | None = None,
) -> HTMLResponse:
    lang = _lang(request)
    context = {
        "values": values,
        "scenario_id": scenario_id,
        "owners": _owners(session, viewer),
        "levels": LEVELS,
        "error": error,
        "problems": problem_lines(error.errors, lang) if error else [],
    }
    return render(request, "capacity_edit.html", context, status=error.status if error else 200)


@router.get("/capacity/new", response_class=HTMLResponse)
def new_scenario(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    if redirect := sign_in_first(request, viewer):
        return redirect
    text = STARTER.read_text(encoding="utf-8")
    values = {"name": "", "description": "", "text": text, "owner_id": ""}
    values["visibility"] = "restricted"
    return _editor(request, session, viewer, values)


@router.post("/capacity/new", response_class=HTMLResponse)
def save_new_scenario(
    request: Request, session: SessionDep, viewer: ViewerDep, form: FormDep
) -> Response:
    check_csrf(request, str(form.get("csrf_token") or ""))
    values = _form_values(form)
    try:
        with savepoint(session):
            row = store.save_scenario(session, viewer, _scenario_input(values))
    except (ValidationFailed, NotFound) as error:
        return _editor(request, session, viewer, values, None, error)
    return RedirectResponse(f"/capacity/{row.id}", status_code=303)


def _stored_values(row: CapacityScenario) -> dict[str, str]:
    return {
        "name": row.name,
        "description": row.description or "",
        "text": row.text,
        "owner_id": str(row.owner_id),
        "visibility": row.visibility,
    }


@router.get("/capacity/{scenario_id}/edit", response_class=HTMLResponse)
def edit_scenario(
    request: Request, session: SessionDep, viewer: ViewerDep, scenario_id: RecordId
) -> Response:
    if redirect := sign_in_first(request, viewer):
        return redirect
    row = store.get_scenario(session, viewer, scenario_id)
    if not store.scenario_out(viewer, row).can_edit:
        raise Forbidden(
            f"{viewer.label} may not change capacity scenario {scenario_id}",
            key="not_acting_for",
        )
    return _editor(request, session, viewer, _stored_values(row), scenario_id)


@router.post("/capacity/{scenario_id}/edit", response_class=HTMLResponse)
def save_scenario(
    request: Request, session: SessionDep, viewer: ViewerDep, scenario_id: RecordId, form: FormDep
) -> Response:
    check_csrf(request, str(form.get("csrf_token") or ""))
    values = _form_values(form)
    try:
        with savepoint(session):
            store.update_scenario(session, viewer, scenario_id, _scenario_input(values))
    except (ValidationFailed, NotFound) as error:
        if any(d.get("field") == "scenario_id" for d in error.errors):
            raise
        return _editor(request, session, viewer, values, scenario_id, error)
    return RedirectResponse(f"/capacity/{scenario_id}", status_code=303)


@router.post("/capacity/{scenario_id}/delete", response_class=HTMLResponse)
def delete_scenario(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    scenario_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    store.delete_scenario(session, viewer, scenario_id)
    return RedirectResponse("/capacity", status_code=303)


# --- comparing (before /capacity/{id}) --------------------------------------------------------


@router.get("/capacity/compare", response_class=HTMLResponse)
def compare_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    ids: Annotated[list[int], Query(max_length=store.COMPARE_MAX)] = [],  # noqa: B006
) -> Response:
    """Key figures of the scenarios side by side and their shortfall curves in one chart."""
    if redirect := sign_in_first(request, viewer):
        return redirect
    t = translator(_lang(request))
    context: dict[str, Any] = {"compared": None, "chart": None}
    if ids:
        compared = store.compare_scenarios(session, viewer, ids)
        curves = [(s["name"], s["curve"]) for s in compared["scenarios"]]
        context |= {"compared": compared, "chart": charts.shortfall_chart(curves, t)}
    return render(request, "capacity_compare.html", context)


# --- one scenario: the dashboard --------------------------------------------------------------


def _charts(out: Any, plan: dict[str, Any], lang: str) -> dict[str, Any]:
    """The shortfall chart for every reader; stages and countries for the full view."""
    t = translator(lang)
    found: dict[str, Any] = {"shortfall": charts.shortfall_chart([("", plan["months"])], t)}
    if out.full_view:
        s = store.parse_text(out.text, out.name)
        months = [row["month"] for row in plan["months"]]
        found["stages"] = [
            (stage, charts.stage_chart(stage, months, t)) for stage in charts.stage_series(s, plan)
        ]
        found["countries"] = charts.country_chart(s, plan, t)
    return found


def _shadow_rows(plan: dict[str, Any]) -> list[tuple[str, float, float | None]]:
    prices = sorted(plan["shadow_prices"].items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [(line, value, plan["utilisation"].get(line)) for line, value in prices if value > 0]
    return rows[:SHADOW_TOP]


def dashboard_context(
    session: Session, viewer: Viewer, row: CapacityScenario, lang: str
) -> dict[str, Any]:
    """What the dashboard shows of the scenario, as the viewer may see it."""
    out = store.scenario_out(viewer, row)
    plan = store.view_for(viewer, row, row.result) if row.result else None
    context: dict[str, Any] = {"scenario": out, "plan": plan, "charts": {}, "shadow": []}
    if plan:
        context["charts"] = _charts(out, plan, lang)
        context["shadow"] = _shadow_rows(plan)
    context["risk"] = store.risk_view_for(viewer, row, row.risk) if row.risk else None
    context["hurts"] = (context["risk"] or {}).get("sites_that_hurt_most", [])[:HURTS_TOP]
    if out.full_view:
        context["concentration"] = risk.concentration(store.parse_text(out.text, out.name))
    context["runs_max"] = RUNS_MAX
    return context


@router.get("/capacity/{scenario_id}", response_class=HTMLResponse)
def scenario_page(
    request: Request, session: SessionDep, viewer: ViewerDep, scenario_id: RecordId
) -> Response:
    if redirect := sign_in_first(request, viewer):
        return redirect
    row = store.get_scenario(session, viewer, scenario_id)
    context = dashboard_context(session, viewer, row, _lang(request))
    return render(request, "capacity_scenario.html", context)


@router.post("/capacity/{scenario_id}/plan", response_class=HTMLResponse)
def run_plan(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    scenario_id: RecordId,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Run the plan again and show it (cached on the scenario)."""
    check_csrf(request, csrf_token)
    store.plan_scenario(session, viewer, scenario_id, fresh=True)
    return RedirectResponse(f"/capacity/{scenario_id}#plan", status_code=303)


@router.post("/capacity/{scenario_id}/risk", response_class=HTMLResponse)
def run_risk(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    scenario_id: RecordId,
    form: FormDep,
) -> Response:
    """Run the disruption simulation with the runs and seed asked for."""
    check_csrf(request, str(form.get("csrf_token") or ""))
    raw = {k: str(form.get(k) or "").strip() for k in ("runs", "seed")}
    asked = parse(RiskIn, {k: v for k, v in raw.items() if v}, "risk")
    store.risk_scenario(session, viewer, scenario_id, asked.runs, asked.seed)
    return RedirectResponse(f"/capacity/{scenario_id}#risk", status_code=303)
