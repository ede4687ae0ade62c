"""`filiera events schedule|generate`: the scheduler on plain instance files, without a
database; and the YAML an event is created from (`filiera events create`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError

from filiera.cli.common import (
    JsonOption,
    bad_file,
    console,
    handle_errors,
    print_json,
    read_json,
)
from filiera.cli.event_printing import print_certificate, print_unscheduled
from filiera.cli.formatting import plural
from filiera.errors import ValidationFailed
from filiera.events import generate, instance, scheduler
from filiera.events.schemas import EventIn
from filiera.registry.schemas import validation_errors

TimeLimit = Annotated[float, typer.Option(min=0.1, help="Seconds the scheduler may search.")]
Seed = Annotated[int, typer.Option(min=0, help="Random seed: the same seed, the same schedule.")]


def _warn(line: str) -> None:
    console.print(f"warning: {line}", highlight=False, markup=False)


def load_instance(path: Path, previous: Path | None) -> instance.Instance:
    """The instance in `path`; with `previous`, that schedule's meetings are kept if possible."""
    raw = read_json(path)
    if previous is not None:
        earlier = read_json(previous)
        meetings = earlier.get("meetings") if isinstance(earlier, dict) else None
        if not isinstance(meetings, list):
            raise bad_file(previous, "not a schedule: it has no list of meetings")
        if isinstance(raw, dict):
            raw = {**raw, "previous": meetings}
    return instance.parse(raw, source=str(path))


def _tables(value: str) -> str | int:
    if value in ("plentiful", "scarce"):
        return value
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise typer.BadParameter("plentiful, scarce or a number of tables")


class _EventYaml(yaml.SafeLoader):
    """YAML without base-60 numbers, so that `day_start: 9:00` stays a time (not 540)."""


_EventYaml.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if not tag.endswith((":int", ":float"))]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_EventYaml.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_EventYaml.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9]+([eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)


def _padded(value: Any) -> Any:
    """`9:00` -> `09:00` anywhere in the file (times are written either way by hand)."""
    if isinstance(value, dict):
        return {key: _padded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_padded(item) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\d:\d\d", value):
        return f"0{value}"
    return value


def read_event_file(path: Path, owner: int | None) -> EventIn:
    """An event written as YAML, validated; every error names the file and the field."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_EventYaml)  # noqa: S506
    except yaml.YAMLError as error:
        raise bad_file(path, f"not valid YAML ({error})".replace("\n", " ")) from None
    if not isinstance(raw, dict):
        raise bad_file(path, "an event is a mapping of fields (name, owner_id, days...)")
    if owner is not None:
        raw["owner_id"] = owner
    try:
        return EventIn.model_validate(_padded(raw))
    except ValidationError as error:
        errors = validation_errors(str(path), error)
        said = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        raise ValidationFailed(f"{path}: {said}", errors=errors) from None


def register(app: typer.Typer) -> None:
    """Add `schedule` and `generate` to `filiera events`."""

    @app.command("schedule")
    @handle_errors
    def schedule_cmd(
        instance_file: Annotated[
            Path, typer.Argument(help="The instance, JSON (see docs/events.md).")
        ],
        time_limit: TimeLimit = 30.0,
        seed: Seed = 1,
        previous: Annotated[
            Path | None,
            typer.Option(help="A schedule this command wrote: keep its meetings, move few."),
        ] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Schedule a plain instance file (no database).

        Places meetings in slots and tables and says how close to the upper bound the
        schedule is; `--json` prints the schedule for `--previous` and scripts."""
        problem = load_instance(instance_file, previous)
        for warning in problem.warnings:
            _warn(warning)
        with console.status(f"scheduling {plural(len(problem.requests), 'request')}…"):
            result = scheduler.schedule(problem, time_limit=time_limit, seed=seed)
        if as_json:
            print_json(scheduler.to_json(problem, result))
            return
        print_certificate(result.stats)
        print_unscheduled(
            [(u.request, " – ".join(u.members), u.priority, u.reason) for u in result.unscheduled]
        )

    @app.command("generate")
    @handle_errors
    def generate_cmd(
        participants_: Annotated[int, typer.Option("--participants", min=2)] = 600,
        requests_: Annotated[int, typer.Option("--requests", min=0)] = 6000,
        slots: Annotated[int, typer.Option(min=1)] = 20,
        tables: Annotated[
            str,
            typer.Option(
                parser=_tables, help="plentiful, scarce (about half the requests fit) or a number."
            ),
        ] = "plentiful",
        skew: Annotated[
            float, typer.Option(min=0.0, help="Popularity skew (Zipf exponent).")
        ] = 1.0,
        days: Annotated[int, typer.Option(min=1, help="Days the slots spread over.")] = 1,
        seed: Seed = 1,
    ) -> None:
        """Write a synthetic instance as JSON on standard output.

        Popularity is skewed, some participants arrive late or leave early, priorities
        are 1-3, tables plentiful or scarce."""
        print_json(
            generate.instance(
                participants_, requests_, slots, seed=seed, skew=skew, tables=tables, days=days
            )
        )
