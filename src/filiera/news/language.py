"""The language of a news text: lingua, restricted to the languages European defence news
comes in, so a short Italian paragraph is not mistaken for Catalan or Latin."""

from __future__ import annotations

import re
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

LANGUAGES = (
    Language.ITALIAN,
    Language.ENGLISH,
    Language.FRENCH,
    Language.GERMAN,
    Language.SPANISH,
    Language.DUTCH,
    Language.PORTUGUESE,
    Language.POLISH,
)
UNKNOWN = "und"
MIN_WORDS = 3  # "NATO", "Berlin" or a date say nothing about the language
MIN_RELATIVE_DISTANCE = 0.1  # lingua answers None when the top two are closer than this
MAX_CHARS = 5000  # the opening of a long text is enough and keeps detection fast

_WORD = re.compile(r"[^\W\d_]{2,}")


@cache
def _detector() -> LanguageDetector:
    return (
        LanguageDetectorBuilder.from_languages(*LANGUAGES)
        .with_minimum_relative_distance(MIN_RELATIVE_DISTANCE)
        .build()
    )


def detect_language(text: str) -> str:
    """ISO 639-1 code of `text` ("it", "en", ...), or "und" when it is too short to tell."""
    sample = text[:MAX_CHARS]
    if len(_WORD.findall(sample)) < MIN_WORDS:
        return UNKNOWN
    language = _detector().detect_language_of(sample)
    return language.iso_code_639_1.name.lower() if language else UNKNOWN
