"""Event triggers in a news sentence (it, en, fr, de): the words saying that something
happened or will happen (a launch, a partnership, a grant, a capacity expansion, a contract,
an investment round, a meeting).

The lexicon is data (`data/triggers.yaml`: patterns per type and language, the context some
types require, the phrases that cancel a trigger, negations, appeals and the cues of a plan).
A negation just before a trigger cancels it ("non ha firmato"), so does an appeal ("le
aziende sono chiamate a potenziare", "companies must expand"); a plan keeps its type with
modality "planned" ("intends to sign"), anything else is "reported". Where two triggers
overlap, the longer wins; a sentence may hold several, of one type or more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from filiera import yamlfile
from filiera.news.found import LANGUAGES, Found

TRIGGERS_FILE = Path(__file__).parent / "data" / "triggers.yaml"
EVENT_TYPES = (
    "association_launch",
    "partnership",
    "funding_award",
    "capacity_expansion",
    "contract",
    "investment_round",
    "forum_meeting",
)
GAP = r"(?:\W+\w+){0,8}?\W+"  # " … " in a pattern: up to eight words in between
NEGATION_WINDOW = 3  # words before a trigger that a negation may stand in
APPEAL_WINDOW = 6  # words before a trigger that an appeal may stand in
PLAN_WINDOW = (8, 4)  # words before and after a trigger where a plan is told
CONTEXT_WINDOW = (8, 8)  # words around a trigger where a required word must stand


@dataclass(frozen=True)
class _Rule:
    """The patterns of one event type in one language."""

    type: str
    triggers: tuple[re.Pattern[str], ...]
    requires: tuple[re.Pattern[str], ...]
    cancels: tuple[re.Pattern[str], ...]


def find_triggers(sentence: str, lang: str) -> list[Found]:
    """The event triggers of one sentence: kind "event", data {"type", "modality"}
    ("planned" or "reported"), span = the trigger words."""
    lang = lang if lang in LANGUAGES else "en"
    candidates = [
        Found("event", m.start(), m.end(), m.group(), {"type": rule.type})
        for rule in rules(lang)
        for pattern in rule.triggers
        for m in pattern.finditer(sentence)
        if _context_holds(sentence, m.start(), m.end(), rule)
        and not _cancelled(sentence, m.start(), m.end(), rule)
        and not _negated(sentence, m.start(), lang)
        and not _appealed(sentence, m.start(), lang)
    ]
    kept = _longest_first(candidates)
    return [_with_modality(sentence, found, lang) for found in kept]


def _context_holds(sentence: str, start: int, end: int, rule: _Rule) -> bool:
    """No context needed, or a required word near the trigger ("lanciata ... l'Associazione")."""
    if not rule.requires:
        return True
    around = _window(sentence, start, end, CONTEXT_WINDOW)
    return any(p.search(around) for p in rule.requires)


def _cancelled(sentence: str, start: int, end: int, rule: _Rule) -> bool:
    return any(
        m.start() < end and start < m.end() for p in rule.cancels for m in p.finditer(sentence)
    )


def _negated(sentence: str, start: int, lang: str) -> bool:
    """A negation among the few words before the trigger, not "not only"."""
    before = _words(sentence[:start])[-NEGATION_WINDOW:]
    lexicon = _lexicon()
    for index, word in enumerate(before):
        if _full_match(lexicon["negations"][lang], word):
            following = before[index + 1] if index + 1 < len(before) else ""
            if not _full_match(lexicon["not_only"][lang], following):
                return True
    return False


def _appealed(sentence: str, start: int, lang: str) -> bool:
    """An appeal just before the trigger ("sono chiamate a potenziare"): no event."""
    before = " ".join(_words(sentence[:start])[-APPEAL_WINDOW:])
    return bool(_cues("appeals", lang).search(before))


def _with_modality(sentence: str, found: Found, lang: str) -> Found:
    window = _window(sentence, found.start, found.end, PLAN_WINDOW)
    planned = _cues("planned", lang).search(window)
    data = {**found.data, "modality": "planned" if planned else "reported"}
    return Found(found.kind, found.start, found.end, found.text, data)


def _window(sentence: str, start: int, end: int, size: tuple[int, int]) -> str:
    """The trigger with `size` = (before, after) words around it."""
    before = _words(sentence[:start])[-size[0] :]
    after = _words(sentence[end:])[: size[1]]
    return " ".join([*before, sentence[start:end], *after])


def _longest_first(candidates: list[Found]) -> list[Found]:
    """Non-overlapping triggers, the longer first at each overlap; in sentence order."""
    kept: list[Found] = []
    for found in sorted(candidates, key=lambda f: (-(f.end - f.start), f.start)):
        if all(found.end <= k.start or k.end <= found.start for k in kept):
            kept.append(found)
    return sorted(kept, key=lambda f: f.start)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+(?:['’]\w+)?|n['’]t", text)


def _full_match(patterns: list[str], word: str) -> bool:
    return any(re.fullmatch(p, word, re.IGNORECASE) for p in patterns)


# --- the lexicon ---------------------------------------------------------------------------


@cache
def _lexicon() -> dict[str, Any]:
    return yamlfile.safe_load(TRIGGERS_FILE.read_text(encoding="utf-8"))


@cache
def rules(lang: str) -> tuple[_Rule, ...]:
    """The compiled rules of a language, one per event type."""
    types = _lexicon()["types"]
    return tuple(
        _Rule(
            type=name,
            triggers=_compiled(types[name].get(lang, [])),
            requires=_compiled(types[name].get("requires", {}).get(lang, [])),
            cancels=_compiled(types[name].get("not", {}).get(lang, [])),
        )
        for name in EVENT_TYPES
    )


@cache
def _cues(name: str, lang: str) -> re.Pattern[str]:
    """One pattern for a cue list of the lexicon ("planned", "appeals")."""
    return _pattern("|".join(f"(?:{p})" for p in _lexicon()[name][lang]))


def _compiled(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(_pattern(p) for p in patterns)


def _pattern(pattern: str) -> re.Pattern[str]:
    """A lexicon pattern at word boundaries, case-insensitive, " … " as a gap of words,
    a space as any run of white space and " ?" as an optional one ("EUR ?\\d", "air ?show")."""
    body = GAP.join(part.strip() for part in pattern.split("…"))
    body = body.replace(" ?", r"\s?").replace(" ", r"\s+")
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
