"""B2B events said in the page's language: form fields read into the services' input,
errors with the field named, the scheduler's reasons and its quality certificate in words.

The services validate and decide; this module only translates form fields in and
outcomes out (a field's error in English is the service's; in Italian, the field's hint).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.requests import Request

from filiera.errors import FilieraError
from filiera.events import agenda
from filiera.events.schedule_schemas import AgendaItem, ScheduleRunOut, UnscheduledOut
from filiera.events.schemas import ParticipantOut
from filiera.web.i18n import strings, translator
from filiera.web.messages import detail_text, error_text, field_label
from filiera.web.pages import _lang
from filiera.web.render import number, render

EVENT_FIELDS = (
    "owner_id",
    "name",
    "description",
    "venue",
    "city",
    "country",
    "timezone",
    "days",
    "day_start",
    "day_end",
    "slot_minutes",
    "breaks",
    "tables",
    "table_names",
    "auto_accept",
    "max_requests",
    "status",
    "visibility",
)
PARTICIPANT_FIELDS = (
    "organisation_id",
    "contact_name",
    "job_title",
    "email",
    "profile",
    "looking_for",
    "offering",
    "arrives_at",
    "leaves_at",
    "blocked_slots",
    "auto_accept",
)
REQUEST_FIELDS = ("from_participant", "to_participant", "priority", "message")
CHECKBOXES = {"auto_accept"}
LISTS = {"blocked_slots"}  # posted as several values
NEW_EVENT = {
    "timezone": "Europe/Rome",
    "day_start": "09:00",
    "day_end": "17:00",
    "slot_minutes": "30",
    "breaks": "12:30-14:00 Lunch",
    "tables": "10",
    "status": "open",
    "visibility": "public",
}
BREAK_LINE = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*[-–]\s*(\d{1,2}[:.]\d{2})\s*(.*)$")
PRIORITIES = (3, 2, 1)


# --- forms in -------------------------------------------------------------------------------


def posted(form: FormData, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields as the user typed them, to fill the form again."""
    values: dict[str, Any] = {}
    for name in names:
        if name in LISTS:
            values[name] = [str(v) for v in form.getlist(name)]
        elif name in CHECKBOXES:
            values[name] = bool(form.get(name))
        else:
            values[name] = str(form.get(name, "")).strip()
    return values


def _blank(value: Any) -> bool:
    return value in ("", None, [])


def event_input(values: dict[str, Any]) -> dict[str, Any]:
    """The new-event form as an EventIn: days and breaks read from their text, one table
    name a line, blank fields left out (their defaults)."""
    data = {k: v for k, v in values.items() if not _blank(v) and k not in CHECKBOXES}
    data["auto_accept"] = bool(values.get("auto_accept"))
    if "days" in data:
        data["days"] = data["days"].replace(",", " ").split()
    if "breaks" in data:
        data["breaks"] = [_break(line) for line in data["breaks"].splitlines() if line.strip()]
    if "table_names" in data:
        data["table_names"] = [n.strip() for n in data["table_names"].splitlines() if n.strip()]
    if "country" in data:
        data["country"] = data["country"].upper()
    return data


def _break(line: str) -> dict[str, str]:
    """`12:30-14:00 Lunch` -> start, end, label; anything else is refused by the schema."""
    found = BREAK_LINE.match(line)
    if not found:
        return {"start": line.strip(), "end": ""}
    start, end, label = found.groups()
    out = {"start": start.replace(".", ":").zfill(5), "end": end.replace(".", ":").zfill(5)}
    if label.strip():
        out["label"] = label.strip()
    return out


def participant_input(values: dict[str, Any]) -> dict[str, Any]:
    """The registration form as a ParticipantIn: blank fields left out."""
    data = {k: v for k, v in values.items() if not _blank(v) and k not in CHECKBOXES}
    data["auto_accept"] = bool(values.get("auto_accept"))
    return data


def request_input(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not _blank(v)}


# --- errors out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ErrorLine:
    field: str  # the form's field, or "" when the error names none
    label: str
    text: str


def field_of(detail: dict[str, Any]) -> str:
    """`breaks[0].end`, `breaks.0.end` -> `breaks`."""
    return str(detail.get("field", "")).split(".")[0].split("[")[0]


def names_a_field(error: FilieraError, fields: tuple[str, ...]) -> bool:
    return any(field_of(detail) in fields for detail in error.errors)


def error_lines(
    error: FilieraError, lang: str, fields: tuple[str, ...]
) -> tuple[str, list[ErrorLine]]:
    """The headline and one line per field error, in `lang`, each naming its field in
    words. A keyed error's headline says it all (its lines only name the fields); else a
    line says the service's message in English and the field's hint in Italian."""
    table, t = strings(lang), translator(lang)
    if error.key:
        named = dict.fromkeys(f for f in map(field_of, error.errors) if f in fields)
        return error_text(error, lang), [ErrorLine(f, field_label(f, lang), "") for f in named]
    lines = []
    for detail in error.errors:
        field = field_of(detail)
        field = field if field in fields else ""
        if lang == "en":
            text = str(detail.get("message") or error.message)
        elif field and f"events.invalid.{field}" in table:
            text = t(f"events.invalid.{field}")
        else:
            text = detail_text(detail, lang)
        lines.append(ErrorLine(field, field_label(field, lang) if field else "", text))
    headline = f"errors.code.{error.code}"
    return (t(headline) if headline in table else error_text(error, lang)), lines


