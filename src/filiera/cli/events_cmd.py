"""`filiera events ...`: B2B matchmaking events.

`schedule` and `generate` work on plain instance files, without a database; the other
commands work on the database's events, as the local operator or `--as` a user."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from filiera.cli import event_files
from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    console,
    handle_errors,
    open_db,
    output,
    print_json,
)
from filiera.cli.event_files import Seed, TimeLimit, read_event_file
from filiera.cli.event_printing import (
    print_agenda,
    print_event,
    print_grid,
    print_run,
    say,
    when,
)
from filiera.cli.formatting import plural
from filiera.errors import ValidationFailed, field_error
from filiera.events import (
    agenda,
    events,
    participants,
    planning,
    suggestions,
)
from filiera.events import requests as meeting_requests
from filiera.events.models import EVENT_STATUSES
from filiera.events.schemas import ParticipantIn, RequestIn
from filiera.registry.schemas import parse

app = typer.Typer(
    help="B2B matchmaking events: schedule instance files, and events on the database.",
    no_args_is_help=True,
)
event_files.register(app)
EventId = Annotated[int, typer.Argument(help="Event id.")]
ParticipantOption = Annotated[int, typer.Option("--participant", help="Participant id.")]


# --- events on the database -----------------------------------------------------------------


@app.command("list")
@handle_errors
def list_cmd(
    status: Annotated[str | None, typer.Option(help="draft, open or closed.")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Events you may see, the soonest first."""
    if status is not None and status not in EVENT_STATUSES:
        message = f"status is one of {', '.join(EVENT_STATUSES)}"
        raise ValidationFailed(message, errors=[field_error("event", "status", message)])
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        found = events.list_events(session, viewer, status=status)
        out = [events.event_out(session, viewer, event) for event in found]
    if as_json:
        print_json(out)
        return
    for e in out:
        say(f"{e.id}\t{e.status}\t{e.starts_on}\t{e.city or '-'}\t{e.owner}\t{e.name}")
    if not out:
        say("no events")


@app.command("show")
@handle_errors
def show_cmd(
    event_id: EventId, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False
) -> None:
    """One event, its slots and the participants you may see."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        event = events.get(session, viewer, event_id)
        out = events.event_out(session, viewer, event)
        found = participants.list_participants(session, viewer, event_id)
        people = participants.participants_out(session, viewer, event, found)
    if as_json:
        print_json({"event": out, "participants": people})
        return
    print_event(out)
    table = Table("id", "organisation", "delegate", "status", title="participants")
    for p in people:
        table.add_row(str(p.id), p.organisation, p.contact_name or "", p.status)
    output.print(table)


@app.command("create")
@handle_errors
def create_cmd(
    file: Annotated[Path, typer.Argument(help="The event in YAML (see docs/events.md).")],
    owner: Annotated[
        int | None, typer.Option(min=1, help="Organising organisation (default: the file's).")
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an event with its slots (as the local operator, or `--as` an organiser)."""
    data = read_event_file(file, owner)
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = events.event_out(session, viewer, events.create_event(session, viewer, data))
    if as_json:
        print_json(out)
        return
    meetings = sum(1 for s in out.slots if s.kind == "meeting")
    say(f"created event {out.id}: {out.name} ({plural(meetings, 'meeting slot')})")


def _moment(value: str | None, day: dt.date, name: str) -> dt.datetime | None:
    """`HH:MM` on the event's first day, or a full ISO date and time."""
    if value is None:
        return None
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", value):
            return dt.datetime.combine(day, dt.time.fromisoformat(value.zfill(5)))
        return dt.datetime.fromisoformat(value)
    except ValueError:
        message = f"{value!r} is not a time (HH:MM) nor a date and time (YYYY-MM-DDTHH:MM)"
        raise ValidationFailed(
            message, errors=[field_error("participant", name, message)]
        ) from None


