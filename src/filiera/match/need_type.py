"""What kind of need a text is: production or supply, research and development, or
procurement, read from its words in English, Italian, French or German.

Cue words and their weights are data (`match/data/need_type.yaml`), stemmed in their
language so inflections count. Each kind's score is the sum of its cues' weights (a cue
said again adds less: 1 + ln n); a TRL range given with the need leans it (TRL ≤ 4:
research; ≥ 7: production, procurement a little). The kind with the highest weighted
score wins; nothing said gives "unknown" with confidence 0, which callers treat as
neutral. Measured on real EDF projects by `benchmarks/need_type.py` (docs/matchmaking.md,
"What kind of need").

Also the gold kind of a real project from its programme, call and type of action
(`project_need_type`), the finer action (`project_action`) and an approximate TRL band of
an organisation from its actions (`organisation_trl`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from filiera import yamlfile
from filiera.match.text import LANGUAGES, detect_language, fold, stem_words, stopwords, words

KINDS = ("production", "research", "procurement")
UNKNOWN = "unknown"
DATA = Path(__file__).parent / "data" / "need_type.yaml"
# Multipliers of each kind's score before the comparison. Chosen on EDF calls up to 2023
# among 1 to 6 for production and procurement (benchmarks/need_type.py, "tuning"): no lean
# was best (macro-F1 0.951 against 0.877 for 2 and 2); kept as the place to lean.
LEAN = {"production": 1.0, "research": 1.0, "procurement": 1.0}
COMPOUND = 7  # German cues this long also match inside a compound word
QUANTITY_WEIGHT = 2.0
MIN_QUANTITY = 10  # "2 units" of a prototype is not a supply order
TRL_LEAN = 2.0


@dataclass
class NeedType:
    """The reading: `kind` (one of KINDS, or "unknown"), how sure, and why."""

    kind: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    cues: list[str] = field(default_factory=list)  # what decided, strongest first

    def weights(self) -> dict[str, float]:
        """The kind as feature weights: its confidence on its kind, 0 elsewhere."""
        return {k: (self.confidence if k == self.kind else 0.0) for k in KINDS}


@dataclass(frozen=True)
class Cue:
    stems: tuple[str, ...]
    kind: str | None  # None: a neutral phrase, its words count for nobody
    weight: float
    label: str  # the cue as written, for explanations
    compound: str | None = None  # folded German word matched inside compounds


@cache
def _data() -> dict:
    return yamlfile.safe_load(DATA.read_text(encoding="utf-8"))


@cache
def cues(lang: str) -> tuple[Cue, ...]:
    """The cues of `lang`, longest first (a phrase is read before its words)."""
    data = _data()
    found: dict[tuple[str, ...], Cue] = {}
    for kind in KINDS:
        for weight, phrases in data[kind].get(lang, {}).items():
            for phrase in phrases:
                _add(found, _cue(phrase, lang, kind, float(weight)))
    for phrase in data["neutral"].get(lang, ()):
        _add(found, _cue(phrase, lang, None, 0.0))
    return tuple(sorted(found.values(), key=lambda c: -len(c.stems)))


def _add(found: dict[tuple[str, ...], Cue], cue: Cue) -> None:
    if cue.stems and cue.stems not in found:
        found[cue.stems] = cue


def _cue(phrase: str, lang: str, kind: str | None, weight: float) -> Cue:
    tokens = words(phrase)
    compound = tokens[0] if lang == "de" and len(tokens) == 1 else None
    if compound is not None and len(compound) < COMPOUND:
        compound = None
    return Cue(tuple(stem_words(tokens, lang)), kind, weight, phrase, compound)


@cache
def quantity_stems(lang: str) -> frozenset[str]:
    return frozenset(stem_words([fold(w) for w in _data()["quantities"][lang]], lang))


def detect_need_type(
    text: str,
    lang: str | None = None,
    *,
    trl_min: int | None = None,
    trl_max: int | None = None,
) -> NeedType:
    """Read the kind of need from `text` (and a TRL range when given); never raises."""
    lang = lang if lang in LANGUAGES else detect_language(text or "")
    tokens = words(text or "")
    said = {k: Said() for k in KINDS}
    taken = [False] * len(tokens)
    for cue_lang in dict.fromkeys((lang, "en")):  # English cues too: loanwords
        _read_quantities(tokens, cue_lang, taken, said["production"])
        _read_cues(tokens, cue_lang, taken, said)
    scores = {k: float(said[k].score()) for k in KINDS}
    trl_cues = _lean_on_trl(scores, trl_min, trl_max)
    return _verdict(scores, said, trl_cues)


@dataclass
class Said:
    """The cues of one kind found in a text: label -> weight, label -> times said."""

    weights: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, label: str, weight: float) -> None:
        self.weights[label] = max(weight, self.weights.get(label, 0.0))
        self.counts[label] = self.counts.get(label, 0) + 1

    def score(self) -> float:
        """Each cue's weight, times 1 + ln(n) for n times said."""
        return sum(w * (1 + math.log(self.counts[c])) for c, w in self.weights.items())

    def strongest(self) -> list[str]:
        return sorted(self.weights, key=lambda c: (-self.weights[c] * self.counts[c], c))


