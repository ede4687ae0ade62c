"""Places named in news text (it, en, fr, de): countries, regions and cities.

Only capitalised spans count, the longest known spelling wins, and each span is returned
once. Articles stay outside the span ("il Lussemburgo", "l'Allemagne" -> the country name);
German genitives are read ("Deutschlands", "Berlins"). A place whose name is also a first
name or an ordinary word, and every small place (NUTS level 3, EDF cities), needs context:
not first in a sentence (unless it opens a dateline, "Varese, 5 novembre"), not next to
another capitalised name ("Gaetano Martino"), and, when its name is an ordinary word, after
a locative preposition ("à Tours", "in Essen"; never "Nice to meet").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from filiera.news.demonyms import country_of_demonym
from filiera.news.found import Found
from filiera.news.place_data import curated, key_of
from filiera.news.place_index import Spelling, longest, spellings
from filiera.news.words import Word, words

__all__ = ["country_of_demonym", "find_places"]

# Between two words of one name: a space, a hyphen, an apostrophe or an abbreviation's dot.
_JOINER = re.compile(r"[ \t]?[-‐'’.]?[ \t]?")
# Before the first word of a sentence, once quotes, bullets and brackets are skipped.
_OPENERS = " \t\"'«»“”‘’([*#•·-–—"
_SENTENCE_ENDS = ".!?…:;\n"
# After a dateline's place: ", 5 novembre", " (ANSA)", " – ".
_DATELINE = re.compile(r"\s*(,\s*(\w+\.?\s+){0,2}\d|\(\w|[–—-]\s)")


@dataclass(frozen=True)
class _Match:
    first: int  # index of its first word
    last: int  # index of its last word
    spelling: Spelling


def find_places(text: str, lang: str) -> list[Found]:
    """The places named in `text`, in order: kind "place", data {"name" (English),
    "country" (ISO alpha-2 | None), "region" (NUTS code | None)}."""
    tokens = words(text)
    lower_case = {w.key for w in tokens if w.text[:1].islower()}
    found: list[Found] = []
    index = 0
    while index < len(tokens):
        match = _match_at(text, tokens, index, lang, lower_case)
        if match is None:
            index += 1
            continue
        start, end = tokens[match.first].start, tokens[match.last].end
        place = match.spelling.place
        data = {"name": place.name, "country": place.country, "region": place.region}
        found.append(Found("place", start, end, text[start:end], data))
        index = match.last + 1
    return found


def _match_at(
    text: str, tokens: list[Word], first: int, lang: str, lower_case: set[str]
) -> _Match | None:
    """The longest acceptable place starting at word `first`."""
    if not tokens[first].text[:1].isupper():
        return None
    for last in range(min(len(tokens), first + longest()) - 1, first - 1, -1):
        if not _joined(text, tokens, first, last):
            continue
        spelling = _spelling(tokens, first, last, lang)
        match = _Match(first, last, spelling) if spelling else None
        if match and _acceptable(text, tokens, match, lang, lower_case):
            return match
    return None


def _joined(text: str, tokens: list[Word], first: int, last: int) -> bool:
    return all(
        _JOINER.fullmatch(text[tokens[i].end : tokens[i + 1].start]) for i in range(first, last)
    )


def _spelling(tokens: list[Word], first: int, last: int, lang: str) -> Spelling | None:
    """The place these words spell, reading a German genitive ("Deutschlands") too."""
    key = " ".join(w.key for w in tokens[first : last + 1])
    spelling = spellings().get(key)
    if spelling is None and lang == "de" and key.endswith("s"):
        genitive = spellings().get(key[:-1])
        if genitive and genitive.strong and not genitive.acronym:
            return genitive
    return spelling


def _acceptable(
    text: str, tokens: list[Word], match: _Match, lang: str, lower_case: set[str]
) -> bool:
    spelling, words_ = match.spelling, tokens[match.first : match.last + 1]
    if spelling.acronym:
        return all(w.text.isupper() for w in words_)
    if spelling.strong and not spelling.ambiguous:
        return True
    if _opens_sentence(text, words_[0].start) and not _dateline(text, words_[-1].end):
        return False
    if _beside_a_name(text, tokens, match):
        return False
    if spelling.strong:
        return True
    return _small_place_in_context(tokens, match, lower_case)


def _small_place_in_context(tokens: list[Word], match: _Match, lower_case: set[str]) -> bool:
    """A weak place: not written in lower case elsewhere in the text (then it is a word
    there), and after a locative preposition if its name is an ordinary word."""
    key = " ".join(w.key for w in tokens[match.first : match.last + 1])
    if key in lower_case:
        return False
    if match.spelling.word_in:
        return match.first > 0 and tokens[match.first - 1].key in _word_list("locatives")
    return True


def _opens_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(_OPENERS.replace("\n", ""))
    return not before or before[-1] in _SENTENCE_ENDS or before.endswith("\n")


def _dateline(text: str, end: int) -> bool:
    return bool(_DATELINE.match(text, end))


def _beside_a_name(text: str, tokens: list[Word], match: _Match) -> bool:
    """A capitalised word (not an article or a preposition) right before or after, in the
    same run of words: the place is part of a person's or an organisation's name."""
    neighbours = []
    if match.first > 0:
        neighbours.append((match.first - 1, match.first))
    if match.last + 1 < len(tokens):
        neighbours.append((match.last + 1, match.last))
    for other, mine in neighbours:
        word = tokens[other]
        gap = text[min(tokens[mine].end, word.end) : max(tokens[mine].start, word.start)]
        if gap in (" ", "-") and word.text[:1].isupper() and word.key not in _function_words():
            return True
    return False


@cache
def _word_list(name: str) -> frozenset[str]:
    """A word list of `data/places.yaml`, as keys."""
    return frozenset(key_of(word) for word in curated()[name])


@cache
def _function_words() -> frozenset[str]:
    """Capitalised words that do not make a place part of a longer name ("La Toscana")."""
    return _word_list("locatives") | _word_list("function_words")
