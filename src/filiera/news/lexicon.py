"""The word lists of the news extractors, from `data/lexicon.yaml`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from filiera import yamlfile

LEXICON_FILE = Path(__file__).parent / "data" / "lexicon.yaml"


@cache
def _lexicon() -> dict:
    return yamlfile.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))


def words_of(name: str) -> frozenset[str]:
    """A list of the lexicon as a set of lower-case words."""
    return frozenset(_lexicon()[name])


def kinds_of(name: str) -> dict[str, str]:
    """A word -> kind table of the lexicon ("head_nouns", "name_heads")."""
    return {word: kind for kind, listed in _lexicon()[name].items() for word in listed}
