"""Numbers as news text writes them, in Italian, English, French and German.

Digits: Italian, French and German write "1.234,5" or "1 234,5" (narrow no-break spaces
too), English "1,234.5". `read_number` follows the article's language only when a lone
separator is followed by exactly three digits ("1.200" is 1200 in Italian, 1.2 in English);
otherwise the separators say which is which, so "€6.5bn" in an Italian article is 6.5.
Words: cardinals up to twenty and the tens to fifty ("tre", "two", "quinze", "vierzehn")
and scale words ("miliardi", "bn", "Mrd.", "millions") with the factor they stand for.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache

DECIMAL_COMMA_LANGUAGES = frozenset({"it", "fr", "de"})
SPACES = " \u00a0\u202f\u2009"  # space, no-break space, narrow no-break space, thin space
_GROUP_SPACE = "[ \u00a0\u202f\u2009]"

# A number in digits, not glued to a word, a longer number, a time or a fraction.
NUMBER = (
    r"(?<![\w.,/:])(?<!\w-)"
    r"(?:\d{1,3}(?:" + _GROUP_SPACE + r"\d{3})+(?:[.,]\d+)?"  # 1 200 000 / 1 200,5
    r"|\d{1,3}(?:\.\d{3})+(?:,\d+)?"  # 1.200.000,5
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,200,000.5
    r"|\d{1,3}(?:['’]\d{3})+(?:[.,]\d+)?"  # 1'200'000 (Switzerland)
    r"|\d+(?:[.,]\d+)?)"
    r"(?![\d]|[.,]\d|[:/]\d)"
)

THOUSAND, MILLION, BILLION, TRILLION = 1e3, 1e6, 1e9, 1e12

# Scale word (lower case, without a final dot) -> factor, per language.
_SCALES_ANY: dict[str, float] = {"k": THOUSAND, "mio": MILLION, "mrd": BILLION, "mld": BILLION}
_SCALES: dict[str, dict[str, float]] = {
    "it": {"mila": THOUSAND, "milione": MILLION, "milioni": MILLION, "mln": MILLION}
    | {"miliardo": BILLION, "miliardi": BILLION, "mld": BILLION, "mrd": BILLION},
    "en": {"thousand": THOUSAND, "million": MILLION, "millions": MILLION, "mn": MILLION}
    | {"m": MILLION, "billion": BILLION, "billions": BILLION, "bn": BILLION, "bln": BILLION}
    | {"b": BILLION, "trillion": TRILLION, "trillions": TRILLION, "tn": TRILLION}
    | {"trn": TRILLION},
    "fr": {"mille": THOUSAND, "million": MILLION, "millions": MILLION, "m": MILLION}
    | {"milliard": BILLION, "milliards": BILLION, "md": BILLION, "mds": BILLION}
    | {"mrd": BILLION, "billion": TRILLION, "billions": TRILLION},
    "de": {"tausend": THOUSAND, "tsd": THOUSAND, "million": MILLION, "millionen": MILLION}
    | {"mio": MILLION, "mrd": BILLION, "milliarde": BILLION, "milliarden": BILLION}
    | {"mia": BILLION, "billion": TRILLION, "billionen": TRILLION},
}


def _counted_words(words: str, first: int = 13) -> dict[str, float]:
    """Space-separated cardinal words, from `first` up by one, then the tens from 30."""
    written = words.split()
    values = [*range(first, 21), 30, 40, 50]
    return dict(zip(written, map(float, values), strict=True))


# Cardinal words -> value; "un"/"a" only count before a scale word ("un miliardo").
_NUMBER_WORDS: dict[str, dict[str, float]] = {
    "it": {"un": 1, "uno": 1, "una": 1, "mezzo": 0.5, "due": 2, "tre": 3, "quattro": 4}
    | {"cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "undici": 11}
    | {"dodici": 12}
    | _counted_words(
        "tredici quattordici quindici sedici diciassette diciotto diciannove venti trenta "
        "quaranta cinquanta"
    ),
    "en": {"a": 1, "an": 1, "one": 1, "half a": 0.5, "two": 2, "three": 3, "four": 4}
    | {"five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11}
    | {"twelve": 12}
    | _counted_words(
        "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty"
    ),
    "fr": {"un": 1, "une": 1, "un demi": 0.5, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5}
    | {"six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12}
    | _counted_words(
        "treize quatorze quinze seize dix-sept dix-huit dix-neuf vingt trente quarante cinquante"
    ),
    "de": {"ein": 1, "eine": 1, "einen": 1, "einer": 1, "einem": 1, "eine halbe": 0.5}
    | {"zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8}
    | {"neun": 9, "zehn": 10, "elf": 11, "zwölf": 12}
    | _counted_words(
        "dreizehn vierzehn fünfzehn sechzehn siebzehn achtzehn neunzehn zwanzig dreißig "
        "vierzig fünfzig"
    ),
}
# Scale abbreviations written with a dot ("Mrd.", "Mio.", "mln."): the dot is part of them.
# English ones ("bn", "m") take none, so a dot after them ends the sentence.
SCALE_ABBREVIATIONS = frozenset({"mio", "mrd", "mld", "mln", "md", "mds", "tsd", "mia"})
SMALLEST_COUNT_WORD = 2  # "one company" is not worth reporting; "tre regioni" is


def rules_language(lang: str) -> str:
    """The language whose rules apply: `lang` when it has rules, else English."""
    return lang if lang in _SCALES else "en"


def read_number(token: str, lang: str) -> float:
    """The value of a number written in digits (a match of `NUMBER`)."""
    digits = token
    for separator in SPACES + "'’":
        digits = digits.replace(separator, "")
    decimal = _decimal_separator(digits, rules_language(lang))
    thousands = {",", "."} - {decimal}
    for separator in thousands:
        digits = digits.replace(separator, "")
    return float(digits.replace(",", "."))


def times(value: float, factor: float) -> float:
    """`value` * `factor` without binary rounding noise (1.1 million is 1100000.0)."""
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


def _decimal_separator(digits: str, lang: str) -> str | None:
    """Which of "," and "." is the decimal separator in `digits`, if either."""
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        return "." if digits.rfind(".") > digits.rfind(",") else ","
    if not dots and not commas:
        return None
    separator = "." if dots else ","
    if dots + commas > 1:
        return None  # "1.200.000": only thousands separators repeat
    whole, fraction = digits.split(separator)
    if len(fraction) != 3 or len(whole) > 3:
        return separator  # "6.5", "12345,678": cannot be a thousands group
    language_decimal = "," if lang in DECIMAL_COMMA_LANGUAGES else "."
    return separator if separator == language_decimal else None


def scale_factor(word: str, lang: str) -> float | None:
    """The factor a scale word stands for ("miliardi" -> 1e9, "Mio." -> 1e6), if it is one.

    The article's language first ("billion" is 1e12 in French and German), then English
    ("€6.5bn" in an Italian article), then abbreviations every language uses ("Mrd.").
    """
    key = word.lower().rstrip(".")
    for scales in (_SCALES[rules_language(lang)], _SCALES["en"], _SCALES_ANY):
        if key in scales:
            return scales[key]
    return None


def scale_words(lang: str, *, shortest: int = 1) -> list[str]:
    """Scale words `scale_factor` knows for `lang`, of `shortest` letters or more, longest
    first (for regular expressions)."""
    words = set(_SCALES[rules_language(lang)]) | set(_SCALES["en"]) | set(_SCALES_ANY)
    return sorted((w for w in words if len(w) >= shortest), key=lambda w: (-len(w), w))


def number_word_value(word: str, lang: str) -> float | None:
    """The value of a cardinal word ("tre" -> 3), if `word` is one."""
    return _NUMBER_WORDS[rules_language(lang)].get(" ".join(word.lower().split()))


def number_words(lang: str, *, smallest: float = 0) -> list[str]:
    """Cardinal words of `lang` with a value of at least `smallest`, longest first."""
    words = [w for w, v in _NUMBER_WORDS[rules_language(lang)].items() if v >= smallest]
    return sorted(words, key=lambda word: (-len(word), word))


def alternation(words: list[str]) -> str:
    """A regular-expression alternation of literal words (spaces match any space)."""
    escaped = (re.escape(word).replace(r"\ ", r"\s+") for word in words)
    return "(?:" + "|".join(escaped) + ")"


@cache
def number_pattern() -> re.Pattern[str]:
    """`NUMBER`, compiled."""
    return re.compile(NUMBER)
