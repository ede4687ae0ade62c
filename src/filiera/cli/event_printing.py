"""What `filiera events` prints: the quality certificate, unscheduled requests, events,
runs, agendas and room grids, in plain lines and rich tables (`--json` prints the models)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rich.table import Table

from filiera.cli.common import output
from filiera.cli.formatting import count, plural
from filiera.events.schedule_schemas import AgendaOut, ScheduleRunOut, SlotGridOut
from filiera.events.schemas import EventOut

SHOWN_UNSCHEDULED = 20
PRIORITY_WORDS = {3: "must meet", 2: "would like", 1: "optional"}


def say(line: str) -> None:
    output.print(line, highlight=False)


def when(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def print_certificate(stats: dict[str, Any]) -> None:
    """Weight against the upper bound, then fairness and compactness, in plain lines."""
    weight, bound = stats["weight"], stats["upper_bound"]
    verdict = "proved optimal" if stats.get("optimal") else f"gap {100 * stats['gap']:.2f} %"
    say(
        f"weight {count(weight)} of upper bound {count(bound)}: "
        f"{stats['percent_of_bound']:.2f} % of bound ({verdict})"
    )
    say(
        f"meetings: {count(stats['meetings'])} of {plural(stats['requests'], 'request')}; "
        f"{count(stats['requests'] - stats['meetings'])} unscheduled"
    )
    say(
        f"participants without meetings: {count(stats['participants_without_meetings'])} "
        f"of {count(stats['participants'])}"
    )
    say(
        f"idle gaps: {plural(stats['idle_gaps'], 'slot')} "
        f"({stats['idle_gaps_per_participant']:.2f} per participant with meetings)"
    )
    if stats.get("kept") or stats.get("moved") or stats.get("dropped"):
        say(
            f"previous schedule: {count(stats['kept'])} kept, {count(stats['moved'])} moved, "
            f"{count(stats.get('dropped', 0))} dropped"
        )
    say(f"time: {stats['time_s']:.1f} s ({stats['method']})")


def print_unscheduled(rows: list[tuple[str, str, int, str]]) -> None:
    """The first requests left out, with why, and how many more there are."""
    if not rows:
        return
    table = Table("request", "who", "priority", "why not", title="unscheduled")
    for request, who, priority, reason in rows[:SHOWN_UNSCHEDULED]:
        table.add_row(request, who, PRIORITY_WORDS.get(priority, str(priority)), reason)
    output.print(table)
    if len(rows) > SHOWN_UNSCHEDULED:
        say(f"… and {count(len(rows) - SHOWN_UNSCHEDULED)} more unscheduled")


def print_event(event: EventOut) -> None:
    place = ", ".join(p for p in (event.venue, event.city, event.country) if p)
    say(f"event {event.id}: {event.name} ({event.status}, {event.visibility})")
    say(f"  {event.starts_on} – {event.ends_on}, {place or 'no venue yet'} ({event.timezone})")
    names = f" ({', '.join(event.table_names)})" if event.table_names else ""
    say(f"  organised by {event.owner}; {plural(event.tables, 'table')}{names}")
    if event.synthetic_note:
        say(f"  note: {event.synthetic_note}")
    table = Table("slot", "from", "to", "kind", "session", "tables", title="slots")
    for slot in event.slots:
        table.add_row(
            str(slot.id),
            when(slot.starts_at),
            slot.ends_at.strftime("%H:%M"),
            slot.kind,
            slot.session or "",
            str(slot.capacity),
        )
    output.print(table)


def print_run(run: ScheduleRunOut) -> None:
    say(f"run {run.id} of event {run.event_id} (seed {run.seed}, limit {run.time_limit:g} s)")
    print_certificate(run.stats)
    changes = ", ".join(f"{count(n)} {what}" for what, n in run.changes.items())
    say(f"meetings in the database: {changes}")
    print_unscheduled(
        [
            (str(u.request_id), " – ".join(m.name for m in u.members), u.priority, u.reason)
            for u in run.unscheduled
        ]
    )


def print_agenda(out: AgendaOut) -> None:
    person = out.participant
    say(f"agenda of {person.name} ({person.organisation}) at {out.event_name}")
    for item in out.items:
        span = f"{when(item.slot.starts_at)}–{item.slot.ends_at:%H:%M}"
        if item.meeting is None:
            say(f"{span}  {item.status}")
            continue
        who = ", ".join(f"{p.name} ({p.organisation})" for p in item.meeting.counterparts)
        say(f"{span}  table {item.meeting.table_label}  {who}")


def print_grid(grid: SlotGridOut) -> None:
    """Rows are slots (columns tables) or tables (columns slots); a dot marks a table not
    in use (a break, or a slot with fewer tables)."""
    if grid.by == "slot":
        heads = [t.label for t in grid.tables]
    else:
        heads = [f"{s.starts_at:%d/%m %H:%M}" for s in grid.slots]
    title = f"{grid.event_name}: {plural(grid.meetings, 'meeting')}"
    table = Table(grid.by, *heads, title=title)
    for row in grid.rows:
        cells = [
            " – ".join(m.name for m in cell.meeting.members)
            if cell.meeting
            else ""
            if cell.open
            else "·"
            for cell in row.cells
        ]
        table.add_row(row.label, *cells)
    output.print(table)
