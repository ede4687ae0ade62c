"""Ranking organisations for a need, a challenge or a thesis, with the reasons.

score = 0.60 x profile: BM25 of the organisation's whole profile (names, descriptions,
        capabilities and the texts of its projects) in one language-independent term space
      + 0.40 x experience in related projects: for each of its projects, (project score /
        best project score)^p, weighted by role (coordinators 1.3), summed; for a long
        need p is 8, so near-identical past projects (a predecessor, the same topic)
        count, and it falls to 2 for a short one (`project_power`), whose few words
        cannot single out one predecessor, so every related project counts
      + 0.05 x track record: log(1 + projects), only for organisations already matching
      + for a production need 0.3 x, for a procurement need 1.0 x, the fit to that kind of
        need (`need_fit`: makers with the named capabilities; ministries and agencies)
Each part is scaled to [0, 1] by its best value for the query and the sum divided by the
weights' total, so the final score is a graded number in [0, 1], no saturation at the top.
The weights were tuned on the first half of the EDF benchmark queries and checked on the
second half (docs/matchmaking.md).
Hard filters and visibility are applied before and after scoring.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from filiera.match import explain
from filiera.match.concepts import lexicon
from filiera.match.index import MatchIndex
from filiera.match.text import LANGUAGES, detect_language, stem_words, stems, stopwords, words

W_PROFILE, W_PROJECTS, W_RECORD = 0.6, 0.4, 0.05
# The fit part's weight per kind of need (`need_fit`): production chosen on the 2023 ASAP
# projects (the only production queries with a history), procurement set by design
# (ministries and agencies first); research and unknown needs keep the three parts alone.
W_FIT = {"production": 0.3, "procurement": 1.0}
NOT_MAKERS = ("university", "research", "public_body", "cluster", "investor", "buyer")
BUYER_KINDS = ("public_body", "buyer")
PROJECT_POWER = 8  # a need of 40 words or more
SHORT_PROJECT_POWER = 2  # a need of 10 words or fewer
WORDS_PER_POWER = 5  # in between, the power is the need's distinct words / 5
CONCEPT_WEIGHT = 1.5
LOANWORD_WEIGHT = 0.5
SME_KINDS = ("sme", "startup")
PARTS = ("profile", "projects", "record")
SHORT_QUERY = 5  # words


@dataclass
class MatchFilters:
    """Hard filters; every field is optional and they combine with AND."""

    countries: list[str] = field(default_factory=list)  # eligible countries (any of)
    region: str | None = None  # NUTS prefix
    kinds: list[str] = field(default_factory=list)
    exclude_kinds: list[str] = field(default_factory=list)
    sme_only: bool = False
    certification: str | None = None
    capability: str | None = None  # the code or any of its descendants
    cluster: int | None = None
    include_synthetic: bool | None = True  # None: left out when a real organisation matches


@dataclass
class QueryTerms:
    lang: str
    weights: dict[str, float]
    shown: dict[str, str]  # index term -> the word the user wrote
    concepts: list[str]
    expanded: dict[str, float] = field(default_factory=dict)  # added by match/expansion.py


@dataclass
class Ranked:
    position: int
    score: float
    parts: dict[str, float]


def query_terms(text: str, lang: str | None = None) -> QueryTerms:
    """Index terms of a query: stems in its language, English loanwords, concepts."""
    lang = lang if lang in LANGUAGES else detect_language(text)
    stop = stopwords(lang)
    raw = [w for w in words(text) if w not in stop and (len(w) > 1 or w.isdigit())]
    stemmed = stem_words(raw, lang)
    weights: Counter[str] = Counter()
    shown: dict[str, str] = {}
    for word, stem in zip(raw, stemmed, strict=True):
        weights[f"{lang}:{stem}"] += 1.0
        shown.setdefault(f"{lang}:{stem}", word)
    if lang != "en":
        for word, stem in zip(raw, stem_words(raw, "en"), strict=True):
            weights[f"en:{stem}"] += LOANWORD_WEIGHT
            shown.setdefault(f"en:{stem}", word)
    concepts = lexicon().find(stemmed, lang)
    if len(raw) <= SHORT_QUERY:  # too short to trust the language: look in all four
        for other in LANGUAGES:
            if other != lang:
                for concept, count in lexicon().find(stem_words(raw, other), other).items():
                    concepts.setdefault(concept, count)
    for concept, count in concepts.items():
        weights[f"c:{concept}"] += CONCEPT_WEIGHT * count
    # repeated words count, with diminishing returns (long texts repeat their subject)
    return QueryTerms(
        lang,
        {t: float(np.sqrt(w)) for t, w in weights.items()},
        shown,
        sorted(concepts, key=lambda c: -concepts[c]),
    )


def filter_mask(index: MatchIndex, flt: MatchFilters) -> np.ndarray:
    """Organisations passing every hard filter (deleted ones never do)."""
    mask = index.alive.copy()
    if flt.countries:
        mask &= np.isin(index.country, [c.upper() for c in flt.countries])
    if flt.region:
        mask &= np.char.startswith(index.region, flt.region.upper())
    kinds = set(flt.kinds) if flt.kinds else None
    if flt.sme_only:
        kinds = set(SME_KINDS) & kinds if kinds is not None else set(SME_KINDS)
    if kinds is not None:  # an empty set (e.g. "SMEs only" and kind "prime") matches nothing
        mask &= np.isin(index.kind, sorted(kinds))
    if flt.exclude_kinds:
        mask &= ~np.isin(index.kind, flt.exclude_kinds)
    if flt.certification:
        mask &= index.certifications.get(flt.certification, np.zeros(index.size, dtype=bool))
    if flt.capability:
        none = np.zeros(index.size, dtype=bool)
        mask &= index.capability_masks.get(flt.capability, none)
    if flt.cluster is not None:
        mask &= index.clusters.get(flt.cluster, np.zeros(index.size, dtype=bool))
    if flt.include_synthetic is False:
        mask &= ~index.synthetic
    return mask


def scaled_by_best(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    """`values` divided by their best among the positions in `among` (the eligible ones)."""
    top = float(values[among].max()) if among.any() else 0.0
    return values / top if top > 0 else values


def project_power(terms: QueryTerms) -> float:
    """How steeply related projects are weighted: a long need (a call text, a project's
    objective) can single out a near-identical past project, a few words cannot, so the
    power grows with the need's distinct words in its language (chosen on the 2023 EDF
    projects' titles, keywords and full texts: docs/matchmaking.md)."""
    own = f"{terms.lang}:"
    distinct = sum(t.startswith(own) and t not in terms.expanded for t in terms.weights)
    return float(np.clip(distinct / WORDS_PER_POWER, SHORT_PROJECT_POWER, PROJECT_POWER))


