"""The regular expressions of dates named relative to the publication date (see `dates`).

Shapes: "weekday" ("on Tuesday", "am Montag", "mardi dernier", "lunedì scorso"; not a
weekday that opens a full date: "Venerdì 28 Novembre 2025"), "month_alone" ("in March",
"a fine giugno", "im Juni", "en mars dernier", "March last year"; a month needs a word
before or after it that makes it a date) and "period" ("last year", "l'an dernier", "lo
scorso anno", "im vergangenen Jahr", "last month"). `plausible` drops the matches that are
habits or names ("every Monday", "Black Friday", "over the last year", "vers Mars").
"""

from __future__ import annotations

import re

from filiera.news.relative_date_words import (
    DIRECTIONS_AFTER,
    DIRECTIONS_BEFORE,
    MONTH_TRIGGERS,
    NOT_A_PERIOD_AFTER,
    NOT_A_WEEKDAY_AFTER,
    NOT_A_WEEKDAY_BEFORE,
    PERIOD_ARTICLES,
    PERIODS,
    RELATIVE_YEAR_LINKS,
    WEEKDAY_PARTS,
    WEEKDAYS,
)

RELATIVE_SHAPES = frozenset({"relative", "weekday", "month_alone", "period"})
_NOT_LETTER = r"(?![^\W\d_])"
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_OPENERS = '.!?:;"“”«»(–—-•*'
_CAPITALISED_ONLY_AT_SENTENCE_START = frozenset({"it", "fr"})  # "Domenica" may be a name


def weekday_pattern(lang: str, month: str, day: str) -> str:
    """A weekday with its direction words, not followed by a day of the month."""
    names = phrase_alternation(WEEKDAYS[lang])
    if lang == "en":
        names = f"(?-i:{_capitalised(WEEKDAYS[lang])})"
    parts = phrase_alternation(WEEKDAY_PARTS[lang]) if lang in WEEKDAY_PARTS else "(?!)"
    then_a_day = rf"[,\s]*(?:(?:the|le|il|den|der)\s+)?{day}(?!\d)(?![.,]\d)"
    then_a_month = rf",?\s+{month}" if lang == "en" else "(?!)"
    return (
        rf"(?<![\w'’-]){_optional_before(lang)}(?P<weekday>{names})(?:{parts})?"
        rf"{_optional_after(lang)}{_NOT_LETTER}(?!{then_a_day})(?!{then_a_month})"
    )


def month_alone_pattern(lang: str, month: str, day: str, year_after: str) -> str:
    """A month without a year or a day: after a trigger word ("in", "a fine"), with a
    direction ("last March", "mars dernier") or a relative year ("March last year")."""
    trigger = rf"(?:{phrase_alternation(MONTH_TRIGGERS[lang])})(?:\s+|-)"
    years = phrase_alternation([p for p, (unit, _) in PERIODS[lang].items() if unit == "year"])
    relative_year = rf"(?:,?\s+{RELATIVE_YEAR_LINKS[lang]}(?P<relative_year>{years}))?"
    return (
        rf"(?<![\w'’-])(?P<trigger>{trigger}(?:{trigger})?)?"
        rf"(?P<span>{_optional_before(lang)}(?P<month>{month}){_optional_after(lang)}"
        rf"{relative_year}){_NOT_LETTER}(?!{year_after})(?!\s+{day}(?:st|nd|rd|th|er)?\.?"
        r"(?![\d.,]))"
    )


def period_pattern(lang: str) -> str:
    """A year or month named by its distance from the publication's ("last year")."""
    phrases = phrase_alternation(PERIODS[lang])
    return rf"(?<![\w]){PERIOD_ARTICLES[lang]}(?P<period>{phrases}){_NOT_LETTER}(?!-l)"


def plausible(shape: str, match: re.Match[str], text: str, lang: str) -> bool:
    """Whether a relative-date match is a date rather than a habit, a name or a span."""
    if shape == "weekday":
        return _plausible_weekday(match, text, lang)
    if shape == "month_alone":
        parts = match.groupdict()
        anchored = any(parts.get(g) for g in ("trigger", "before", "after", "relative_year"))
        french_planet = lang == "fr" and not match.group("month").islower()  # "vers Mars"
        return anchored and not french_planet
    if shape == "period":
        return _word_before(text, match.start()) not in NOT_A_PERIOD_AFTER[lang]
    return True


def phrase_alternation(phrases: dict[str, object] | tuple[str, ...] | list[str]) -> str:
    """An alternation of lexicon phrases, longest first (spaces match any space,
    apostrophes either kind)."""
    ordered = sorted(phrases, key=len, reverse=True)
    escaped = (re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in ordered)
    return "(?:" + "|".join(escaped) + ")"


def _plausible_weekday(match: re.Match[str], text: str, lang: str) -> bool:
    if _word_before(text, match.start()) in NOT_A_WEEKDAY_AFTER[lang]:
        return False
    if _word_after(text, match.end()) in NOT_A_WEEKDAY_BEFORE[lang]:
        return False
    weekday = match.group("weekday")
    if lang in _CAPITALISED_ONLY_AT_SENTENCE_START and not weekday.islower():
        return _opens_sentence(text, match.start("weekday"))
    return True


def _optional_before(lang: str) -> str:
    if not DIRECTIONS_BEFORE[lang]:
        return ""
    return rf"(?:(?P<before>{phrase_alternation(DIRECTIONS_BEFORE[lang])})\s+)?"


def _optional_after(lang: str) -> str:
    if not DIRECTIONS_AFTER[lang]:
        return ""
    return rf"(?:\s+(?P<after>{phrase_alternation(DIRECTIONS_AFTER[lang])}){_NOT_LETTER})?"


def _capitalised(words: dict[str, int]) -> str:
    """English weekdays as written: "Tuesday" or "TUESDAY", never "tuesday"."""
    spellings = [s for word in words for s in (word.capitalize(), word.upper())]
    return "|".join(sorted(spellings, key=len, reverse=True))


def _word_before(text: str, position: int) -> str:
    words = _WORD.findall(text, max(0, position - 30), position)
    before = text[max(0, position - 30) : position]
    if not words or not before.rstrip().endswith(words[-1]):
        return ""
    return words[-1].lower()


def _word_after(text: str, position: int) -> str:
    match = re.match(r"[\s'’]*([^\W\d_]+)", text[position : position + 30])
    return match.group(1).lower() if match else ""


def _opens_sentence(text: str, position: int) -> bool:
    before = text[max(0, position - 20) : position].rstrip()
    return not before or before[-1] in _SENTENCE_OPENERS or "\n" in text[position - 2 : position]