@app.command("register")
@handle_errors
def register_cmd(
    event_id: EventId,
    org: Annotated[int, typer.Option("--org", help="The delegate's organisation id.")],
    name: Annotated[str | None, typer.Option(help="Delegate's name (default: yours).")] = None,
    job_title: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    looking_for: Annotated[str | None, typer.Option(help="Whom they want to meet.")] = None,
    offering: Annotated[str | None, typer.Option(help="What they offer.")] = None,
    arrives: Annotated[str | None, typer.Option(help="HH:MM (first day) or date and time.")] = None,
    leaves: Annotated[str | None, typer.Option(help="HH:MM (first day) or date and time.")] = None,
    block: Annotated[list[int] | None, typer.Option(help="A slot id they are busy in.")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a delegate: yourself for your organisation (`--as`), or anyone as organiser."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        event = events.get(session, viewer, event_id)
        fields = {
            "organisation_id": org,
            "contact_name": name,
            "job_title": job_title,
            "email": email,
            "looking_for": looking_for,
            "offering": offering,
            "arrives_at": _moment(arrives, event.starts_on, "arrives_at"),
            "leaves_at": _moment(leaves, event.starts_on, "leaves_at"),
            "blocked_slots": block or [],
        }
        data = parse(ParticipantIn, fields, "participant")
        participant = participants.register(session, viewer, event_id, data)
        [out] = participants.participants_out(session, viewer, event, [participant])
    if as_json:
        print_json(out)
        return
    say(f"registered participant {out.id}: {out.contact_name} ({out.organisation})")


@app.command("request")
@handle_errors
def request_cmd(
    event_id: EventId,
    to: Annotated[int, typer.Option("--to", help="The participant to meet.")],
    from_: Annotated[
        int | None, typer.Option("--from", help="Your participant id (default: yours).")
    ] = None,
    priority: Annotated[
        int, typer.Option(help="3 must meet, 2 would like to meet, 1 optional.")
    ] = 2,
    message: Annotated[str | None, typer.Option()] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Ask another participant of the event for a meeting."""
    fields = {
        "from_participant": from_,
        "to_participant": to,
        "priority": priority,
        "message": message,
    }
    data = parse(RequestIn, fields, "meeting_request")
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        request = meeting_requests.request_meeting(session, viewer, event_id, data)
        out = meeting_requests.request_out(viewer, events.get(session, viewer, event_id), request)
    if as_json:
        print_json(out)
        return
    receiver = out.receiver.contact_name if out.receiver else "?"
    say(f"request {out.id}: {out.requester.contact_name} → {receiver} ({out.status})")


@app.command("answer")
@handle_errors
def answer_cmd(
    request_id: Annotated[int, typer.Argument(help="Meeting request id.")],
    accept: Annotated[bool, typer.Option("--accept/--decline", help="Accept or decline.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept or decline a meeting request you received (or any, as organiser)."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        request = meeting_requests.answer(session, viewer, request_id, accept)
        _, event = meeting_requests.get_request(session, viewer, request_id)
        out = meeting_requests.request_out(viewer, event, request)
    print_json(out) if as_json else say(f"request {out.id} {out.status}")


@app.command("suggest")
@handle_errors
def suggest_cmd(
    event_id: EventId,
    participant: ParticipantOption,
    limit: Annotated[int, typer.Option(help="How many (1-50).")] = 10,
    lang: Annotated[str | None, typer.Option(help="en, it, fr or de.")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Whom this participant should meet, by mutual interest, with the reasons."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = suggestions.suggest(session, viewer, event_id, participant, limit, lang)
    if as_json:
        print_json(out)
        return
    if not out.suggestions:
        say(f"no suggestions ({(out.empty_reason or 'no_match').replace('_', ' ')})")
    for s in out.suggestions:
        say(f"{s.score:.2f}  {s.participant_id}  {s.contact_name} ({s.organisation})")
        for reason in [*s.reasons_for_me, *s.reasons_for_them]:
            say(f"      {reason}")


@app.command("run")
@handle_errors
def run_cmd(
    event_id: EventId,
    time_limit: TimeLimit = 30.0,
    seed: Seed = 1,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Schedule the event's accepted requests (organisers); prints the certificate.

    Locked meetings stay where they are and the others move as little as they can."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        with console.status("scheduling…"):
            run = planning.run_schedule(session, viewer, event_id, time_limit=time_limit, seed=seed)
        out = planning.run_out(run)
    print_json(out) if as_json else print_run(out)


@app.command("lock")
@handle_errors
def lock_cmd(
    meeting_id: Annotated[int, typer.Argument(help="Meeting id.")],
    unlock: Annotated[bool, typer.Option("--unlock", help="Take the lock away.")] = False,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Lock a meeting where it is (runs leave it there), or unlock it (organisers)."""
    with open_db(db).session() as session:
        out = planning.lock(session, cli_viewer(session, as_user), meeting_id, not unlock)
    if as_json:
        print_json(out)
        return
    state = "locked" if out.locked else "unlocked"
    say(f"meeting {out.id} {state} at {when(out.slot.starts_at)}, table {out.table_label}")


@app.command("agenda")
@handle_errors
def agenda_cmd(
    event_id: EventId,
    participant: ParticipantOption,
    ics: Annotated[
        Path | None, typer.Option(help="Write the meetings as an iCalendar file.")
    ] = None,
    text: Annotated[bool, typer.Option("--text", help="E-mail-ready text.")] = False,
    lang: Annotated[str, typer.Option(help="Language of --text: en or it.")] = "en",
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """A participant's agenda (theirs and the organisers' to read)."""
    if lang not in agenda.PHRASES:
        message = "lang is en or it"
        raise ValidationFailed(message, errors=[field_error("agenda", "lang", message)])
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = agenda.agenda(session, viewer, event_id, participant)
        event = events.get(session, viewer, event_id)
        calendar = agenda.ics(out, event) if ics else None
        email = agenda.email_text(out, event, lang) if text else None
    if ics is not None and calendar is not None:
        ics.write_bytes(calendar)
        console.print(f"wrote {plural(len(out.meetings), 'meeting')} to {ics}", markup=False)
    if as_json:
        print_json(out)
    elif email is not None:
        output.print(email, end="", highlight=False)
    elif ics is None:
        print_agenda(out)


@app.command("grid")
@handle_errors
def grid_cmd(
    event_id: EventId,
    by: Annotated[str, typer.Option(help="Rows are slots or tables: slot or table.")] = "slot",
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The room sheet (organisers): who sits at which table when."""
    if by not in ("slot", "table"):
        message = "by is slot or table"
        raise ValidationFailed(message, errors=[field_error("grid", "by", message)])
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        sheet = agenda.by_slot if by == "slot" else agenda.by_table
        out = sheet(session, viewer, event_id)
    print_json(out) if as_json else print_grid(out)