def invalid_fields(lines: list[ErrorLine]) -> dict[str, str]:
    """field -> its first error, to mark the field on the form."""
    marked: dict[str, str] = {}
    for line in lines:
        if line.field:
            marked.setdefault(line.field, line.text)
    return marked


# --- the schedule in words ------------------------------------------------------------------


def reason_text(item: UnscheduledOut, lang: str) -> str:
    """Why a request was left out, from its `key` and `params`, in `lang`."""
    t, params = translator(lang), item.params
    if item.key == "no_free_slot":
        return t("events.reasons.no_free_slot", member=params.get("member", ""))
    if item.key == "no_common_slot":
        names = t("events.and").join(str(n) for n in params.get("members", []))
        return t("events.reasons.no_common_slot", members=names)
    if item.key == "crowded_out":
        busy = "; ".join(
            t("events.reasons.busy_in", name=name, count=count)
            for name, count in (params.get("busy") or {}).items()
        )
        return t(
            "events.reasons.crowded_out",
            count=params.get("shared", 0),
            busy=busy,
            full=params.get("full", 0),
        )
    return item.reason if lang == "en" else t("events.reasons.other")


def certificate(run: ScheduleRunOut, lang: str) -> dict[str, Any]:
    """The run's quality certificate as figures and sentences in `lang`."""
    t, stats = translator(lang), run.stats
    weight, bound = stats.get("weight", 0), stats.get("upper_bound", 0)
    optimal = bool(stats.get("optimal")) or (bound > 0 and weight >= bound)
    percent = number(stats.get("percent_of_bound", 100.0), lang, 1)
    previous = sum(stats.get(k, 0) for k in ("kept", "moved", "dropped"))
    return {
        "optimal": optimal,
        "summary": t(
            "events.certificate.optimal" if optimal else "events.certificate.near",
            weight=number(weight, lang),
            bound=number(bound, lang),
            percent=percent,
        ),
        "figures": [
            ("weight", number(weight, lang)),
            ("upper_bound", number(bound, lang)),
            ("percent_of_bound", f"{percent} %"),
            ("meetings", f"{stats.get('meetings', 0)} / {stats.get('requests', 0)}"),
            ("without_meetings", number(stats.get("participants_without_meetings", 0), lang)),
            ("idle_gaps", number(stats.get("idle_gaps_per_participant", 0.0), lang, 2)),
            ("locked", number(stats.get("locked", 0), lang)),
            ("time", f"{number(stats.get('time_s', 0.0), lang, 1)} s"),
        ],
        "second_run": previous > 0,
        "kept": stats.get("kept", 0),
        "moved": stats.get("moved", 0),
        "dropped": stats.get("dropped", 0),
        "by_priority": {  # "must meet" -> must_meet
            name.replace(" ", "_"): count
            for name, count in (stats.get("weight_by_priority") or {}).items()
        },
        "warnings": list(stats.get("warnings") or []),
    }


# --- the directory --------------------------------------------------------------------------


def filtered(
    listed: list[ParticipantOut], q: str = "", kind: str = "", country: str = ""
) -> list[ParticipantOut]:
    """The active participants shown, narrowed by a text, a kind and a country (the
    service already left out what the viewer may not list)."""
    words = q.casefold().split()
    out = []
    for p in listed:
        if p.status != "registered" or (kind and p.kind != kind):
            continue
        if country and (p.country or "") != country.upper():
            continue
        text = " ".join(
            str(v or "")
            for v in (
                p.organisation,
                p.contact_name,
                p.job_title,
                p.profile,
                p.looking_for,
                p.offering,
            )
        ).casefold()
        if all(w in text for w in words):
            out.append(p)
    return out


# --- dates and times ------------------------------------------------------------------------


def day_heading(day: dt.date, lang: str) -> str:
    """Thursday 3 December 2026 / giovedì 3 dicembre 2026."""
    return f"{agenda.WEEKDAYS[lang][day.weekday()]} {agenda.long_date(day, lang)}"


def by_day(items: list[AgendaItem]) -> list[tuple[dt.date, list[AgendaItem]]]:
    """An agenda's items grouped by day, in order."""
    days: dict[dt.date, list[AgendaItem]] = {}
    for item in items:
        days.setdefault(item.slot.starts_at.date(), []).append(item)
    return list(days.items())


def helpers(lang: str, multi_day: bool) -> dict[str, Any]:
    """What the event templates call to say dates and times in `lang`."""

    def slot_label(slot: Any) -> str:
        span = f"{slot.starts_at:%H:%M}–{slot.ends_at:%H:%M}"
        if not multi_day:
            return span
        return f"{slot.starts_at.day} {agenda.MONTHS[lang][slot.starts_at.month - 1][:3]} {span}"

    return {
        "long_date": lambda day: agenda.long_date(day, lang),
        "day_heading": lambda day: day_heading(day, lang),
        "hhmm": lambda at: f"{at:%H:%M}",
        "slot_label": slot_label,
        "by_day": by_day,
        "multi_day": multi_day,
    }


def page(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    """Render an event page with the date helpers of its language."""
    event = context.get("event")
    multi_day = bool(event is not None and event.starts_on != event.ends_on)
    values = {**helpers(_lang(request), multi_day), **context}
    return render(request, template, values, status=status)
