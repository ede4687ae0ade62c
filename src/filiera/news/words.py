"""Word tokens of a text with offsets, normalised the way organisation names are."""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyascii import anyascii

from filiera.registry.names import CONNECTORS

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str
    key: str  # ASCII, case-folded; "" for connectors ("e", "and", "und", "et")

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper() or self.text[:1].isdigit()


def words(text: str) -> list[Word]:
    """The words of `text`; apostrophes, hyphens and slashes separate words."""
    found = []
    for match in _WORD.finditer(text):
        key = re.sub(r"[^a-z0-9]", "", anyascii(match.group()).casefold())
        found.append(Word(match.start(), match.end(), match.group(), key))
    return found


def name_key_words(words_: list[Word]) -> list[Word]:
    """The words that count in a name key: connectors dropped, as in `normalise_name`."""
    return [w for w in words_ if w.key and w.key not in CONNECTORS]
