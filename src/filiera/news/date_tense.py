"""Which way a date without a year points: the past (articles report what happened) or the
future, when its sentence speaks of the future ("prossimo", "will", "aura lieu", "nächste",
a future tense) and no verb in a past tense stands right before the date ("said on
Tuesday it will build" points back).
"""

from __future__ import annotations

import re
from functools import cache

from filiera.news.date_words import FUTURE_CUES, PAST_CUES
from filiera.news.relative_date_words import FUTURE, PAST

_SENTENCE_END = re.compile(r"[.!?]\s|\n")
_SENTENCE_REACH = 300  # characters searched either side for a sentence's ends
_WORDS_BETWEEN = r"(?:\s+[\w'’-]+){0,2}\s*$"  # "said on", "ha firmato il contratto"


def tense_direction(text: str, start: int, end: int, lang: str) -> str:
    """PAST or FUTURE for the date at `start`..`end` of `text`."""
    sentence_start, sentence_end = sentence_bounds(text, start, end)
    sentence = text[sentence_start:sentence_end]
    if _future_pattern(lang).search(sentence) is None:
        return PAST
    before = text[sentence_start:start]
    return PAST if _past_cue_pattern(lang).search(before) else FUTURE


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the sentence around `start`..`end` (within a few hundred characters)."""
    reach = max(0, start - _SENTENCE_REACH)
    ends_before = [m.end() for m in _SENTENCE_END.finditer(text, reach, start)]
    after = _SENTENCE_END.search(text, end, end + _SENTENCE_REACH)
    return (
        ends_before[-1] if ends_before else reach,
        after.start() if after else min(len(text), end + _SENTENCE_REACH),
    )


@cache
def _future_pattern(lang: str) -> re.Pattern[str]:
    return re.compile(FUTURE_CUES[lang], re.IGNORECASE)


@cache
def _past_cue_pattern(lang: str) -> re.Pattern[str]:
    return re.compile(f"(?:{PAST_CUES[lang]}){_WORDS_BETWEEN}", re.IGNORECASE)