def _read_cues(tokens: list[str], lang: str, taken: list[bool], said: dict[str, Said]) -> None:
    """Left to right, the longest cue of `lang` at each free position counts once."""
    stems = stem_words(tokens, lang)
    by_first, compounds = _cue_index(lang)
    for start, stem in enumerate(stems):
        if taken[start]:
            continue
        cue = _longest_at(by_first.get(stem, ()), stems, taken, start)
        if cue is None:
            cue = next((c for c in compounds if c.compound in tokens[start]), None)
        if cue is None:
            continue
        for i in range(start, start + len(cue.stems) if cue.compound is None else start + 1):
            taken[i] = True
        if cue.kind is not None:
            said[cue.kind].add(cue.label, cue.weight)


def _longest_at(
    candidates: tuple[Cue, ...], stems: list[str], taken: list[bool], start: int
) -> Cue | None:
    for cue in candidates:  # longest first
        end = start + len(cue.stems)
        if tuple(stems[start:end]) == cue.stems and not any(taken[start:end]):
            return cue
    return None


@cache
def _cue_index(lang: str) -> tuple[dict[str, tuple[Cue, ...]], tuple[Cue, ...]]:
    """Cues by their first stem (longest first), and the German compound cues."""
    by_first: dict[str, list[Cue]] = {}
    for cue in cues(lang):
        by_first.setdefault(cue.stems[0], []).append(cue)
    compounds = tuple(c for c in cues(lang) if c.compound is not None)
    return {k: tuple(v) for k, v in by_first.items()}, compounds


def _read_quantities(tokens: list[str], lang: str, taken: list[bool], said: Said) -> None:
    """ "10000 shells", "500 units": a number followed by a counted thing asks for supply."""
    units = quantity_stems(lang)
    stems = stem_words(tokens, lang)
    for i in range(len(tokens) - 1):
        counted = tokens[i].isdigit() and int(tokens[i]) >= MIN_QUANTITY
        if counted and stems[i + 1] in units and not taken[i + 1]:
            taken[i + 1] = True
            said.add(f"{tokens[i]} {tokens[i + 1]}", QUANTITY_WEIGHT)


def _lean_on_trl(
    scores: dict[str, float], trl_min: int | None, trl_max: int | None
) -> dict[str, str]:
    """TRL ≤ 4 reads as research; ≥ 7 (the whole range) as production, procurement a bit."""
    low = trl_min if trl_min is not None else trl_max
    high = trl_max if trl_max is not None else trl_min
    if high is not None and high <= 4:
        scores["research"] += TRL_LEAN
        return {"research": f"TRL ≤ {high}"}
    if low is not None and low >= 7:
        scores["production"] += TRL_LEAN
        scores["procurement"] += TRL_LEAN / 2
        return {"production": f"TRL ≥ {low}", "procurement": f"TRL ≥ {low}"}
    return {}


