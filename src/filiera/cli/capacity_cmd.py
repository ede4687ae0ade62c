"""`filiera capacity`: plans, risk runs and comparisons of production-capacity scenarios.

`plan`, `risk`, `concentration` and `compare` run on YAML files without a database;
`compare` also takes stored scenarios as `id:N`; `save`, `list` and `show` use the database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from filiera.capacity import analysis, scenario, store
from filiera.capacity.schemas import ScenarioIn
from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    handle_errors,
    open_db,
    output,
    print_json,
    progress_bar,
    reading,
)
from filiera.errors import ValidationFailed, field_error
from filiera.registry.schemas import parse

app = typer.Typer(
    help="Production capacity: bottlenecks, expansion plans, disruption risk, comparisons.",
    no_args_is_help=True,
)
ScenarioFile = Annotated[Path, typer.Argument(help="A scenario YAML file.")]
TimeLimit = Annotated[
    float, typer.Option("--time-limit", min=0.1, help="Seconds the MILP may search.")
]


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


def _print_plan(plan: dict[str, Any]) -> None:
    item, unit = plan["item"], plan["unit"]
    output.print(f"scenario {plan['scenario']}: {item} ({unit})")
    output.print(f"max output per month: {_fmt(plan['max_output_per_month'])}")
    lines = ", ".join(plan["bottleneck_lines"])
    output.print(f"bottleneck: {plan['bottleneck'] or 'none'}" + (f" ({lines})" if lines else ""))
    prices = sorted(plan["shadow_prices"].items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    table = Table("line", "shadow price", "utilisation", title="shadow prices (top 10)")
    for line_id, price in prices:
        used = plan["utilisation"].get(line_id)
        table.add_row(line_id, f"{price:.4g}", "-" if used is None else f"{used:.0%}")
    output.print(table)
    if plan["expansions"]:
        table = Table(
            "id",
            "line",
            "item",
            "country",
            "start",
            "first month",
            "extra/month",
            "capex €",
            title="expansions",
        )
        for e in plan["expansions"]:
            table.add_row(
                e["id"],
                e["line"],
                e["item"],
                e["country"] or "-",
                e["start_month"],
                e["first_month"],
                _fmt(e["extra_per_month"]),
                _fmt(e["capex_eur"]),
            )
        output.print(table)
    output.print(
        f"shortfall: {_fmt(plan['total_shortfall_before'])} before, "
        f"{_fmt(plan['total_shortfall'])} after ({unit}); capex {_fmt(plan['capex_eur'])} €"
    )
    for note in plan["explanations"]:
        output.print(f"- {note}")


@app.command("plan")
@handle_errors
def plan_cmd(file: ScenarioFile, time_limit: TimeLimit = 10.0, as_json: JsonOption = False) -> None:
    """Max output, bottleneck, shadow prices and the expansion plan of a scenario file."""
    plan = analysis.analyse(scenario.load(file), time_limit=time_limit)
    print_json(plan) if as_json else _print_plan(plan)


def _print_risk(found: dict[str, Any]) -> None:
    unit, dist = found["unit"], found["total_shortfall"]
    output.print(f"{found['runs']} disruption scenarios of {found['item']} (seed {found['seed']})")
    output.print(f"shortfall without disruption: {_fmt(found['baseline_shortfall'])} {unit}")
    output.print(
        "total shortfall: "
        + ", ".join(f"{k} {_fmt(dist.get(k))}" for k in ("mean", "p50", "p90", "p99", "max"))
    )
    output.print(f"probability of extra shortfall: {found['probability_of_shortfall']:.1%}")
    table = Table(
        "line",
        "item",
        "organisation",
        "country",
        "mean extra shortfall",
        title="sites whose loss hurts most",
    )
    for row in found["sites_that_hurt_most"][:10]:
        table.add_row(
            row["line"],
            row["item"],
            row["organisation"] or "-",
            row["country"] or "-",
            _fmt(row["mean_extra_shortfall"]),
        )
    output.print(table)


@app.command("risk")
@handle_errors
def risk_cmd(
    file: ScenarioFile,
    runs: Annotated[int, typer.Option(min=1, help="Random disruption scenarios.")] = 5000,
    seed: Annotated[int, typer.Option(min=0, help="Random seed (same seed, same runs).")] = 1,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Local worker processes (default: cores).")
    ] = None,
    dask: Annotated[
        str | None, typer.Option("--dask", help="Run on this Dask scheduler (ADDRESS).")
    ] = None,
    with_plan: Annotated[
        bool, typer.Option("--with-plan", help="With the plan's expansions built.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Shortfall distribution over random outages, input cut-offs and lead-time slips."""
    from filiera.capacity import risk

    s = scenario.load(file)
    starts = store.plan_starts(s, analysis.analyse(s)) if with_plan else None
    with progress_bar("disruption scenarios", runs) as advance:
        done = [0]

        def progress(finished: int, _total: int) -> None:
            advance(finished - done[0])
            done[0] = finished

        found = risk.summary(
            s, runs, seed, workers=workers, dask_address=dask, starts=starts, progress=progress
        )
    print_json(found) if as_json else _print_risk(found)


