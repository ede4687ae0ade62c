"""Dates in news text (it, en, fr, de): found with patterns, read with `dateparser`.

Patterns find the candidates: a day and a month with or without a year ("24 novembre",
"November 24, 2025", "24. November 2025", "le 1er décembre"), day ranges ("dal 24 al 26
giugno": the first day, with data["end"]), numeric dates ("24/11/2025", "2025-11-24"), a
month and a year ("giugno 2025"), a season or part of a year ("estate del 2024", "end of
2025": the year, precision "year", data["season"] for seasons), a year after a preposition
("nel 2027", "by 2035", "ab 2027", "d'ici 2035") or next to a budget noun ("bilancio 2026",
"the 2026 budget"), a day alone in the month of the date before it in its sentence ("dal 24
al 26 giugno, preceduti il giorno 12") and, given a reference date, dates named relative to
it: "oggi" / "today" / "heute" / "aujourd'hui" (and yesterday, tomorrow), weekdays ("on
Tuesday", "am Montag", "mardi dernier"), a month alone ("in March", "a giugno", "im Juni",
precision "month") and "last year", "l'an dernier", "im vergangenen Jahr", "last month"
(`relative_dates`). The span of a year after a preposition or beside a noun is the year
alone, that of a month alone the month (with its direction words).

`dateparser.parse` reads each full candidate (cached: articles repeat their dates). A day
and month without a year is the closest one on or before the reference date (articles
report the recent past), or the next one when it points to the future (`date_tense`); so
are weekdays and months alone. Without a reference the first full date in the text
(usually the dateline) stands in for it, and failing that today's date; relative dates are
then not reported.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

import dateparser

from filiera.news.date_patterns import date_patterns
from filiera.news.date_tense import tense_direction
from filiera.news.date_words import MONTH_NUMBERS, MONTHS, SEASONS
from filiera.news.found import Found
from filiera.news.numerals import rules_language
from filiera.news.relative_date_patterns import RELATIVE_SHAPES, plausible
from filiera.news.relative_date_words import DIRECTIONS_AFTER, DIRECTIONS_BEFORE, WEEKDAYS
from filiera.news.relative_dates import (
    month_date,
    normalised_phrase,
    period_data,
    relative_year,
    weekday_date,
)
from filiera.news.units import counted_unit_after

_SENTENCE_END = re.compile(r"[.!?]\s|\n")


@dataclass(frozen=True)
class _Candidate:
    """A date as the text writes it: its span, its shape ("day", "day_alone", "numeric",
    "iso", "month", "season", "part", "year", "count_or_year", "relative", "weekday",
    "month_alone", "period") and the parts the pattern read."""

    start: int
    end: int
    shape: str
    parts: dict[str, str]


def find_dates(text: str, lang: str, reference: datetime.date | None = None) -> list[Found]:
    """Dates in `text` (kind "date", data {"date": ISO, "precision": "day"|"month"|"year"})."""
    lang = rules_language(lang)
    candidates = _candidates(text, lang)
    base = reference or _first_full_date(candidates, lang) or datetime.date.today()
    found: list[Found] = []
    for candidate in candidates:
        if candidate.shape in RELATIVE_SHAPES and reference is None:
            continue
        if candidate.shape == "day_alone":
            data = _day_in_month_before(candidate, text, found)
        else:
            data = _normalise(candidate, text, lang, base)
        if data is not None:
            span = text[candidate.start : candidate.end]
            found.append(Found("date", candidate.start, candidate.end, span, data))
    return found


def date_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """Where `text` writes dates (without reading them): quantities leave these alone."""
    return [(c.start, c.end) for c in _candidates(text, rules_language(lang))]


def _candidates(text: str, lang: str) -> list[_Candidate]:
    found = [
        _Candidate(*_span(match, shape), shape, _parts(match))
        for shape, pattern in date_patterns(lang)
        for match in _overlapping_matches(pattern, text)
        if _kept(shape, match, text, lang)
    ]
    kept: list[_Candidate] = []
    for candidate in sorted(found, key=lambda c: (c.start, -c.end)):  # leftmost, longest
        if not kept or candidate.start >= kept[-1].end:  # kept spans are disjoint and ordered
            kept.append(candidate)
    return kept


def _kept(shape: str, match: re.Match[str], text: str, lang: str) -> bool:
    """A "2000" before a counted noun is a count; relative dates must be plausible."""
    if shape == "count_or_year":
        return not counted_unit_after(text, match.end("year"), lang)
    return plausible(shape, match, text, lang)


def _overlapping_matches(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match, also those starting inside an earlier one ("May 1st and the 1st of May":
    the second date starts inside a would-be range), for the leftmost-longest choice."""
    matches, position = [], 0
    while (match := pattern.search(text, position)) is not None:
        matches.append(match)
        position = match.start() + 1
    return matches