def project_experience(
    index: MatchIndex, project_scores: np.ndarray, power: float = PROJECT_POWER
) -> np.ndarray:
    """Per organisation: its projects' relevance relative to the best project, to the power
    `power`, weighted by role and summed."""
    best = float(project_scores.max()) if project_scores.size else 0.0
    if best <= 0 or not len(index.part_org):
        return np.zeros(index.size, dtype=np.float32)
    relative = (project_scores / best) ** power
    contrib = relative[index.part_project] * index.part_weight
    return np.bincount(index.part_org, weights=contrib, minlength=index.size).astype(np.float32)


@dataclass
class RawScores:
    """A query's unscaled relevance per organisation, before filters and visibility."""

    profile: np.ndarray
    project_scores: np.ndarray
    experience: np.ndarray  # related projects, weighted by role
    power: float = PROJECT_POWER  # how steeply related projects were weighted

    @property
    def relevant(self) -> np.ndarray:
        """Organisations with a positive score wherever they are eligible."""
        return (self.profile > 0) | (self.experience > 0)


def raw_scores(index: MatchIndex, terms: QueryTerms, power: float | None = None) -> RawScores:
    """The query's relevance of every profile and project, unscaled; related projects
    weighted with `power` (default: by the need's length, `project_power`)."""
    project_scores = index.project_text.scores(terms.weights)
    power = project_power(terms) if power is None else power
    return RawScores(
        index.profile.scores(terms.weights),
        project_scores,
        project_experience(index, project_scores, power),
        power,
    )


