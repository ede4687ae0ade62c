"""The demo's capacity scenarios: the European 155 mm chain from public figures, official
claims and independent estimates, saved by the demo buyer for the Luxembourg Directorate of
Defence through the capacity service (restricted: planners and the companies named)."""

from __future__ import annotations

from importlib import resources

from sqlalchemy.orm import Session

from filiera.capacity import store
from filiera.capacity.schemas import ScenarioIn
from filiera.demo.events import acting

PLANNER = "buyer@filiera.demo"
OWNER = "lu_defence_directorate"
SCENARIOS = (
    (
        "eu_155mm.yaml",
        "EU 155 mm chain: official figures",
        "The European 155 mm chain against the EU's 2M rounds a year target, with the "
        "official capacity claims; every figure with its source, assumptions marked.",
    ),
    (
        "eu_155mm_sceptical.yaml",
        "EU 155 mm chain: independent estimates",
        "The same chain with the independent estimates of output (about 550k rounds a year).",
    ),
)


def scenario_text(file_name: str) -> str:
    """A shipped scenario file's YAML."""
    return resources.files("filiera.capacity").joinpath("data", file_name).read_text("utf-8")


def load_demo_capacity(session: Session, keys: dict[str, int]) -> dict[str, int]:
    """Save the 155 mm scenarios (their plans are computed on first view)."""
    planner = acting(session, PLANNER)
    for file_name, name, description in SCENARIOS:
        data = ScenarioIn(
            name=name, description=description, text=scenario_text(file_name), owner_id=keys[OWNER]
        )
        store.save_scenario(session, planner, data)
    return {"scenarios": len(SCENARIOS)}
