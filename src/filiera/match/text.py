"""Text to terms: accent folding, tokens, stop words, Snowball stems, language detection."""

from __future__ import annotations

import re
import threading
from functools import cache
from pathlib import Path

import Stemmer
from anyascii import anyascii

from filiera import yamlfile
from filiera.registry.fields import CONTENT_LANGUAGES

LANGUAGES = CONTENT_LANGUAGES
SNOWBALL = {"en": "english", "it": "italian", "fr": "french", "de": "german"}
DATA = Path(__file__).parent / "data"
WORD = re.compile(r"[a-z]+|[0-9]+")
_local = threading.local()


def fold(text: str) -> str:
    """Lower-case ASCII: `Défense aérienne` -> `defense aerienne`, `Flugabwehr` stays."""
    return anyascii(text).lower()


def words(text: str) -> list[str]:
    """Letters and digit runs of the folded text: `155mm shells` -> 155, mm, shells."""
    return WORD.findall(fold(text))


@cache
def stopwords(lang: str) -> frozenset[str]:
    data = yamlfile.base_load((DATA / "stopwords.yaml").read_text(encoding="utf-8"))
    return frozenset(fold(w) for w in data[lang])


def _stemmer(lang: str) -> Stemmer.Stemmer:
    """One Snowball stemmer per thread and language (stemmers are not thread-safe)."""
    cache_ = getattr(_local, "stemmers", None)
    if cache_ is None:
        cache_ = _local.stemmers = {}
    if lang not in cache_:
        cache_[lang] = Stemmer.Stemmer(SNOWBALL[lang])
    return cache_[lang]


def stems(text: str, lang: str) -> list[str]:
    """Stemmed content words of `text` in `lang` (stop words and 1-letter words dropped)."""
    stop = stopwords(lang)
    kept = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    return _stemmer(lang).stemWords(kept)


def stem_words(tokens: list[str], lang: str) -> list[str]:
    return _stemmer(lang).stemWords(tokens)


@cache
def _detector():
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError:  # optional: fall back to stop-word counting
        return None
    languages = [Language.ENGLISH, Language.ITALIAN, Language.FRENCH, Language.GERMAN]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return builder.with_preloaded_language_models().build()  # lazy loading: 250 ms a call


LINGUA = {"ENGLISH": "en", "ITALIAN": "it", "FRENCH": "fr", "GERMAN": "de"}


def detect_language(text: str, default: str = "en") -> str:
    """en, it, fr or de: lingua when installed, else the language with most stop words."""
    tokens = words(text)
    if not tokens:
        return default
    detector = _detector()
    if detector is not None and len(tokens) >= 2:
        found = detector.detect_language_of(text)
        if found is not None:
            return LINGUA[found.name]
    counts = {lang: sum(t in stopwords(lang) for t in tokens) for lang in LANGUAGES}
    best = max(counts, key=lambda lang: (counts[lang], lang == default))
    return best if counts[best] else default
