"""`/api/capacity`: stored capacity scenarios, their plans, risk runs and comparisons, and
the plan of a scenario sent whole. The rules live in `capacity.store`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from filiera.api.responses import errors
from filiera.capacity import store
from filiera.capacity.schemas import PlanOut, RiskIn, ScenarioIn, ScenarioOut
from filiera.http.deps import RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api/capacity",
    tags=["capacity"],
    responses=errors(
        {
            401: "Sign in first",
            403: "Only planners acting for the owner change a scenario",
            404: "No such scenario or organisation (or not visible to you)",
            422: "Invalid input or scenario; every problem names its item and field",
        }
    ),
)
Ids = Annotated[list[int], Query(description="Scenario ids, in order (1 to 10)")]


@router.get("/scenarios", response_model=list[ScenarioOut])
def list_scenarios(session: SessionDep, viewer: ViewerDep) -> list[ScenarioOut]:
    """The scenarios you may read (planners, and companies named in their lines)."""
    return [store.scenario_out(viewer, row) for row in store.list_scenarios(session, viewer)]


@router.post("/scenarios", response_model=ScenarioOut, status_code=201)
def save_scenario(
    session: SessionDep, viewer: ViewerDep, body: Annotated[ScenarioIn, Body()]
) -> ScenarioOut:
    """Store a scenario (its YAML is validated whole) for an organisation you plan for."""
    return store.scenario_out(viewer, store.save_scenario(session, viewer, body))


@router.get("/scenarios/{scenario_id}")
def get_scenario(session: SessionDep, viewer: ViewerDep, scenario_id: RecordId) -> dict[str, Any]:
    """The scenario and its last plan and risk run, as you may see them."""
    row = store.get_scenario(session, viewer, scenario_id)
    out = store.scenario_out(viewer, row).model_dump(mode="json")
    out["plan"] = None if row.result is None else store.view_for(viewer, row, row.result)
    out["risk"] = None if row.risk is None else store.risk_view_for(viewer, row, row.risk)
    return out


@router.put("/scenarios/{scenario_id}", response_model=ScenarioOut)
def update_scenario(
    session: SessionDep,
    viewer: ViewerDep,
    scenario_id: RecordId,
    body: Annotated[ScenarioIn, Body()],
) -> ScenarioOut:
    """Replace a scenario (a new text drops its cached plan and risk run)."""
    return store.scenario_out(viewer, store.update_scenario(session, viewer, scenario_id, body))


@router.delete("/scenarios/{scenario_id}", status_code=204, response_class=Response)
def delete_scenario(session: SessionDep, viewer: ViewerDep, scenario_id: RecordId) -> Response:
    store.delete_scenario(session, viewer, scenario_id)
    return Response(status_code=204)


@router.post("/scenarios/{scenario_id}/plan")
def plan_scenario(session: SessionDep, viewer: ViewerDep, scenario_id: RecordId) -> PlanOut:
    """The expansion plan (cached until the scenario changes), as you may see it."""
    return store.plan_scenario(session, viewer, scenario_id)


@router.post("/scenarios/{scenario_id}/risk")
def risk_scenario(
    session: SessionDep,
    viewer: ViewerDep,
    scenario_id: RecordId,
    body: Annotated[RiskIn, Body()] = RiskIn(),  # noqa: B008
) -> PlanOut:
    """The disruption simulation: `runs` random scenarios (at most 20,000) from `seed`."""
    return store.risk_scenario(session, viewer, scenario_id, body.runs, body.seed)


@router.get("/compare")
def compare(session: SessionDep, viewer: ViewerDep, ids: Ids) -> PlanOut:
    """Stored scenarios side by side: key figures and month curves."""
    return store.compare_scenarios(session, viewer, ids)


@router.post("/plan")
def plan(viewer: ViewerDep, body: Annotated[dict[str, Any], Body()]) -> PlanOut:
    """The plan of a scenario sent whole, as a JSON object or `{"yaml": "..."}` (planners)."""
    return store.plan_document(viewer, body)