def scaled(
    index: MatchIndex,
    raw: RawScores,
    mask: np.ndarray,
    need: str | None = None,
    concepts: list[str] | None = None,
) -> tuple[np.ndarray, dict]:
    """Final scores (0 outside `mask`) and the scaled parts, for explanations.

    Parts are scaled by their best value inside `mask` (filters and the viewer's
    visibility), so an organisation the viewer may not see never changes a score they get.
    A production or procurement `need` adds the fit part (`need_fit`) with its weight.
    """
    profile = scaled_by_best(raw.profile, mask)
    projects = scaled_by_best(raw.experience, mask)
    matching = (profile > 0) | (projects > 0)
    record = np.where(matching, scaled_by_best(index.experience, mask), 0.0)
    weight = W_FIT.get(need or "", 0.0)
    fit = need_fit(index, need, concepts or [], record) if weight else np.zeros(index.size)
    fit = np.where(matching, fit, 0.0)
    final = W_PROFILE * profile + W_PROJECTS * projects + W_RECORD * record + weight * fit
    final = np.where(mask, final / (W_PROFILE + W_PROJECTS + W_RECORD + weight), 0.0)
    parts = {
        "profile": profile,
        "projects": projects,
        "record": record,
        "fit": fit,
        "project_scores": raw.project_scores,
    }
    return final, parts


def need_fit(index: MatchIndex, need: str | None, concepts: list[str], record) -> np.ndarray:
    """How well each organisation suits the kind of need, in [0, 1].

    Production or supply: organisations that make things (not universities, research
    centres or public bodies: 0.5), holding the capabilities the need names (0.25, by
    share) with a track record (0.25, scaled). Procurement: ministries and agencies (public
    bodies) are who procures, so they come first among the organisations that match.
    """
    if need == "procurement":
        return np.isin(index.kind, BUYER_KINDS).astype(np.float64)
    if need != "production":
        return np.zeros(index.size)
    maker = ~np.isin(index.kind, NOT_MAKERS)
    codes = [c.split(":", 1)[1] for c in concepts if c.startswith("cap:")]
    none = np.zeros(index.size, dtype=bool)
    held = sum((index.capability_masks.get(c, none).astype(np.float64) for c in codes), 0.0)
    share = held / len(codes) if codes else np.zeros(index.size)
    return 0.5 * maker + 0.25 * share + 0.25 * record


def score(index: MatchIndex, terms: QueryTerms, mask: np.ndarray) -> tuple[np.ndarray, dict]:
    """Final scores (0 outside `mask`) and the scaled parts of a query."""
    return scaled(index, raw_scores(index, terms), mask)


def leave_out_synthetic(
    index: MatchIndex, raw: RawScores, mask: np.ndarray, include: bool | None
) -> tuple[np.ndarray, int]:
    """The eligible mask without synthetic organisations, and how many relevant ones were
    left out: by default (`include` None) when a real organisation in `mask` is relevant.

    Counted inside `mask` only (filters and visibility), so hidden records change nothing.
    """
    if include is not None:
        return mask, 0
    relevant = mask & raw.relevant
    if not (relevant & ~index.synthetic).any():
        return mask, 0
    return mask & ~index.synthetic, int((relevant & index.synthetic).sum())


def top_positions(final: np.ndarray, k: int, offset: int = 0) -> list[int]:
    """Positions of the best scores above zero ranked `offset + 1` to `offset + k`, best
    first (ties by position)."""
    positive = np.flatnonzero(final > 0)
    wanted = offset + k
    if len(positive) > wanted:  # keep every tie of the last one, so pages never overlap
        last = np.partition(-final[positive], wanted - 1)[wanted - 1]
        positive = positive[-final[positive] <= last]
    return sorted(positive.tolist(), key=lambda i: (-final[i], i))[offset:wanted]


@dataclass
class MatchHit:
    """One ranked organisation with its reasons."""

    org_id: int
    name: str
    pic: str | None
    country: str | None
    kind: str
    score: float
    parts: dict[str, float]
    explanations: list[dict]
    synthetic: bool = False


def hits(
    index: MatchIndex,
    terms: QueryTerms,
    final: np.ndarray,
    parts: dict,
    positions: list[int],
    flt: MatchFilters,
    lang: str,
) -> list[MatchHit]:
    """Results with explanations in `lang` for the given positions (already filtered)."""
    reasons = explain.Reasons(index, terms, parts, lang, positions)
    out = []
    for pos in positions:
        out.append(
            MatchHit(
                org_id=int(index.org_ids[pos]),
                name=index.names[pos],
                pic=index.pics.get(pos),
                country=str(index.country[pos]) or None,
                kind=str(index.kind[pos]),
                score=round(float(final[pos]), 4),
                parts={k: round(float(parts[k][pos]), 4) for k in PARTS},
                explanations=reasons.of(pos) + explain.filters_used(flt, lang),
                synthetic=bool(index.synthetic[pos]),
            )
        )
    return out


__all__ = ["MatchFilters", "MatchHit", "query_terms", "score", "stems"]
