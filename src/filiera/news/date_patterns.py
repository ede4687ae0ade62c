"""The regular expressions that find dates in news text, per language (see `dates`).

Each shape names how a date is written: "day" (a day and a month, maybe a range and a
year), "day_alone" ("il giorno 12"), "numeric" ("24/11/2025"), "iso" ("2025-11-24"),
"month" ("giugno 2025"), "season" ("estate del 2024"), "part" ("fine 2025"), "year"
("nel 2027", "bilancio 2026"), "count_or_year" ("in 2027", unless a counted noun follows),
"relative" ("oggi") and the shapes of `relative_date_patterns` ("weekday", "month_alone",
"period").
"""

from __future__ import annotations

import re
from functools import cache

from filiera.news.date_words import (
    ABBREVIATED_MONTHS,
    CASE_SENSITIVE_RELATIVE,
    COUNT_OR_YEAR_TRIGGERS,
    DAY_ALONE,
    DAY_MONTH_LINKS,
    DAY_SUFFIXES,
    MONTHS,
    RANGE_CONNECTORS,
    RELATIVE_DAYS,
    SEASON_LINKS,
    SEASONS,
    YEAR_LINKS,
    YEAR_NOUNS_AFTER,
    YEAR_NOUNS_BEFORE,
    YEAR_PARTS,
    YEAR_TRIGGERS,
)
from filiera.news.relative_date_patterns import (
    month_alone_pattern,
    period_pattern,
    phrase_alternation,
    weekday_pattern,
)

YEAR = r"(?:19\d\d|20\d\d|2100)(?!\d)"
DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_NOT_LETTER = r"(?![^\W\d_])"


@cache
def date_patterns(lang: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(shape, compiled pattern) for every way `lang` writes a date."""
    month = _month_pattern(lang)
    day = rf"{DAY}{DAY_SUFFIXES[lang]}(?!\d)"
    link = RANGE_CONNECTORS[lang]
    year_link = YEAR_LINKS[lang]
    day_month_link = DAY_MONTH_LINKS.get(lang, r"\s+")
    day_first = (
        rf"(?<![\w.,])(?P<day>{day})(?:{link}(?P<end_day>{day}))?{day_month_link}"
        rf"(?P<month>{month})(?:{link}(?P<end_day_after>{day}){day_month_link}"
        rf"(?P<end_month>{month}))?(?:{year_link}(?P<year>{YEAR}))?{_NOT_LETTER}"
    )
    month_first = (  # "June 24-26, 2025", "May 1 and 2" (not "May 1st and the 1st of May")
        rf"(?<![\w])(?P<month>{month})\s+(?P<day>{day})"
        rf"(?:(?:\s*[-–—/]\s*|\s+(?:to|and|through|until)\s+)(?P<end_day>{day}))?"
        rf"(?:,?\s+(?P<year>{YEAR}))?{_NOT_LETTER}"
    )
    shapes = [
        (
            "iso",
            r"(?<![\w.\-/])(?P<first>(?P<iso>\d{4}))-(?P<second>\d\d)-(?P<third>\d\d)(?![\w-])",
        ),
        (
            "numeric",
            r"(?<![\w.\-/])(?P<first>\d{1,2})(?P<sep>[./-])(?P<second>\d{1,2})(?P=sep)"
            r"(?P<third>\d{4})(?![\w]|[./-]\d)",
        ),
        ("day", day_first),
        ("month", rf"(?<![\w])(?P<month>{month}){year_link}(?P<year>{YEAR})"),
        (
            "season",
            rf"(?<![\w])(?P<season>{phrase_alternation(SEASONS[lang])}){SEASON_LINKS}(?P<year>{YEAR})",
        ),
        (
            "part",
            rf"(?<![\w])(?:{phrase_alternation(YEAR_PARTS[lang])}){SEASON_LINKS}(?P<year>{YEAR})",
        ),
        ("year", _year_after(YEAR_TRIGGERS[lang] + YEAR_NOUNS_BEFORE[lang])),
        ("year", _year_before(YEAR_NOUNS_AFTER[lang])),
        ("day_alone", _day_alone_pattern(lang, month)),
        ("count_or_year", _year_after(COUNT_OR_YEAR_TRIGGERS[lang])),
        ("relative", _relative_pattern(lang)),
        ("weekday", weekday_pattern(lang, month, DAY)),
        ("month_alone", month_alone_pattern(lang, month, DAY, rf"{year_link}{YEAR}")),
        ("period", period_pattern(lang)),
    ]
    if lang == "en":
        shapes.insert(3, ("day", month_first))
    flags = re.IGNORECASE
    return tuple((shape, re.compile(pattern, flags)) for shape, pattern in shapes)


def _month_pattern(lang: str) -> str:
    """Month spellings of `lang` (abbreviations with an optional dot); English months only
    with a capital ("May", not the verb "may")."""
    spellings = sorted(MONTHS[lang], key=len, reverse=True)
    alternatives = []
    for spelling in spellings:
        written = re.escape(spelling)
        if lang == "en":
            written = f"(?-i:{written}|{re.escape(spelling.upper())})"
        dot = r"\.?" if spelling in ABBREVIATED_MONTHS else ""
        alternatives.append(f"{written}{dot}")
    return "(?:" + "|".join(alternatives) + rf"){_NOT_LETTER}"


def _year_after(triggers: tuple[str, ...]) -> str:
    """A year after one of `triggers` ("nel 2027"); none when there are no triggers."""
    if not triggers:
        return r"(?!)"
    return rf"(?<![\w])(?:{phrase_alternation(triggers)})\s+(?P<year>{YEAR})(?![.,]\d)"


def _year_before(nouns: tuple[str, ...]) -> str:
    """A year before one of `nouns` ("the 2026 budget"); none when there are no nouns."""
    if not nouns:
        return r"(?!)"
    return rf"(?<![\w.,])(?P<year>{YEAR})\s+(?:{phrase_alternation(nouns)}){_NOT_LETTER}"


def _day_alone_pattern(lang: str, month: str) -> str:
    """A day of the month without its month ("il giorno 12"), not followed by one."""
    day = DAY_ALONE[lang].format(day=DAY)
    return rf"(?<![\w]){day}(?![\s.,]*(?:of\s+)?{month})(?!\s*\d)"


def _relative_pattern(lang: str) -> str:
    words = []
    for word in sorted(RELATIVE_DAYS[lang], key=len, reverse=True):
        written = re.escape(word).replace("'", "['’]")
        words.append(f"(?-i:{written})" if word in CASE_SENSITIVE_RELATIVE else written)
    return r"(?<![\w'’])(?P<relative>" + "|".join(words) + r")(?![\w'’])"
