"""What the learned ranker sees of one organisation for one query: a row of numbers.

The first stage (`engine.scaled`, fixed weights) picks the best `POOL` organisations among
the eligible ones; each gets one row of `FEATURES`. Everything that is scaled or compared
("the best", "the top 20") is computed among the eligible organisations only (filters and
the viewer's visibility), so a hidden organisation changes no feature of a visible one.
NaN marks a feature that does not apply to the query (no capability named, no country).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from filiera.match.engine import scaled_by_best
from filiera.match.index import MatchIndex
from filiera.match.need_type import project_action

POOL = 300  # organisations re-ranked per query
PARTNER_POOL = 20  # "the other top candidates" for the collaboration feature
RELATED = 0.3  # a project counts as related from this share of the best project's score
RECENT_YEARS = 2
KINDS = ("prime", "midcap", "sme", "startup", "research", "university", "public_body")
CONCEPT_KINDS = ("cap", "cert", "country", "g")
LEVELS = {"claimed": 1, "evidenced": 2, "certified": 3}
NEED_TYPES = ("production", "research", "procurement")

FEATURES = (
    "fixed",  # the first stage's score (fixed weights), in [0, 1]
    "profile",  # BM25 of the whole profile, scaled by the best eligible one
    "projects",  # related projects weighted by role, scaled
    "own_text",  # BM25 of the organisation's own text (no projects), scaled
    "best_project",  # its most related project's score relative to the best project
    "related_projects",  # log(1 + its projects at >= RELATED of the best project)
    "first_stage_rank",  # log(rank) in the first stage
    "projects_log",  # log(1 + funded projects)
    "coordinator_share",  # share of its projects it coordinated
    "recent_projects",  # log(1 + projects of the last RECENT_YEARS call years)
    "years_since_last",  # newest call year minus its last one (10 when none)
    "research_share",  # share of its projects that are research actions
    *(f"overlap_{kind}" for kind in CONCEPT_KINDS),  # query concepts of that kind it holds
    "capability_level",  # best level of a capability the query names (0 none)
    "country_fit",  # its country is one the query names
    "certifications",  # log(1 + certifications held)
    "capabilities_evidenced",  # log(1 + capabilities at evidenced or certified level)
    "partners_in_top",  # log(1 + other top candidates it has worked with)
    *(f"kind_{kind}" for kind in KINDS),
    *(f"need_{kind}" for kind in NEED_TYPES),  # what kind of need (query-level)
    "query_words",  # log(1 + word terms in the query) (query-level)
)


@dataclass
class QueryContext:
    """What the features need of the query beyond its terms."""

    concepts: dict[str, list[str]]  # concept kind -> index terms of that kind
    words: int  # word terms (not concepts)
    need: dict[str, float]  # need type -> weight (all 0 when unknown)


def query_context(weights: dict[str, float], need: dict[str, float] | None = None) -> QueryContext:
    """Group the query's concept terms by kind (`c:cap:...` -> "cap")."""
    concepts: dict[str, list[str]] = {kind: [] for kind in CONCEPT_KINDS}
    words = 0
    for term in weights:
        if term.startswith("c:"):
            kind = term[2:].split(":", 1)[0]
            if kind in concepts:
                concepts[kind].append(term)
        else:
            words += 1
    return QueryContext(concepts, words, {t: (need or {}).get(t, 0.0) for t in NEED_TYPES})


def pool(first_stage: np.ndarray, size: int = POOL) -> np.ndarray:
    """Positions of the best `size` positive first-stage scores, best first (ties by position)."""
    positive = np.flatnonzero(first_stage > 0)
    if len(positive) > size:
        positive = positive[np.argpartition(-first_stage[positive], size - 1)[:size]]
    return positive[np.lexsort((positive, -first_stage[positive]))]


def _project_years(index: MatchIndex) -> tuple[np.ndarray, np.ndarray]:
    """Call year and research-action flag per project (cached on the index)."""
    cached = getattr(index, "_feature_cache", None)
    if cached is not None and len(cached[0]) == len(index.projects):
        return cached
    years = np.array([p.call_year or 0 for p in index.projects], dtype=np.int32)
    research = np.array(
        [project_action(p.action, p.call, p.programme) == "research" for p in index.projects]
    )
    index._feature_cache = (years, research)  # type: ignore[attr-defined]
    return years, research


def _per_candidate(owner: np.ndarray, values: np.ndarray, n: int, how) -> np.ndarray:
    """`how` (np.maximum...) of `values` per candidate slot in `owner`; 0 where none."""
    out = np.zeros(n, dtype=np.float64)
    how.at(out, owner, values)
    return out


def _history(index: MatchIndex, positions: np.ndarray, project_scores: np.ndarray) -> dict:
    """Per candidate: project relevance, recency, research share, partners among the top."""
    n = len(positions)
    slot = np.full(index.size, -1, dtype=np.int64)
    slot[positions] = np.arange(n)
    rows = np.flatnonzero(slot[index.part_org] >= 0)
    owner = slot[index.part_org[rows]]
    projects = index.part_project[rows]
    years, research = _project_years(index)
    best = float(project_scores.max()) if project_scores.size else 0.0
    relative = project_scores[projects] / best if best > 0 else np.zeros(len(rows))
    newest = int(years.max()) if years.size else 0
    count = np.bincount(owner, minlength=n).astype(np.float64)
    last = _per_candidate(owner, years[projects].astype(np.float64), n, np.maximum)
    return {
        "best_project": _per_candidate(owner, relative, n, np.maximum),
        "related_projects": np.log1p(np.bincount(owner, weights=relative >= RELATED, minlength=n)),
        "recent_projects": np.log1p(
            np.bincount(owner, weights=years[projects] > newest - RECENT_YEARS, minlength=n)
        ),
        "years_since_last": np.where(count > 0, np.minimum(newest - last, 10), 10),
        "research_share": np.bincount(owner, weights=research[projects], minlength=n)
        / np.maximum(count, 1),
        "partners_in_top": np.log1p(_partners_in_top(index, positions, owner, projects)),
    }


