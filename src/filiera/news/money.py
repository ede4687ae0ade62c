"""Amounts of money in news text: "1,2 miliardi di euro", "€6.5bn", "CHF 40 Mio.".

An amount is a number (digits, or a cardinal word before a scale word: "un miliardo"), an
optional scale word ("miliardi", "bn", "Mrd.", "millions", "M" in "M€") and a currency
written before it ("€", "US$", "EUR", "CHF") or after it ("euro", "dollars", "€",
"d'euros", "di dollari"). A number without a currency is not money.
"""

from __future__ import annotations

import re
from functools import cache

from filiera.news.found import Found
from filiera.news.numerals import (
    NUMBER,
    SCALE_ABBREVIATIONS,
    alternation,
    number_word_value,
    number_words,
    read_number,
    rules_language,
    scale_factor,
    scale_words,
    times,
)
from filiera.news.quantity_words import FUNCTION_WORDS

CURRENCY_CODES = frozenset(
    {"EUR", "USD", "GBP", "CHF", "JPY", "CNY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF"}
    | {"RON", "BGN", "CAD", "AUD", "INR", "KRW", "TRY", "UAH", "RUB"}
)
CURRENCY_SYMBOLS: dict[str, str] = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}
_PREFIX_SYMBOLS: dict[str, str] = {"US$": "USD", "US $": "USD", "SFr.": "CHF", "sFr.": "CHF"}
# Currency names after an amount -> ISO code (lower case; spaces match any space).
CURRENCY_WORDS: dict[str, str] = {
    "euro": "EUR", "euros": "EUR",
    "dollari": "USD", "dollaro": "USD", "dollars": "USD", "dollar": "USD",
    "us-dollar": "USD", "us dollars": "USD", "dollars américains": "USD",
    "sterline": "GBP", "pounds sterling": "GBP", "pound sterling": "GBP",
    "livres sterling": "GBP", "pfund sterling": "GBP", "britische pfund": "GBP",
    "franchi svizzeri": "CHF", "swiss francs": "CHF", "francs suisses": "CHF",
    "schweizer franken": "CHF", "franken": "CHF",
    "yen": "JPY", "zloty": "PLN", "złoty": "PLN", "zlotys": "PLN", "złotych": "PLN",
    "rubli": "RUB", "roubles": "RUB", "rubles": "RUB", "rubel": "RUB",
}  # fmt: skip
# Names that are also weights ("500 pounds"): money only after a scale word.
AFTER_SCALE_ONLY: dict[str, str] = {"pounds": "GBP", "sterling": "GBP"}
_CONNECTORS = r"(?:\s+(?:di|de|of)\s+|\s+d['’]\s?|[ \u00a0\u202f]?)"
_GAP = "[ \u00a0\u202f]?"
_NOT_LETTER = r"(?![^\W\d_])"
_OF = frozenset({"di", "de", "d'", "d’", "of", "von", "des"})  # "1,5 milioni di persone"
_ELLIPSIS_REACH = 300  # characters from an amount with a currency to one that leaves it out


def find_money(text: str, lang: str) -> list[Found]:
    """Amounts of money in `text` (kind "money", data {"amount": float, "currency": ISO})."""
    lang = rules_language(lang)
    candidates = [
        found
        for pattern in _patterns(lang)
        for match in pattern.finditer(text)
        if (found := _amount(match, lang)) is not None
    ]
    amounts = _without_overlaps(candidates)
    return _without_overlaps(amounts + _elliptic_amounts(text, lang, amounts))


def _elliptic_amounts(text: str, lang: str, amounts: list[Found]) -> list[Found]:
    """Millions and billions without a currency after an amount with one in the same
    paragraph ("ricavi per 13,4 miliardi di euro ... a 4,6 miliardi."): the same currency.
    Only when nothing is counted after them ("4,6 miliardi di visualizzazioni", "2 million
    people" are not money)."""
    elliptic = []
    for match in _bare_millions(lang).finditer(text):
        before = [a for a in amounts if a.end <= match.start()]
        if not before or _counts_something(text, match.end(), lang):
            continue
        between = text[before[-1].end : match.start()]
        if len(between) > _ELLIPSIS_REACH or "\n\n" in between:
            continue
        amount = times(read_number(match.group("number"), lang), _factor(match, lang))
        data = {"amount": amount, "currency": before[-1].data["currency"]}
        elliptic.append(Found("money", match.start(), match.end(), match.group(), data))
    return elliptic


def _factor(match: re.Match[str], lang: str) -> float:
    return scale_factor(match.group("scale"), lang) or 1.0


def _counts_something(text: str, position: int, lang: str) -> bool:
    """Whether what follows says what the number counts: "di persone", "d'habitants",
    "people" (a word, or "of" and a word); not ", in crescita" or "nel 2024"."""
    following = re.match(r"\s*(d['’]|[^\W\d_]+)", text[position : position + 40])
    if following is None:
        return False
    word = following.group(1).lower()
    return word in _OF or word not in FUNCTION_WORDS[lang]