def _span(match: re.Match[str], shape: str) -> tuple[int, int]:
    """A year after a preposition or beside a noun is the year alone, a month alone its
    "span" group; other shapes are the whole match."""
    if shape in ("year", "count_or_year"):
        return match.span("year")
    return match.span("span") if shape == "month_alone" else match.span()


def _parts(match: re.Match[str]) -> dict[str, str]:
    return {name: value for name, value in match.groupdict().items() if value is not None}


def _normalise(
    candidate: _Candidate, text: str, lang: str, base: datetime.date
) -> dict[str, str] | None:
    """The candidate's date data, or None when it is no real date ("31 febbraio")."""
    parts = candidate.parts
    if candidate.shape in ("year", "count_or_year", "season", "part"):
        data = {"date": parts["year"], "precision": "year"}
        if "season" in parts:
            data["season"] = SEASONS[lang][parts["season"].lower()]
        return data
    if candidate.shape == "month":
        month = _parse(f"{_month(parts['month'], lang)} {parts['year']}", lang, base, "past")
        return {"date": month.isoformat()[:7], "precision": "month"} if month else None
    if candidate.shape == "relative":
        day = _parse(parts["relative"].lower(), lang, base, "past")
        return {"date": day.isoformat(), "precision": "day"} if day else None
    if candidate.shape in ("weekday", "month_alone", "period"):
        return _relative(candidate, text, lang, base)
    if candidate.shape in ("numeric", "iso"):
        day = _numeric_day(parts, lang, base)
        return {"date": day.isoformat(), "precision": "day"} if day else None
    return _day_and_month(candidate, text, lang, base)


def _relative(
    candidate: _Candidate, text: str, lang: str, base: datetime.date
) -> dict[str, str] | None:
    """A weekday, a month alone or a period, read against the reference date `base`."""
    parts = candidate.parts
    if candidate.shape == "period":
        return period_data(base, parts["period"], lang)
    direction, explicit = _direction(candidate, text, lang)
    if candidate.shape == "weekday":
        weekday = WEEKDAYS[lang][parts["weekday"].lower()]
        day = weekday_date(base, weekday, direction, explicit=explicit)
        return {"date": day.isoformat(), "precision": "day"}
    month = MONTH_NUMBERS[lang][_month(parts["month"], lang)]
    if "relative_year" in parts:
        year = relative_year(base, parts["relative_year"], lang)
        return {"date": f"{year:04d}-{month:02d}", "precision": "month"} if year else None
    return {"date": month_date(base, month, direction), "precision": "month"}


def _direction(candidate: _Candidate, text: str, lang: str) -> tuple[str, bool]:
    """Where a weekday or month alone points, and whether a word says so ("last",
    "prochain") rather than the tense."""
    parts = candidate.parts
    if "before" in parts:
        return DIRECTIONS_BEFORE[lang][normalised_phrase(parts["before"])], True
    if "after" in parts:
        return DIRECTIONS_AFTER[lang][normalised_phrase(parts["after"])], True
    return tense_direction(text, candidate.start, candidate.end, lang), False