def _verdict(scores: dict[str, float], said: dict[str, Said], trl_cues: dict[str, str]) -> NeedType:
    leaned = {k: scores[k] * LEAN[k] for k in KINDS}
    total = sum(leaned.values())
    rounded = {k: round(v, 3) for k, v in scores.items()}
    if total <= 0:
        return NeedType(UNKNOWN, 0.0, rounded, [])
    kind = max(KINDS, key=lambda k: (leaned[k], -KINDS.index(k)))
    strength = 1 - math.exp(-leaned[kind] / 3)  # one hint is not a certainty
    confidence = round(leaned[kind] / total * strength, 3)
    decided = said[kind].strongest() + ([trl_cues[kind]] if kind in trl_cues else [])
    return NeedType(kind, confidence, rounded, decided)


# The gold kind of a real project, and an approximate TRL band of an organisation.

ACTION_KIND = {
    "research": "research",
    "development": "research",  # research and development: one kind of need
    "production": "production",
    "procurement": "procurement",
}
RESEARCH_MARKS = frozenset({"R", "RA", "RDIS", "FPA"})
DEVELOPMENT_MARKS = frozenset({"D", "DA"})
RESEARCH_PROGRAMMES = frozenset({"H2020", "HORIZON", "FP7"})
TRL_BANDS = {"research": (2, 5), "development": (5, 8), "production": (8, 9)}


def project_action(
    type_of_action: str | None, call_identifier: str | None, programme: str | None
) -> str | None:
    """research, development, production (ASAP), procurement (EDIRPA), or None.

    EDIRPA and ASAP are told by their programme or call; an EDF action by its type of
    action ("EDF Research Actions", "EDF Development Actions") or, for lump sums, by the
    marks of its call (EDF-2021-AIR-R-2, EDF-2023-LS-RA-SMERO, EDF-2024-DA: R, RA, RDIS
    research; D, DA development; the 2022 framework partnership FPA is research); Horizon
    projects are research.
    """
    call = (call_identifier or "").upper()
    marks = set(call.replace("_", "-").split("-"))
    names = {(programme or "").upper()} | marks
    if "EDIRPA" in names:
        return "procurement"
    if "ASAP" in names:
        return "production"
    action = (type_of_action or "").lower()
    if "research action" in action or marks & RESEARCH_MARKS:
        return "research"
    if "development action" in action or marks & DEVELOPMENT_MARKS:
        return "development"
    if (programme or "").upper() in RESEARCH_PROGRAMMES:
        return "research"
    return None


def project_need_type(
    type_of_action: str | None, call_identifier: str | None, programme: str | None
) -> str:
    """The kind of need a real project answered (production, research, procurement), or
    "unknown": EDIRPA procurement, ASAP production, research and development actions
    research."""
    action = project_action(type_of_action, call_identifier, programme)
    return ACTION_KIND[action] if action else UNKNOWN


def organisation_trl(action_counts: Mapping[str, int]) -> tuple[int, int] | None:
    """An approximate TRL band (low, high) from an organisation's projects per action
    (research ≈ TRL 2–5, development ≈ 5–8, production ≈ 8–9; procurement says nothing):
    each end is the mean of its actions' ends weighted by how many; None without any."""
    counted = {a: n for a, n in action_counts.items() if a in TRL_BANDS and n > 0}
    total = sum(counted.values())
    if not total:
        return None
    low = sum(TRL_BANDS[a][0] * n for a, n in counted.items()) / total
    high = sum(TRL_BANDS[a][1] * n for a, n in counted.items()) / total
    return math.floor(low + 0.5), math.floor(high + 0.5)


SHORT = 5  # content words: a text this short with no cue names a product
SHORT_CUE = "short text naming a product"  # the cue then (explanations translate it)


def read_need(text: str, lang: str | None = None) -> NeedType:
    """What matching uses: `detect_need_type`, except that a short text with no cue at all
    ("sensori ottici per droni") names a product someone wants supplied: production, with
    low confidence (a buyer's search, not a research call)."""
    found = detect_need_type(text, lang)
    if found.kind != UNKNOWN:
        return found
    lang = lang if lang in LANGUAGES else detect_language(text)
    stop = stopwords(lang)
    content = [w for w in words(text) if w not in stop and not w.isdigit()]
    if 0 < len(content) <= SHORT:
        return NeedType("production", 0.3, found.scores, [SHORT_CUE])
    return found