def _amount(match: re.Match[str], lang: str) -> Found | None:
    parts = match.groupdict()
    if parts.get("number"):
        value = read_number(parts["number"], lang)
    else:
        value = number_word_value(parts["word"], lang)
    scale = parts.get("scale") or parts.get("scale_letter") or parts.get("scale_sign")
    factor = scale_factor(scale, lang) if scale else 1.0
    currency = _currency(parts.get("before") or parts.get("after") or "", has_scale=bool(scale))
    if value is None or factor is None or currency is None:
        return None
    return Found(
        kind="money",
        start=match.start(),
        end=match.end(),
        text=match.group(),
        data={"amount": times(value, factor), "currency": currency},
    )


def _currency(written: str, *, has_scale: bool) -> str | None:
    key = " ".join(written.split()).rstrip(".")
    if key in CURRENCY_CODES:
        return key
    symbols = CURRENCY_SYMBOLS | {k.rstrip("."): v for k, v in _PREFIX_SYMBOLS.items()}
    if key in symbols:
        return symbols[key]
    lowered = key.lower()
    if lowered in CURRENCY_WORDS:
        return CURRENCY_WORDS[lowered]
    return AFTER_SCALE_ONLY.get(lowered) if has_scale else None


@cache
def _patterns(lang: str) -> tuple[re.Pattern[str], ...]:
    """Currency before the number; currency after it; a cardinal word and a scale word."""
    scale = _scale_pattern(lang)
    before = alternation(sorted(_PREFIX_SYMBOLS, key=len, reverse=True) + list(CURRENCY_SYMBOLS))
    codes = r"(?-i:" + "|".join(sorted(CURRENCY_CODES)) + r")\b"
    after_words = alternation(sorted(CURRENCY_WORDS | AFTER_SCALE_ONLY, key=len, reverse=True))
    after = rf"(?:{after_words}{_NOT_LETTER}|{codes}|[€$£¥])"
    long_scale = _scale_pattern(lang, shortest=2)
    words = alternation(number_words(lang))
    return tuple(
        re.compile(pattern, re.IGNORECASE)
        for pattern in (
            rf"(?P<before>{before}|{codes}){_GAP}(?P<number>{NUMBER})(?:{scale})?",
            rf"(?P<number>{NUMBER})(?:{scale}{_CONNECTORS}|{_GAP})(?P<after>{after})",
            rf"(?<![\w])(?P<word>{words}){long_scale}{_CONNECTORS}(?P<after>{after})",
        )
    )


@cache
def _bare_millions(lang: str) -> re.Pattern[str]:
    """A number and a scale word of a million or more, not inside a longer amount."""
    words = [w for w in scale_words(lang, shortest=2) if (scale_factor(w, lang) or 0) >= 1e6]
    abbreviations = [word for word in words if word in SCALE_ABBREVIATIONS]
    full_words = [word for word in words if word not in SCALE_ABBREVIATIONS]
    scale = rf"(?:{alternation(abbreviations)}\.?|{alternation(full_words)}){_NOT_LETTER}"
    return re.compile(rf"(?P<number>{NUMBER})(?:{_GAP}|-)(?P<scale>{scale})", re.IGNORECASE)


def _scale_pattern(lang: str, *, shortest: int = 1) -> str:
    """A scale word after a number: words and abbreviations may follow a space ("6,5 Mrd."),
    single letters must touch the number ("£200m") or precede a currency sign ("500 M€")."""
    words = scale_words(lang, shortest=max(shortest, 2))
    abbreviations = [word for word in words if word in SCALE_ABBREVIATIONS]
    full_words = [word for word in words if word not in SCALE_ABBREVIATIONS]
    word = rf"(?:{alternation(abbreviations)}\.?|{alternation(full_words)}){_NOT_LETTER}"
    if shortest > 1:
        return rf"\s+(?P<scale>{word})"
    spelled = rf"(?:{_GAP}|-)(?P<scale>{word})"  # "6,5 Mrd.", "$1.2-billion"
    letters = alternation([w for w in scale_words(lang) if len(w) == 1])
    return (
        rf"(?:{spelled}|(?P<scale_letter>{letters}){_NOT_LETTER}"
        rf"|{_GAP}(?P<scale_sign>{letters})(?=[€$£]))"
    )


def _without_overlaps(candidates: list[Found]) -> list[Found]:
    """Of overlapping candidates the leftmost (then the longest), in text order."""
    kept: list[Found] = []
    for found in sorted(candidates, key=lambda f: (f.start, -f.end)):
        if not kept or found.start >= kept[-1].end:  # kept spans are disjoint and ordered
            kept.append(found)
    return kept
