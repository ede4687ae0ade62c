"""Publication dates written in a text dump of a news page.

Three shapes are read, the first one in the text wins:
- a dateline opening a line: "Bruxelles, 6 novembre 2025 – Il segretario ...",
  "Varese, 5 novembre 2025", "Paris, le 5 novembre 2025 :", "BERLIN (dpa), 5. November 2025:";
- a line that is only a date, with a weekday or not: "Venerdì 28 Novembre 2025";
- a labelled date line: "Pubblicato il 5 novembre 2025", "Ultima modifica: 28/11/2025",
  "Published: November 5, 2025", "Publié le 3 mars 2025 à 10h15" (a time may follow).
Month and weekday names are left to dateparser, in the text's language.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

import dateparser

from filiera.news.language import UNKNOWN

PARSE_LANGUAGES = ("it", "en", "fr", "de", "es", "nl", "pt", "pl")
FIRST_YEAR = 1990
SETTINGS = {"DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day", "month", "year"]}
# Words that introduce a date without a colon ("Pubblicato il 5 novembre 2025").
DATE_LABELS = (
    r"pubblicato(?:\s+il)?|aggiornato(?:\s+(?:il|al))?|data",
    r"published(?:\s+on)?|posted(?:\s+on)?|updated(?:\s+on)?|date",
    r"publi[ée](?:e)?(?:\s+le)?|mis\s+à\s+jour(?:\s+le)?|date",
    r"veröffentlicht(?:\s+am)?|aktualisiert(?:\s+am)?|stand|datum",
    r"publicado(?:\s+el|\s+em)?|actualizado(?:\s+el)?|gepubliceerd(?:\s+op)?",
)

_WORD = r"[^\W\d_]{3,12}\.?"
_DAY = r"\d{1,2}(?:\.|º|°|er|st|nd|rd|th)?"
_DATE = (
    rf"(?:{_WORD},?\s+)?"  # weekday
    rf"(?:{_DAY}\s+(?:de\s+)?{_WORD},?\s+(?:de\s+)?\d{{4}}"  # 5 novembre 2025, 5 de mayo de 2025
    rf"|{_WORD}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # November 5, 2025
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{2}-\d{2})"  # 05.11.2025, 2025-11-05
)
# An optional time after the date: "à 10h15", "um 9:30 Uhr", "alle ore 12.00", "10:15 CET".
_TIME = (
    r"(?:\s*[,|–-]?\s*(?:à|at|um|alle|ore|alle\s+ore|h)?\s*\d{1,2}[:h.]\d{2}"
    r"(?:\s*(?:uhr|h|am|pm|[A-Za-z]{3,4}))?)?"
)
_PLACE = (
    r"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:\s+(?:[a-zà-ÿ'’]{1,4}\s+)?[A-ZÀ-ÖØ-Þ][\w'’.-]*){0,3}"
    r"(?:\s*\([^()]{1,20}\))?"  # BERLIN (dpa)
)
_DATELINE = re.compile(
    rf"^\s*{_PLACE}\s*,\s*(?:(?:le|il|el|am|den|op)\s+)?(?P<date>{_DATE})\s*(?:[–—:|,-]|$)"
)
_BARE_DATE = re.compile(rf"^\s*(?P<date>{_DATE}){_TIME}\s*[.,]?\s*$")
_LABELLED_DATE = re.compile(
    rf"^\s*(?:(?:[^\W\d_]+\s+){{0,3}}[^\W\d_]+\s*:|{'|'.join(DATE_LABELS)})\s*"
    rf"(?P<date>{_DATE}){_TIME}\s*[.,]?\s*$",
    re.IGNORECASE,
)


def find_published(lines: Iterable[str], lang: str) -> datetime.date | None:
    """The date of the first dateline or date line among `lines`, or None."""
    for line in lines:
        written = date_in_line(line)
        if written:
            parsed = parse_date(written, lang)
            if parsed:
                return parsed
    return None


def date_in_line(line: str) -> str | None:
    """The date as written when `line` is a dateline or a (labelled) date line."""
    for pattern in (_DATELINE, _BARE_DATE, _LABELLED_DATE):
        match = pattern.match(line)
        if match:
            return match.group("date")
    return None


def is_date_line(line: str) -> bool:
    """Whether the whole line is a date ("Venerdì 28 Novembre 2025")."""
    return bool(_BARE_DATE.match(line) or _LABELLED_DATE.match(line))


def parse_date(written: str, lang: str) -> datetime.date | None:
    """A written date read in `lang` (all news languages when it fails or is unknown)."""
    for languages in _attempts(lang):
        moment = dateparser.parse(written, languages=list(languages), settings=dict(SETTINGS))
        if moment and FIRST_YEAR <= moment.year <= datetime.date.today().year + 1:
            return moment.date()
    return None


def _attempts(lang: str) -> tuple[tuple[str, ...], ...]:
    if lang in PARSE_LANGUAGES and lang != UNKNOWN:
        return ((lang,), PARSE_LANGUAGES)
    return (PARSE_LANGUAGES,)