@app.command("concentration")
@handle_errors
def concentration_cmd(file: ScenarioFile, as_json: JsonOption = False) -> None:
    """Share of each stage held by one company, one country, one non-EU source."""
    from filiera.capacity import risk

    found = risk.concentration(scenario.load(file))
    if as_json:
        print_json(found)
        return
    for stage in found.get("stages", []):
        output.print(
            " ".join(f"{k}={v}" for k, v in stage.items() if not isinstance(v, list | dict))
        )
    for spof in found.get("single_points_of_failure", []):
        output.print(f"single point of failure: {spof}")


def _stored_id(ref: str) -> int | None:
    if not ref.startswith("id:"):
        return None
    if not ref[3:].isdigit() or int(ref[3:]) < 1:
        message = f"{ref!r} is not a stored scenario (id:N)"
        raise ValidationFailed(message, errors=[field_error("compare", ref, message)])
    return int(ref[3:])


def _compare_entries(refs: list[str], db: str | None, as_user: str | None) -> list[dict]:
    entries: dict[int, dict] = {}
    ids = {i: n for i, ref in enumerate(refs) if (n := _stored_id(ref)) is not None}
    if ids:
        with open_db(db).session() as session:
            found = store.compare_scenarios(session, cli_viewer(session, as_user), [*ids.values()])
        by_id = {row["id"]: row for row in found["scenarios"]}
        entries = {i: by_id[n] for i, n in ids.items()}
    rows = []
    for i, ref in enumerate(refs):
        if i in entries:
            rows.append(entries[i])
            continue
        plan = analysis.analyse(scenario.load(Path(ref)))
        rows.append(store.side_by_side([{"name": ref, "plan": plan}])["scenarios"][0])
    return rows


@app.command("compare")
@handle_errors
def compare_cmd(
    scenarios: Annotated[
        list[str], typer.Argument(help="Scenario files, or stored scenarios as id:N.")
    ],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Scenarios side by side: max output, bottleneck, shortfall before/after, capex."""
    rows = _compare_entries(scenarios, db, as_user)
    months = sorted({m["month"] for row in rows for m in row["curve"]})
    if as_json:
        print_json({"scenarios": rows, "months": months})
        return
    table = Table("", *[row["name"] for row in rows], title="scenarios side by side")
    figures = (
        ("item", lambda r: f"{r['item']} ({r['unit']})"),
        ("max output per month", lambda r: _fmt(r["max_output_per_month"])),
        ("bottleneck", lambda r: r["bottleneck"] or "none"),
        ("shortfall before", lambda r: _fmt(r["total_shortfall_before"])),
        ("shortfall after", lambda r: _fmt(r["total_shortfall"])),
        ("capex €", lambda r: _fmt(r["capex_eur"])),
        ("expansions", lambda r: ", ".join(e["id"] for e in r["expansions"]) or "-"),
    )
    for label, cell in figures:
        table.add_row(label, *[cell(row) for row in rows])
    output.print(table)


@app.command("save")
@handle_errors
def save_cmd(
    file: ScenarioFile,
    owner: Annotated[int, typer.Option("--owner", min=1, help="Owner organisation id.")],
    name: Annotated[str | None, typer.Option(help="Name (default: the file's).")] = None,
    visibility: Annotated[str, typer.Option(help="public, members, restricted, owner.")] = (
        "restricted"
    ),
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Store a scenario file (validated whole) for an organisation."""
    with reading(file):
        text = file.read_text(encoding="utf-8")
    data = parse(
        ScenarioIn,
        {"name": name or file.stem, "text": text, "owner_id": owner, "visibility": visibility},
        "scenario",
    )
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        found = store.scenario_out(viewer, store.save_scenario(session, viewer, data))
    print_json(found) if as_json else typer.echo(
        f"saved capacity scenario {found.id}: {found.name}"
    )


@app.command("list")
@handle_errors
def list_cmd(db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
    """The stored scenarios you may read."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        found = [store.scenario_out(viewer, row) for row in store.list_scenarios(session, viewer)]
    if as_json:
        print_json(found)
        return
    for row in found:
        planned = "planned" if row.result_at else "not planned"
        typer.echo(f"{row.id}\t{row.visibility}\t{row.owner}\t{planned}\t{row.name}")


@app.command("show")
@handle_errors
def show_cmd(
    scenario_id: Annotated[int, typer.Argument(help="Stored scenario id.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """One stored scenario and its last plan, as you may see them."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        row = store.get_scenario(session, viewer, scenario_id)
        found = store.scenario_out(viewer, row).model_dump(mode="json")
        plan = None if row.result is None else store.view_for(viewer, row, row.result)
    if as_json:
        print_json({**found, "plan": plan})
        return
    typer.echo(f"capacity scenario {found['id']}: {found['name']} ({found['visibility']})")
    typer.echo(f"owner: {found['owner']}; lines: {', '.join(found['lines']) or '-'}")
    if plan is None:
        typer.echo("not planned yet")
    else:
        for note in plan["explanations"]:
            typer.echo(f"- {note}")
