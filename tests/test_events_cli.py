"""`filiera events` (issue 12) through typer's CliRunner.

Plain instance files, no database: a generated instance is scheduled (every meeting checked
against the instance), a second run with `--previous` keeps the meetings, and bad input is
one clear line per problem naming its record and field, never a traceback. On SQLite and
PostgreSQL: an event created from YAML, registrations, a request and its answer, a run with
its certificate, agendas (.ics and Italian text), the room grid, locks, and refusals.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest
from typer.testing import CliRunner, Result

from filiera.cli.main import app
from filiera.events import scheduler
from support.event_registry import Registry, make_registry
from test_events_scheduler import check

RUNNER = CliRunner(env={"COLUMNS": "200"})


def run(*args: str, code: int = 0) -> Result:
    result = RUNNER.invoke(app, list(args))
    assert result.exit_code == code, f"{args} exited {result.exit_code}:\n{result.output}"
    assert "Traceback" not in result.output
    return result


def write(path: Path, value: Any) -> str:
    path.write_text(json.dumps(value) if not isinstance(value, str) else value, encoding="utf-8")
    return str(path)


def as_schedule(out: dict[str, Any]) -> scheduler.Schedule:
    """The `--json` output read back as the scheduler's result, to check it."""
    meetings = [
        scheduler.Meeting(
            m["request"], tuple(m.get("participants") or (m["a"], m["b"])), m["slot"], m["table"]
        )
        for m in out["meetings"]
    ]
    unscheduled = [
        scheduler.Unscheduled(
            u["request"], tuple(u["participants"]), u["priority"], u["reason"], u["code"]
        )
        for u in out["unscheduled"]
    ]
    return scheduler.Schedule(meetings, unscheduled, out["stats"])


@pytest.fixture
def generated(tmp_path: Path) -> tuple[dict[str, Any], str]:
    """A scarce-tables instance of 40 participants and 150 requests over 8 slots."""
    made = run(
        "events",
        "generate",
        "--participants",
        "40",
        "--requests",
        "150",
        "--slots",
        "8",
        "--tables",
        "scarce",
        "--skew",
        "1.2",
        "--seed",
        "7",
    )
    raw = json.loads(made.stdout)
    return raw, write(tmp_path / "instance.json", raw)


# --- plain instance files -------------------------------------------------------------------


def test_generate_writes_the_instance_asked_for(generated) -> None:
    raw, _ = generated
    assert len(raw["participants"]) == 40 and len(raw["slots"]) == 8
    assert len(raw["requests"]) == 150
    assert {r["priority"] for r in raw["requests"]} == {1, 2, 3}
    assert raw["tables"] == round(0.5 * 150 / 8)
    fixed = json.loads(
        run(
            "events",
            "generate",
            "--participants",
            "5",
            "--requests",
            "4",
            "--slots",
            "2",
            "--tables",
            "3",
        ).stdout
    )
    assert fixed["tables"] == 3
    bad = run("events", "generate", "--tables", "lots", code=2)
    assert "plentiful, scarce or a number" in bad.output


def test_schedule_a_generated_instance(generated) -> None:
    raw, path = generated
    out = json.loads(run("events", "schedule", path, "--time-limit", "5", "--json").stdout)
    assert set(out) == {"meetings", "unscheduled", "stats"}
    assert all(set(m) >= {"a", "b", "slot", "table"} for m in out["meetings"])
    check(raw, as_schedule(out))
    stats = out["stats"]
    assert stats["meetings"] == len(out["meetings"]) > 0
    assert stats["weight"] <= stats["upper_bound"] and out["unscheduled"]
    assert all(u["reason"] and u["code"] for u in out["unscheduled"])


