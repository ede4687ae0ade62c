"""Counted things in news text: "oltre 80 aziende", "25.000 addetti", "rund 200.000
Artilleriegeschosse", "5 %", "tre regioni".

A quantity is a number in digits (or a cardinal word from two to fifty before a lexicon
noun), an optional scale word ("25 mila addetti", "1,5 million people"), up to two
modifiers ("3 nuove linee di produzione", "12 Eurofighter jets", "Vierzehn Raumfahrt- und
Verteidigungsunternehmen": two modifiers joined by "and" are one) and a counted noun of the
lexicon, with its English unit (`units.UNITS`). A noun outside the lexicon is not counted:
its unit could only be the foreign word as written ("12 000 douilles"). A qualifier before
the number ("oltre", "about", "plus de", "rund", "fino a") goes into data["qualifier"] and
the span.

Not quantities: money amounts (`money.find_money`), dates and years used as dates
(`dates.date_spans`), numbers glued to letters ("3D", "G7", "155mm"), ranges ("10-15"),
phone numbers, list numbering ("1. ", "2) "), references ("art. 5", "Nr. 3"), numbers in
names: right after a capitalised word inside a sentence ("Leonardo 2", "Mission 2044"; not
in German, where every noun is capitalised). Vague counts ("decine", "dozens", "Dutzende",
"dizaines", "migliaia", "thousands") are skipped: no number can stand for them without
inventing one.
"""

from __future__ import annotations

import re
from functools import cache

from filiera.news.count_filters import after_a_name, not_a_count
from filiera.news.dates import date_spans
from filiera.news.found import Found
from filiera.news.money import find_money
from filiera.news.numerals import (
    SMALLEST_COUNT_WORD,
    alternation,
    number_pattern,
    number_word_value,
    number_words,
    read_number,
    rules_language,
    scale_factor,
    scale_words,
    times,
)
from filiera.news.quantity_words import (
    COORDINATORS,
    FUNCTION_WORDS,
    QUALIFIER_ARTICLES,
    QUALIFIERS,
)
from filiera.news.units import DIGITS_ONLY, MAX_ADJECTIVES, unit_of_words, words_after

_QUALIFIER_REACH = 40  # characters looked at before a number for its qualifier
_SIGNED_UNITS = frozenset({"percent", "percentage points"})  # "-3%" is a fall of 3 percent


def find_quantities(text: str, lang: str) -> list[Found]:
    """Counted things in `text` (kind "quantity", data {"value", "unit", "qualifier"})."""
    lang = rules_language(lang)
    taken = bytearray(len(text))  # 1 where money, a date or a quantity already is
    for start, end in [(f.start, f.end) for f in find_money(text, lang)] + date_spans(text, lang):
        taken[start:end] = b"\x01" * (end - start)
    found: list[Found] = []
    for start, end, value, in_digits in _numbers(text, lang):
        if any(taken[start:end]) or (in_digits and not_a_count(text, start, end)):
            continue
        quantity = _quantity(text, start, end, value, in_digits, lang)
        if quantity is not None and not any(taken[quantity.start : quantity.end]):
            found.append(quantity)
            taken[quantity.start : quantity.end] = b"\x01" * (quantity.end - quantity.start)
    return found


def _numbers(text: str, lang: str) -> list[tuple[int, int, float, bool]]:
    """(start, end, value, in digits) of every number in digits or small cardinal word."""
    numbers = [
        (m.start(), m.end(), read_number(m.group(), lang), True)
        for m in number_pattern().finditer(text)
    ]
    for match in _number_word_pattern(lang).finditer(text):
        value = number_word_value(match.group(), lang)
        if value is not None:
            numbers.append((match.start(), match.end(), float(value), False))
    return sorted(numbers)


def _quantity(
    text: str, start: int, end: int, value: float, in_digits: bool, lang: str
) -> Found | None:
    reading = _counted(text, end, value, in_digits, lang)
    if reading is None:
        return None
    unit, value, unit_end = reading
    # German capitalises nouns and puts subjects first ("beschäftigt Rheinmetall 500
    # Mitarbeiter"): there a capitalised word before a count makes it no name's.
    if in_digits and lang != "de" and after_a_name(text, start):
        return None
    if unit in _SIGNED_UNITS and _minus_before(text, start):
        value, start = -value, start - 1
    qualifier, span_start = _qualifier(text, start)
    return Found(
        kind="quantity",
        start=span_start,
        end=unit_end,
        text=text[span_start:unit_end],
        data={"value": value, "unit": unit, "qualifier": qualifier},
    )