def _day_and_month(
    candidate: _Candidate, text: str, lang: str, base: datetime.date
) -> dict[str, str] | None:
    """A day and month, maybe a range, maybe with a year (which then belongs to the last
    day: "30 dicembre al 2 gennaio 2026" starts in 2025)."""
    parts = candidate.parts
    year = parts.get("year")
    prefer = "past" if year else tense_direction(text, candidate.start, candidate.end, lang)
    start = _parse(_day_month(parts["day"], parts["month"], lang, year), lang, base, prefer)
    end_day = parts.get("end_day") or parts.get("end_day_after")
    if start is None:
        return None
    if not end_day:
        return {"date": start.isoformat(), "precision": "day"}
    end_month = parts.get("end_month") or parts["month"]
    end = _parse(_day_month(end_day, end_month, lang, year or str(start.year)), lang, base, prefer)
    if end is not None and end < start:
        if year:
            start = _shift_year(start, -1)
        else:
            end = _shift_year(end, 1)
    data = {"date": start.isoformat(), "precision": "day"}
    if end is not None and start < end:
        data["end"] = end.isoformat()
    return data


def _day_month(day: str, month: str, lang: str, year: str | None) -> str:
    """A day, month and year as dateparser reads them ("24", "sett." -> "24 settembre")."""
    written = f"{_day(day)} {_month(month, lang)}"
    return f"{written} {year}" if year else written


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    """The same day `years` later (29 February stays put: it has no twin)."""
    return day.replace(year=day.year + years) if (day.month, day.day) != (2, 29) else day


def _day_in_month_before(
    candidate: _Candidate, text: str, found: list[Found]
) -> dict[str, str] | None:
    """A day alone ("il giorno 12") in the month of the last day-precise date before it in
    the same sentence; none without one."""
    for anchor in reversed(found):
        if _SENTENCE_END.search(text, anchor.end, candidate.start):
            return None
        if anchor.data["precision"] == "day":
            month = datetime.date.fromisoformat(anchor.data.get("end") or anchor.data["date"])
            try:
                day = month.replace(day=int(_day(candidate.parts["day"])))
            except ValueError:
                return None
            return {"date": day.isoformat(), "precision": "day"}
    return None


def _numeric_day(parts: dict[str, str], lang: str, base: datetime.date) -> datetime.date | None:
    """A numeric date, day first ("24/11/2025"); month first in English when the day
    cannot be first ("11/24/2025")."""
    written = f"{parts['first']}-{parts['second']}-{parts['third']}"
    if "iso" in parts:
        return _parse(written, lang, base, "past", "YMD")
    first, second = int(parts["first"]), int(parts["second"])
    order = "MDY" if lang == "en" and first <= 12 < second else "DMY"
    return _parse(written, lang, base, "past", order)


def _first_full_date(candidates: list[_Candidate], lang: str) -> datetime.date | None:
    """The first date in the text written with day, month and year: the dateline."""
    today = datetime.date.today()
    for candidate in candidates:
        if candidate.shape in ("numeric", "iso"):
            day = _numeric_day(candidate.parts, lang, today)
        elif candidate.shape == "day" and "year" in candidate.parts:
            parts = candidate.parts
            written = _day_month(parts["day"], parts["month"], lang, parts["year"])
            day = _parse(written, lang, today, "past")
        else:
            continue
        if day is not None:
            return day
    return None


def _day(written: str) -> str:
    return re.match(r"\d+", written).group()


def _month(written: str, lang: str) -> str:
    """The full month name dateparser reads ("sett." -> "settembre")."""
    key = written.rstrip(".")
    months = MONTHS[lang]
    if key in months:
        return months[key]
    lowered = {spelling.lower(): name for spelling, name in months.items()}
    return lowered.get(key.lower(), key)


@lru_cache(maxsize=4096)
def _parse(
    written: str,
    lang: str,
    base: datetime.date,
    prefer: str,
    order: str | None = None,
) -> datetime.date | None:
    settings = {
        "PREFER_DATES_FROM": prefer,
        "RELATIVE_BASE": datetime.datetime.combine(base, datetime.time()),
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    if order:
        settings["DATE_ORDER"] = order
    parsed = dateparser.parse(written, languages=[lang], settings=settings)
    return parsed.date() if parsed else None