def _partners_in_top(
    index: MatchIndex, positions: np.ndarray, owner: np.ndarray, projects: np.ndarray
) -> np.ndarray:
    """How many of the first PARTNER_POOL candidates each candidate shares a project with."""
    n, top = len(positions), min(PARTNER_POOL, len(positions))
    bits = np.zeros(len(index.projects), dtype=np.int64)
    in_top = owner < top
    np.bitwise_or.at(bits, projects[in_top], np.left_shift(1, owner[in_top]).astype(np.int64))
    seen = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(seen, owner, bits[projects])
    own_bit = np.where(np.arange(n) < top, np.left_shift(1, np.minimum(np.arange(n), 62)), 0)
    seen &= ~own_bit
    return np.array([bin(int(v)).count("1") for v in seen], dtype=np.float64)


def _presence(index: MatchIndex, term: str, positions: np.ndarray) -> np.ndarray:
    docs, _impacts = index.profile.term_scores(term)
    return np.isin(positions, docs)


def _concepts(index: MatchIndex, context: QueryContext, positions: np.ndarray) -> dict:
    out = {}
    for kind in CONCEPT_KINDS:
        terms = context.concepts[kind]
        if not terms:
            out[f"overlap_{kind}"] = np.full(len(positions), np.nan)
            continue
        held = sum(_presence(index, term, positions).astype(np.float64) for term in terms)
        out[f"overlap_{kind}"] = held / len(terms)
    codes = [t.split(":", 2)[2] for t in context.concepts["cap"]]
    countries = {t.split(":", 2)[2] for t in context.concepts["country"]}
    out["capability_level"] = (
        np.array([_best_level(index.capabilities[p], codes) for p in positions], dtype=np.float64)
        if codes
        else np.full(len(positions), np.nan)
    )
    out["country_fit"] = (
        np.isin(index.country[positions], sorted(countries)).astype(np.float64)
        if countries
        else np.full(len(positions), np.nan)
    )
    return out


def _best_level(held: dict[str, str], codes: list[str]) -> int:
    best = 0
    for code, level in held.items():
        if any(code == c or code.startswith(c + ".") for c in codes):
            best = max(best, LEVELS.get(level, 1))
    return best


def _holdings(index: MatchIndex, positions: np.ndarray) -> dict:
    certs = np.zeros(len(positions))
    for mask in index.certifications.values():
        certs += mask[positions]
    evidenced = [
        sum(1 for level in index.capabilities[p].values() if LEVELS.get(level, 1) >= 2)
        for p in positions
    ]
    return {
        "certifications": np.log1p(certs),
        "capabilities_evidenced": np.log1p(np.array(evidenced, dtype=np.float64)),
    }


def pool_rows(
    index: MatchIndex, terms, first_stage: np.ndarray, parts: dict, mask: np.ndarray, need
) -> tuple[np.ndarray, np.ndarray]:
    """(pool positions, their feature rows) of a query whose first stage was scored among
    `mask`: what both the live ranking and training read."""
    positions = pool(first_stage)
    own = scaled_by_best(index.org_text.scores(terms.weights), mask)
    context = query_context(terms.weights, need.weights())
    return positions, feature_rows(index, parts, first_stage, own, positions, context)


def feature_rows(
    index: MatchIndex,
    parts: dict,
    first_stage: np.ndarray,
    own_text: np.ndarray,
    positions: np.ndarray,
    context: QueryContext,
) -> np.ndarray:
    """One row of FEATURES per position in `positions` (the pool, best first).

    `parts` and `first_stage` come from `engine.scaled` (scaled among the eligible ones);
    `own_text` is the organisation-text BM25 already scaled the same way.
    """
    n = len(positions)
    columns: dict[str, np.ndarray] = {
        "fixed": first_stage[positions],
        "profile": parts["profile"][positions],
        "projects": parts["projects"][positions],
        "own_text": own_text[positions],
        "first_stage_rank": np.log1p(np.arange(n, dtype=np.float64)),
        "projects_log": np.log1p(index.project_count[positions]),
        "coordinator_share": index.coordinated[positions]
        / np.maximum(index.project_count[positions], 1),
        **_history(index, positions, parts["project_scores"]),
        **_concepts(index, context, positions),
        **_holdings(index, positions),
        "query_words": np.full(n, np.log1p(context.words)),
    }
    for kind in KINDS:
        columns[f"kind_{kind}"] = (index.kind[positions] == kind).astype(np.float64)
    for need in NEED_TYPES:
        columns[f"need_{need}"] = np.full(n, context.need[need])
    return np.column_stack([np.asarray(columns[name], dtype=np.float64) for name in FEATURES])