def _counted(
    text: str, end: int, value: float, in_digits: bool, lang: str
) -> tuple[str, float, int] | None:
    """(unit, value, end of the noun) for the words after a number, if they name a lexicon
    noun it counts."""
    scaled = _scale_after(text, end, lang)
    if scaled is not None:
        factor, end = scaled
        value = times(value, factor)
    words = words_after(text, end, MAX_ADJECTIVES + 3)
    lexicon = _lexicon_unit(words, lang, in_digits)
    if lexicon is None:
        return None
    unit, unit_end = lexicon
    return unit, value, unit_end


def _lexicon_unit(
    words: list[tuple[str, int, int]], lang: str, in_digits: bool
) -> tuple[str, int] | None:
    """The lexicon unit after at most `MAX_ADJECTIVES` modifiers, and where it ends; "and"
    between two modifiers joins them into one ("aerospace and defence companies")."""
    position, modifiers = 0, 0
    while position < len(words):
        rest = [word for word, _, _ in words[position:]]
        named = unit_of_words(rest, lang)
        if named is not None:
            unit, size = named
            if not in_digits and rest[0].lower() in DIGITS_ONLY:
                return None
            return unit, words[position + size - 1][2]
        if modifiers == MAX_ADJECTIVES or not _is_adjective(rest[0], lang):
            return None
        modifiers += 1
        position += 1
        if position < len(words) - 1 and words[position][0].lower() in COORDINATORS[lang]:
            position += 1
    return None


def _is_adjective(word: str, lang: str) -> bool:
    """A word that may stand between a number and its noun: an adjective ("nuove",
    "skilled", "neue"), a name used as one ("12 Eurofighter jets") or the first part of a
    German compound cut before "und" ("Raumfahrt-")."""
    lowered = word.lower()
    return (
        word != "%"
        and len(word) > 2
        and lowered not in FUNCTION_WORDS[lang]
        and number_word_value(lowered, lang) is None
        and scale_factor(lowered, lang) is None
        and unit_of_words([word], lang) is None
    )


def _scale_after(text: str, end: int, lang: str) -> tuple[float, int] | None:
    """(factor, end) of a scale word and its "di"/"of"/"de" after a number: "25 mila"."""
    match = _scale_pattern(lang).match(text, end)
    if match is None:
        return None
    return scale_factor(match.group("scale"), lang), match.end()


def _qualifier(text: str, start: int) -> tuple[str | None, int]:
    """The qualifier right before a number and where it starts (else None, `start`)."""
    window_start = max(0, start - _QUALIFIER_REACH)
    match = _qualifier_pattern().search(text, window_start, start)
    if match is None:
        return None, start
    for qualifier, name in _QUALIFIER_GROUPS.items():
        if match.group(name):
            return qualifier, match.start()
    return None, start


def _minus_before(text: str, start: int) -> bool:
    """A minus sign glued to the number and not to a word before it: "-3%", "(−0,5%)"."""
    if start == 0 or text[start - 1] not in "-−":
        return False
    return start == 1 or not text[start - 2].isalnum()


@cache
def _number_word_pattern(lang: str) -> re.Pattern[str]:
    words = alternation(number_words(lang, smallest=SMALLEST_COUNT_WORD))
    return re.compile(rf"(?<![\w'’-]){words}(?![\w'’-])", re.IGNORECASE)


@cache
def _scale_pattern(lang: str) -> re.Pattern[str]:
    words = alternation(scale_words(lang, shortest=3))
    return re.compile(
        rf"[ \u00a0\u202f]+(?P<scale>{words})\.?(?![^\W\d_])(?:\s+(?:di|of|de)(?=\s)|\s+d['’])?",
        re.IGNORECASE,
    )


_QUALIFIER_GROUPS = {qualifier: f"q{index}" for index, qualifier in enumerate(QUALIFIERS)}


@cache
def _qualifier_pattern() -> re.Pattern[str]:
    groups = "|".join(
        f"(?P<{_QUALIFIER_GROUPS[qualifier]}>{_phrases(phrases)})"
        for qualifier, phrases in QUALIFIERS.items()
    )
    articles = "|".join(QUALIFIER_ARTICLES)
    return re.compile(
        rf"(?<![\w])(?:{groups})(?:\s+(?:{articles}))?(?:\s+|(?<=['’])|\s*l['’])$",
        re.IGNORECASE,
    )


def _phrases(phrases: tuple[str, ...]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in ordered)
