"""Capacity scenarios of the non-interference world (tests/test_noninterference.py).

Six scenarios of one small chain (a drone from a frame and a sensor, six months), saved
through `capacity.store` so that their lines link to the registry as in production: the
cluster's public one (its lines name the member's organisation by PIC and a hidden start-up
by exact name), its members-only one, its owner-only one naming the member's organisation,
Leonardo's restricted one granted to buyers, Leonardo's restricted one whose lines name the
member's organisation and two hidden ones (by name and by PIC), and a public one owned by a
hidden organisation. Each plan and one risk run are computed when the world is built, so
that reads (which show the cached results) do not depend on the order of the requests.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access.models import AccessGrant
from filiera.access.viewer import Viewer
from filiera.capacity import risk, store
from filiera.capacity.models import CapacityScenario
from filiera.capacity.schemas import ScenarioIn

CHAIN = """\
horizon: {{start: 2026-01, months: 6}}
items:
  - {{id: drone, unit: unit}}
  - {{id: frame, unit: unit}}
  - {{id: sensor, unit: unit}}
bom:
  drone: {{frame: 1, sensor: 2}}
lines:
  - {{id: assembly, organisation: "{assembly}", country: IT, item: drone, capacity_per_month: 100}}
  - {{id: frames, organisation: "{frames}", country: {frames_country}, item: frame,
     capacity_per_month: 80}}
  - {{id: sensors, organisation: "{sensors}", country: {sensors_country}, item: sensor,
     capacity_per_month: 120}}
expansions:
  - {{id: frames_2, line: frames, extra_per_month: 40, capex_eur: 1.0e6, lead_time_months: 2}}
  - {{id: sensors_2, line: sensors, extra_per_month: 60, capex_eur: 2.0e6,
     lead_time_months: 1}}
demand:
  - {{item: drone, per_month: 90}}
budget_eur: 5.0e6
"""
SCENARIOS = {  # key -> (owner, visibility, (assembly, frames, sensors) and countries)
    "public": (
        "cluster",
        "public",
        ("Leonardo S.p.A.", "PIC 999000100", "IT", "Stealth Drone Start-up", "DE"),
    ),
    "members": (
        "cluster",
        "members",
        ("Leonardo S.p.A.", "Politecnico di Milano", "IT", "Safran SA", "FR"),
    ),
    "owner_only": (
        "cluster",
        "owner",
        ("Leonardo S.p.A.", "999000100", "IT", "Safran SA", "FR"),
    ),
    "restricted_other": (
        "leonardo",
        "restricted",
        ("Leonardo S.p.A.", "Safran SA", "FR", "LuxSpace Sàrl", "LU"),
    ),
    "restricted_named": (
        "leonardo",
        "restricted",
        ("PIC 999000100", "Restricted Radar Works", "FR", "999000222", "DE"),
    ),
    "by_hidden": (
        "owner_org",
        "public",
        ("Stealth Drone Start-up", "PIC 999000100", "IT", "Leonardo S.p.A.", "IT"),
    ),
}
RISK_RUNS = {"public": 20, "restricted_named": 20}  # a cached risk run on the dashboard


def chain_text(key: str) -> str:
    assembly, frames, frames_country, sensors, sensors_country = SCENARIOS[key][2]
    return CHAIN.format(
        assembly=assembly,
        frames=frames,
        frames_country=frames_country,
        sensors=sensors,
        sensors_country=sensors_country,
    )


def add_scenarios(session: Session, orgs: dict[str, int]) -> dict[str, int]:
    """The scenarios, planned (and two risk runs); returns their ids."""
    admin = Viewer.system()
    ids = {}
    for key, (owner, level, _lines) in SCENARIOS.items():
        data = ScenarioIn(
            name=f"Drones {key}",
            description=f"The {key} drone chain",
            text=chain_text(key),
            owner_id=orgs[owner],
            visibility=level,
        )
        ids[key] = store.save_scenario(session, admin, data).id
    session.add(
        AccessGrant(entity="capacity_scenario", entity_id=ids["restricted_other"], role="buyer")
    )
    session.flush()
    for scenario_id in ids.values():
        store.plan_scenario(session, admin, scenario_id)
    for key, runs in RISK_RUNS.items():  # as `store.risk_scenario` caches it, in this process
        row = session.get(CapacityScenario, ids[key])
        summary = risk.summary(store.parse_text(row.text), runs=runs, seed=1, workers=1)
        row.risk, row.risk_at = {**summary, "with_plan": False}, row.result_at
    session.flush()
    return ids


def hide_scenarios(session: Session, viewer: Viewer) -> None:
    """Delete the scenarios `viewer` may not read (those of hidden owners go with them)."""
    readable = {row.id for row in store.list_scenarios(session, viewer)}
    for row in session.scalars(
        select(CapacityScenario).where(CapacityScenario.id.not_in(readable))
    ):
        session.delete(row)
    session.flush()
