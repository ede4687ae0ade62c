"""Texts that cannot match anything, and why: said clearly instead of an empty list.

A text is usable when it gives the engine at least one index term (`engine.query_terms`):
a word stem or a concept; numbers alone do not count. Otherwise the reason is one of
"empty" (no letter and no digit: blank or punctuation), "only_stop_words",
"only_numbers", or "other_script" (letters, but none of the Latin alphabet that English,
Italian, French and German use). `NothingToMatch` carries it: HTTP 422 naming the field,
and on web pages the sentence `errors.nothing_to_match_<reason>` in the page's language.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache

from filiera.errors import ValidationFailed, field_error
from filiera.match.engine import query_terms
from filiera.match.text import LANGUAGES, WORD, fold, stopwords

MESSAGES = {  # the error's sentence (the API's and the CLI's; pages use the locale files)
    "empty": "nothing to match: the text has no words; describe the need in a few words "
    "(English, Italian, French or German)",
    "only_stop_words": 'nothing to match: the text has only common words such as "the", '
    '"and", "of"; say what is needed: a product, a capability, a technology',
    "only_numbers": "nothing to match: the text has only numbers; add words saying what is "
    'needed, e.g. "155 mm artillery shells"',
    "other_script": "nothing to match: matching reads English, Italian, French and German "
    "written in the Latin alphabet, and this text is in another script",
}
SHORT = {  # the field's own message, shown beside the field's name
    "empty": "has no words",
    "only_stop_words": "has only stop words",
    "only_numbers": "has only numbers",
    "other_script": "is not in the Latin alphabet",
}


class NothingToMatch(ValidationFailed):
    """A text with no usable words: `reason` says why (422, never an empty list)."""

    code = "nothing_to_match"

    def __init__(self, reason: str, record: str = "match", field: str = "text") -> None:
        super().__init__(
            f"{record}: {MESSAGES[reason]}",
            errors=[field_error(record, field, SHORT[reason])],
            key=f"nothing_to_match_{reason}",
        )
        self.reason = reason


@lru_cache(maxsize=4096)
def is_latin(char: str) -> bool:
    """A letter of the Latin alphabet (accented and full-width ones too)."""
    return "LATIN" in unicodedata.name(char, "")


def latin_only(text: str) -> str:
    """`text` with the letters of other scripts blanked out (anyascii would otherwise
    spell `беспилотник` as the word `bespilotnik`)."""
    return "".join(c if not c.isalpha() or is_latin(c) else " " for c in text)


def has_content_word(text: str) -> bool:
    """A word of two letters or more that is a stop word in none of the four languages:
    `query_terms` keeps it as a word stem whatever the language, so the text is usable
    (the quick answer for long texts; the others go through `query_terms`)."""
    stop = all_stopwords()
    return any(
        len(word) > 1 and word.isalpha() and word not in stop
        for word in (m.group() for m in WORD.finditer(fold(text)))
    )


@cache
def all_stopwords() -> frozenset[str]:
    return frozenset().union(*(stopwords(lang) for lang in LANGUAGES))


def unusable_reason(text: str, lang: str | None = None) -> str | None:
    """Why `text` cannot match anything (a key of MESSAGES), or None when it can."""
    if not any(c.isalpha() for c in text):
        return "only_numbers" if any(c.isdigit() for c in text) else "empty"
    latin = text if text.isascii() else latin_only(text)
    if not any(c.isalpha() for c in latin):
        return "other_script"
    if has_content_word(latin):
        return None
    terms = query_terms(latin, lang)
    if terms.concepts or any(not term.split(":", 1)[1].isdigit() for term in terms.weights):
        return None
    if latin != text:
        return "other_script"  # the Latin part alone (stop words, numbers) says nothing
    return "only_numbers" if terms.weights else "only_stop_words"


def check_usable(text: str, lang: str | None = None, record: str = "match") -> None:
    """Raise NothingToMatch, naming `record` and the field `text`, when nothing can match."""
    reason = unusable_reason(text, lang)
    if reason is not None:
        raise NothingToMatch(reason, record)


require_usable = check_usable  # what MatchRequest's validation calls
