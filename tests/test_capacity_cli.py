"""`filiera capacity` (issue 13): plan, risk, concentration and compare on files written
here (no database), bad input named per item and field, stored scenarios by `id:N`.

The chain is worked by hand in test_capacity_store: at most 75 widgets a month, steel is
the bottleneck (shadow price 0.5 per steel line), 75 short before and 25 after e1."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from filiera.cli.main import app
from filiera.db import Database
from support.dataset import build
from test_capacity_store import chain

RUNNER = CliRunner()


def run(*args: str, code: int = 0):
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def scenario_file(tmp_path: Path, text: str, name: str = "chain.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_plan_json_answers_the_hand_worked_chain(tmp_path: Path) -> None:
    plan = json.loads(run("capacity", "plan", scenario_file(tmp_path, chain()), "--json").stdout)
    assert (plan["max_output_per_month"], plan["bottleneck"]) == (75, "steel")
    assert plan["shadow_prices"] == {"asm": 0.0, "mill": 0.5, "qmill": 0.5}
    assert [(e["id"], e["start_month"], e["capex_eur"]) for e in plan["expansions"]] == [
        ("e1", "2026-01", 1e6)
    ]
    assert (plan["total_shortfall"], plan["total_shortfall_before"]) == (25, 75)
    assert [m["month"] for m in plan["months"]] == ["2026-01", "2026-02", "2026-03"]
    assert {"output", "delivered", "shortfall", "bottleneck"} <= set(plan["months"][0])
    assert [m["shortfall"] for m in plan["months"]] == [25, 0, 0]
    assert plan["explanations"]


def test_plan_summary_and_infeasible_demand(tmp_path: Path) -> None:
    shown = run("capacity", "plan", scenario_file(tmp_path, chain())).stdout
    assert "max output per month: 75" in shown and "bottleneck: steel (mill, qmill)" in shown
    assert "75 before, 25 after" in shown
    huge = chain(0.0).replace("{item: widget, per_month: 100}", "{item: widget, per_month: 1e6}")
    plan = json.loads(run("capacity", "plan", scenario_file(tmp_path, huge), "--json").stdout)
    assert plan["total_shortfall"] == 3 * 1_000_000 - 3 * 75  # best plan, remaining shortfall


def test_bad_input_names_each_item_and_field(tmp_path: Path) -> None:
    broken = (
        chain()
        .replace("{steel: 2}", "{steel: 2, widget: 1}")
        .replace("capacity_per_month: 50}", "capacity_per_month: -5}")
        .replace("line: mill", "line: nowhere")
        .replace("extra_per_month: 50", 'extra_per_month: "3 t"')
    )
    failed = run("capacity", "plan", scenario_file(tmp_path, broken), code=1)
    lines = failed.output.splitlines()
    assert "  item widget: bom: the bill of materials loops: widget -> widget" in lines
    assert "  line qmill: capacity_per_month: -5 is negative" in lines
    assert "  expansion e1: line: unknown line 'nowhere'" in lines
    assert "Traceback" not in failed.output
    unmade = chain().replace("{item: widget, per_month: 100}", "{item: gadget, per_month: 1}")
    unmade = unmade.replace(
        "  - {id: steel, unit: kg}", "  - {id: steel, unit: kg}\n  - {id: gadget, unit: unit}"
    )
    failed = run("capacity", "plan", scenario_file(tmp_path, unmade), "--json", code=1)
    [detail] = json.loads(failed.stdout)["error"]["details"]
    assert (detail["record"], detail["field"]) == ("item gadget", "demand")
    tonnes = chain().replace("capacity_per_month: 100}", 'capacity_per_month: "2 t"}', 1)
    failed = run("capacity", "plan", scenario_file(tmp_path, tonnes), code=1)
    assert "line asm: capacity_per_month:" in failed.output  # t for an item counted in units
    assert "file not found" in run("capacity", "plan", str(tmp_path / "nope.yaml"), code=1).output


def test_compare_files_and_stored_scenarios(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cap.db"
    data = build(Database(url))
    a = scenario_file(tmp_path, chain(), "target.yaml")
    b = scenario_file(tmp_path, chain(0.0), "no_money.yaml")
    owner = str(data.orgs["cluster"])
    saved = json.loads(
        run(
            "capacity", "save", b, "--owner", owner, "--name", "Stored", "--json", "--db", url
        ).stdout
    )
    found = json.loads(
        run("capacity", "compare", a, f"id:{saved['id']}", "--json", "--db", url).stdout
    )
    rows = [(s["name"], s["total_shortfall"], s["capex_eur"]) for s in found["scenarios"]]
    assert rows == [(a, 25, 1e6), ("Stored", 75, 0)]
    table = run("capacity", "compare", a, b).stdout
    assert "shortfall after" in table and "e1" in table
    assert "id:x" in run("capacity", "compare", "id:x", code=1).output
    listed = run("capacity", "list", "--db", url).stdout
    assert f"{saved['id']}\trestricted\tLombardia Aerospace Cluster\tplanned\tStored" in listed
    shown = json.loads(run("capacity", "show", str(saved["id"]), "--json", "--db", url).stdout)
    assert shown["plan"]["total_shortfall"] == 75 and shown["text"].startswith("horizon")


def test_risk_and_concentration(tmp_path: Path) -> None:
    path = scenario_file(tmp_path, chain())
    risk = json.loads(
        run("capacity", "risk", path, "--runs", "12", "--workers", "1", "--json").stdout
    )
    assert risk["runs"] == 12 and risk["total_shortfall"]["max"] >= risk["baseline_shortfall"]
    planned = json.loads(
        run(
            "capacity", "risk", path, "--runs", "12", "--workers", "1", "--with-plan", "--json"
        ).stdout
    )
    assert planned["starts"] == {"e1": "2026-01"}
    assert planned["baseline_shortfall"] < risk["baseline_shortfall"]
    found = json.loads(run("capacity", "concentration", path, "--json").stdout)
    assert found