def test_the_summary_says_the_certificate_and_why_not(generated) -> None:
    _, path = generated
    text = " ".join(run("events", "schedule", path, "--time-limit", "3").stdout.split())
    out = json.loads(run("events", "schedule", path, "--time-limit", "3", "--json").stdout)
    stats = out["stats"]
    assert f"weight {stats['weight']} of upper bound {stats['upper_bound']}" in text
    assert f"{stats['percent_of_bound']:.2f} % of bound" in text
    left = len(out["unscheduled"])
    assert f"{stats['meetings']} of {stats['requests']} requests; {left} unscheduled" in text
    assert f"participants without meetings: {stats['participants_without_meetings']}" in text
    assert "idle gaps:" in text and "time:" in text
    first = out["unscheduled"][0]
    assert first["reason"][:40] in text
    if left > 20:
        assert f"… and {left - 20} more unscheduled" in text


def test_a_second_run_keeps_the_meetings_of_the_first(generated, tmp_path: Path) -> None:
    raw, path = generated
    first = json.loads(run("events", "schedule", path, "--time-limit", "3", "--json").stdout)
    previous = write(tmp_path / "schedule.json", first)
    gone = first["meetings"][0]["request"]  # a cancellation
    changed = dict(raw)
    changed["requests"] = [
        {**r, "id": f"r{i}"} for i, r in enumerate(raw["requests"]) if f"r{i}" != gone
    ]
    changed["participants"] = [*raw["participants"], {"id": "new1"}, {"id": "new2"}]
    changed["requests"].append({"id": "fresh", "a": "new1", "b": "new2", "priority": 1})
    changed["tables"] = raw["tables"] + 1  # a spare table for the newcomers
    second_path = write(tmp_path / "changed.json", changed)
    args = ("events", "schedule", second_path, "--previous", previous, "--time-limit", "3")
    second = json.loads(run(*args, "--json").stdout)
    check(changed, as_schedule(second))
    before = {m["request"]: (m["slot"], m["table"]) for m in first["meetings"]}
    after = {m["request"]: (m["slot"], m["table"]) for m in second["meetings"]}
    kept = [r for r in before if r != gone]
    assert all(r in after for r in kept), "a confirmed meeting was dropped"
    same = sum(after[r][0] == before[r][0] for r in kept)
    assert same >= 0.9 * len(kept)
    assert second["stats"]["kept"] + second["stats"]["moved"] == len(kept)
    assert second["stats"]["dropped"] == 0 and "fresh" in after
    assert "previous schedule:" in run(*args).stdout


def test_a_previous_file_that_is_not_a_schedule(generated, tmp_path: Path) -> None:
    _, path = generated
    other = write(tmp_path / "other.json", {"slots": []})
    bad = run("events", "schedule", path, "--previous", other, code=1)
    assert "other.json: not a schedule" in bad.output


BAD = {
    "slots": [{"id": "s1", "tables": 5}, {"id": "s2"}],
    "tables": 2,
    "participants": [{"id": "p1"}, {"id": "p2"}, {"id": "p3", "unavailable": ["s1", "s2"]}],
    "requests": [
        {"a": "p1", "b": "ghost", "priority": 2},
        {"a": "p1", "b": "p2", "priority": 5},
        {"a": "p1", "b": "p3"},
    ],
}


