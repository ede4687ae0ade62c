"""Reading dates named relative to a reference (publication) date.

A weekday is the most recent such day on or before the reference, or the next one on or
after it when the date points to the future; "last Tuesday" / "next Tuesday" skip the
reference day itself. A month without a year is the most recent such month (the
reference's own month included), or the next one when the date points to the future. "Last
year", "this month", "l'an prochain": the reference's year or month moved by the offset.
"""

from __future__ import annotations

import datetime

from filiera.news.relative_date_words import FUTURE, PAST, PERIODS

DAYS_IN_WEEK = 7
MONTHS_IN_YEAR = 12


def weekday_date(
    reference: datetime.date, weekday: int, direction: str, *, explicit: bool = False
) -> datetime.date:
    """The `weekday` (Monday 0) nearest the reference in `direction` (PAST or FUTURE); an
    `explicit` direction ("last", "prochain") never lands on the reference day."""
    if direction == FUTURE:
        days = (weekday - reference.weekday()) % DAYS_IN_WEEK
    else:
        days = -((reference.weekday() - weekday) % DAYS_IN_WEEK)
    if explicit and days == 0:
        days = DAYS_IN_WEEK if direction == FUTURE else -DAYS_IN_WEEK
    return reference + datetime.timedelta(days=days)


def month_date(reference: datetime.date, month: int, direction: str) -> str:
    """The `month` (1-12) nearest the reference's in `direction`, as "yyyy-mm"."""
    year = reference.year
    if direction == PAST and month > reference.month:
        year -= 1
    elif direction == FUTURE and month < reference.month:
        year += 1
    return f"{year:04d}-{month:02d}"


def period_data(reference: datetime.date, phrase: str, lang: str) -> dict[str, str] | None:
    """Date data for a year or month named by its distance ("lo scorso anno" -> the year
    before the reference's, precision "year"); None for a phrase that is not one."""
    unit_and_offset = PERIODS[lang].get(normalised_phrase(phrase))
    if unit_and_offset is None:
        return None
    unit, offset = unit_and_offset
    if unit == "year":
        return {"date": f"{reference.year + offset:04d}", "precision": "year"}
    months = reference.year * MONTHS_IN_YEAR + reference.month - 1 + offset
    year, month = divmod(months, MONTHS_IN_YEAR)
    return {"date": f"{year:04d}-{month + 1:02d}", "precision": "month"}


def relative_year(reference: datetime.date, phrase: str, lang: str) -> int | None:
    """The year a relative year phrase names ("last year" -> the reference's year - 1)."""
    data = period_data(reference, phrase, lang)
    if data is None or data["precision"] != "year":
        return None
    return int(data["date"])


def normalised_phrase(written: str) -> str:
    """A phrase as the lexicons write it: lower case, single spaces, straight apostrophes."""
    return " ".join(written.lower().replace("’", "'").split())