def test_a_bad_instance_names_each_record_and_field(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.json", BAD)
    result = run("events", "schedule", path, code=1)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and "bad.json" in lines[0]
    assert "  slot s1: tables: slot 's1' asks for 5 tables but the venue has 2" in lines
    assert "  requests[0]: participants: unknown participant 'ghost'" in lines
    assert "  requests[1]: priority: priority is 1, 2 or 3, not 5" in lines
    assert result.stdout == ""
    body = json.loads(run("events", "schedule", path, "--json", code=1).stdout)
    fields = {(d["record"], d["field"]) for d in body["error"]["details"]}
    assert fields == {
        ("slot s1", "tables"),
        ("requests[0]", "participants"),
        ("requests[1]", "priority"),
    }


def test_unreadable_files_are_one_clear_error(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.json", "{not json")
    assert "broken.json: not valid JSON" in run("events", "schedule", broken, code=1).stderr
    missing = str(tmp_path / "missing.json")
    assert "missing.json: no such file" in run("events", "schedule", missing, code=1).stderr
    assert "is a folder" in run("events", "schedule", str(tmp_path), code=1).stderr


def test_duplicates_and_people_with_no_free_slot_are_warnings(tmp_path: Path) -> None:
    raw = {
        "slots": [{"id": "s1"}, {"id": "s2"}],
        "tables": 2,
        "participants": [{"id": "p1"}, {"id": "p2"}, {"id": "p3", "unavailable": ["s1", "s2"]}],
        "requests": [
            {"a": "p1", "b": "p2", "priority": 1},
            {"a": "p2", "b": "p1", "priority": 3},
            {"a": "p1", "b": "p3"},
        ],
    }
    path = write(tmp_path / "dup.json", raw)
    result = run("events", "schedule", path, "--json")
    assert "warning: requests[1] repeats request r0" in result.stderr
    assert "warning: participant 'p3' has no free slot" in result.stderr
    out = json.loads(result.stdout)
    assert len(out["stats"]["warnings"]) == 2
    assert [m["request"] for m in out["meetings"]] == ["r0"]
    assert out["stats"]["weight"] == 3  # kept once, with the higher priority
    [left] = out["unscheduled"]
    assert (left["request"], left["code"]) == ("r2", "no_free_slot")


# --- events on the database -----------------------------------------------------------------

EVENT_YAML = """\
name: Varese cluster meeting
venue: Villa Ponti
city: Varese
country: IT
days: [2026-05-12]
day_start: 9:00
day_end: 11:00
slot_minutes: 30
breaks:
  - {start: 10:00, end: 10:30, label: Coffee}
tables: 2
table_names: [Verdi, Rossa]
"""


@pytest.fixture
def reg(db_url: str) -> Iterator[Registry]:
    registry = make_registry(db_url)
    yield registry
    registry.db.dispose()


def db_run(reg: Registry, *args: str, who: str | None = None, code: int = 0) -> Result:
    as_user = ("--as", f"{who}@events.example") if who else ()
    return run(*args, *as_user, "--db", reg.db.url, code=code)


def test_an_event_from_yaml_then_register_request_answer_run_and_agendas(
    reg: Registry, tmp_path: Path
) -> None:
    path = tmp_path / "event.yaml"
    path.write_text(EVENT_YAML, encoding="utf-8")
    cluster = str(reg.org("cluster"))
    made = json.loads(
        db_run(
            reg, "events", "create", str(path), "--owner", cluster, "--json", who="manager"
        ).stdout
    )
    starts = [(s["starts_at"][11:16], s["kind"]) for s in made["slots"]]
    assert starts == [
        ("09:00", "meeting"),
        ("09:30", "meeting"),
        ("10:00", "break"),
        ("10:30", "meeting"),
    ]  # 9:00 is a time, not 540 seconds
    event = str(made["id"])
    leo = json.loads(
        db_run(
            reg,
            "events",
            "register",
            event,
            "--org",
            str(reg.org("leonardo")),
            "--looking-for",
            "radar",
            "--arrives",
            "09:30",
            "--json",
            who="leo",
        ).stdout
    )
    assert leo["contact_name"] == "Luca Leone" and leo["arrives_at"].endswith("09:30:00")
    saf = json.loads(
        db_run(
            reg, "events", "register", event, "--org", str(reg.org("safran")), "--json", who="saf"
        ).stdout
    )
    asked = db_run(
        reg, "events", "request", event, "--to", str(saf["id"]), "--priority", "3", who="leo"
    ).stdout
    request_id = asked.split()[1].rstrip(":")
    assert "Luca Leone → Sara Blanc (pending)" in asked
    answered = db_run(reg, "events", "answer", request_id, "--accept", who="saf")
    assert f"request {request_id} accepted" in answered.stdout
    refused = db_run(reg, "events", "run", event, who="leo", code=1)
    assert "role member may not event organise" in refused.stderr
    certificate = " ".join(
        db_run(reg, "events", "run", event, "--time-limit", "2", who="manager").stdout.split()
    )
    assert "weight 3 of upper bound 3: 100.00 % of bound (proved optimal)" in certificate
    assert "1 added" in certificate
    agenda = db_run(reg, "events", "agenda", event, "--participant", str(leo["id"]), who="leo")
    line = next(x for x in agenda.stdout.splitlines() if "Sara Blanc" in x)
    assert line.startswith("2026-05-12 09:30–10:00") or line.startswith("2026-05-12 10:30–11:00")
    ics = tmp_path / "leo.ics"
    db_run(
        reg,
        "events",
        "agenda",
        event,
        "--participant",
        str(leo["id"]),
        "--ics",
        str(ics),
        who="leo",
    )
    [entry] = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert entry.decoded("dtstart").strftime("%Y-%m-%d %H:%M") == line[:16]
    italian = db_run(
        reg,
        "events",
        "agenda",
        event,
        "--participant",
        str(leo["id"]),
        "--text",
        "--lang",
        "it",
        who="leo",
    ).stdout
    assert italian.startswith("Gentile Luca Leone,") and "Tavolo" in italian
    stranger = db_run(
        reg, "events", "agenda", event, "--participant", str(leo["id"]), who="lux", code=1
    )
    assert f"participant {leo['id']} does not exist" in stranger.stderr
    grid = json.loads(
        db_run(reg, "events", "grid", event, "--by", "table", "--json", who="manager").stdout
    )
    [meeting] = [c["meeting"] for row in grid["rows"] for c in row["cells"] if c["meeting"]]
    assert [r["label"] for r in grid["rows"]] == ["Verdi", "Rossa"]
    locked = db_run(reg, "events", "lock", str(meeting["id"]), who="manager").stdout
    assert f"meeting {meeting['id']} locked at" in locked
    assert (
        "unlocked"
        in db_run(reg, "events", "lock", str(meeting["id"]), "--unlock", who="manager").stdout
    )
    assert db_run(reg, "events", "lock", str(meeting["id"]), who="leo", code=1).stderr


def test_database_commands_refuse_bad_input_naming_the_field(reg: Registry, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: X\ndays: [2026-05-12]\ntables: many\n", encoding="utf-8")
    result = db_run(reg, "events", "create", str(bad), who="manager", code=1)
    assert f"  {bad}: name: String should have at least 3 characters" in result.stderr
    assert f"  {bad}: tables: Input should be a valid integer" in result.stderr
    assert f"  {bad}: owner_id: Field required" in result.stderr
    event = str(reg.event())
    saf = reg.register(int(event), "saf")
    priority = db_run(
        reg, "events", "request", event, "--to", str(saf), "--priority", "5", who="leo", code=1
    )
    assert "meeting_request: priority: Input should be less than or equal to 3" in priority.stderr
    late = db_run(
        reg,
        "events",
        "register",
        event,
        "--org",
        str(reg.org("leonardo")),
        "--arrives",
        "25:99",
        who="leo",
        code=1,
    )
    assert "participant: arrives_at: '25:99' is not a time" in late.stderr
    wrong = db_run(reg, "events", "grid", event, "--by", "room", who="manager", code=1)
    assert "grid: by: by is slot or table" in wrong.stderr
    listed = db_run(reg, "events", "list", "--status", "open", who="lux").stdout
    assert event in listed.split() and "no events" not in listed
    shown = db_run(reg, "events", "show", event, who="lux").stdout
    assert "Safran" in shown and "Sara Blanc" not in shown  # no contacts for outsiders
    assert "Sara Blanc" in db_run(reg, "events", "show", event, who="manager").stdout
