"""Query expansion by pseudo-relevance feedback over past projects (RM3-like).

The projects that best match a query are taken as relevant; the terms most characteristic
of them (their BM25 impact, i.e. saturated term frequency x idf, averaged with the
projects' scores as weights) join the query at `weight` x their importance relative to the
best one. Project texts are English, so the feedback also bridges languages: an Italian
query gains the English stems of the projects its loanwords and concepts found.
Terms already in the query, numbers, countries and terms held by a large share of the
projects are never added; a term must appear in at least two feedback projects (one
project's acronym or typo is not its topic). Measured in benchmarks/match_expansion.py.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, replace

import numpy as np

from filiera.match.bm25 import Bm25
from filiera.match.engine import QueryTerms
from filiera.match.index import MatchIndex

# Chosen on the 2023 validation queries (profiles up to 2022) from a small grid, by the
# mean gain in en/it/fr/de (benchmarks/match_expansion.py): it helped there in it, fr and de
# (not en), but on the held-out 2024 queries it lowered nDCG@10 in it (x0.83) and fr (x0.98)
# and recall@50 in fr and de; de gained a little nDCG@10 in both years but lost recall@50.
# It helps in no language on both held-out years, so no language expands by default.
CHOSEN = {"projects": 20, "new_terms": 10, "weight": 0.6}
EXPANSION_LANGUAGES: frozenset[str] = frozenset()
PROJECTS, NEW_TERMS, WEIGHT = 10, 20, 0.3  # `expand`'s defaults; CHOSEN is what validation chose
MAX_DF_SHARE = 0.25  # terms in more than this share of the projects are too common
MIN_FEEDBACK_DOCS = 2
NUMBER = re.compile(r"\d")
NEVER = ("c:country:",)


@dataclass(frozen=True)
class _DocTerms:
    """A BM25 index's postings by document: `terms[starts[d]:starts[d + 1]]` of doc d."""

    vocabulary: list[str]
    starts: np.ndarray
    terms: np.ndarray
    impacts: np.ndarray


_by_document: weakref.WeakKeyDictionary[Bm25, _DocTerms] = weakref.WeakKeyDictionary()


def _doc_terms(bm25: Bm25) -> _DocTerms:
    """The document-major view of `bm25`, built once per index (an argsort of postings)."""
    found = _by_document.get(bm25)
    if found is None:
        arrays = bm25.arrays()
        docs, ends = arrays["docs"], arrays["ends"]
        term_of = np.repeat(np.arange(len(ends)), np.diff(ends, prepend=0))
        order = np.argsort(docs, kind="stable")
        starts = np.searchsorted(docs[order], np.arange(bm25.n + 1))
        found = _DocTerms(bm25.terms(), starts, term_of[order], arrays["impacts"][order])
        _by_document[bm25] = found
    return found


def _edited_terms(text_index, doc: int) -> dict[str, float]:
    """Term -> impact of a document edited since the build (a live `DeltaBm25`)."""
    out = {}
    for term in text_index.docs[doc] or {}:
        docs, impacts = text_index.term_scores(term)
        at = np.searchsorted(docs, doc)
        if at < len(docs) and docs[at] == doc:
            out[term] = float(impacts[at])
    return out


def _feedback_terms(text_index, feedback: np.ndarray, shares: np.ndarray):
    """(terms, importance, feedback projects holding each) over the feedback projects:
    each term's impact in a project times the project's share, summed."""
    changed = getattr(text_index, "docs", {})
    view = _doc_terms(getattr(text_index, "base", text_index))
    kept = np.array([d not in changed for d in feedback.tolist()], dtype=bool)
    spans = [np.arange(view.starts[d], view.starts[d + 1]) for d in feedback[kept].tolist()]
    at = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
    weights = view.impacts[at] * np.repeat(shares[kept], [len(s) for s in spans])
    ids, inverse = np.unique(view.terms[at], return_inverse=True)
    importance = np.bincount(inverse, weights=weights, minlength=len(ids))
    held = np.bincount(inverse, minlength=len(ids))
    found = {
        view.vocabulary[i]: [w, n]
        for i, w, n in zip(ids.tolist(), importance.tolist(), held.tolist(), strict=True)
    }
    for doc, share in zip(feedback.tolist(), shares.tolist(), strict=True):
        if doc in changed:  # rare: edited projects of a live index
            for term, impact in _edited_terms(text_index, doc).items():
                entry = found.setdefault(term, [0.0, 0])
                entry[0] += share * impact
                entry[1] += 1
    return list(found), np.array([v[0] for v in found.values()]), [v[1] for v in found.values()]


def feedback_projects(index: MatchIndex, terms: QueryTerms, projects: int):
    """Positions of the `projects` best projects with a positive score, best first, and
    their scores."""
    scores = index.project_text.scores(terms.weights)
    positive = np.flatnonzero(scores > 0)
    ranked = positive[np.lexsort((positive, -scores[positive]))][:projects]
    return ranked, scores[ranked].astype(np.float64)


def _eligible(term: str, query: dict[str, float], base: Bm25) -> bool:
    if term in query or term.startswith(NEVER):
        return False
    if not term.startswith("c:") and NUMBER.search(term):  # a number, not a concept's code
        return False
    return base.df(term) <= MAX_DF_SHARE * base.n


def best_terms(index: MatchIndex, terms: QueryTerms, projects: int, new_terms: int) -> dict:
    """The `new_terms` eligible terms most important in the feedback projects -> importance
    (best first, ties by term)."""
    feedback, scores = feedback_projects(index, terms, projects)
    if not len(feedback) or new_terms <= 0:
        return {}
    text = index.project_text
    candidates, importance, held = _feedback_terms(text, feedback, scores / scores.sum())
    needed = min(MIN_FEEDBACK_DOCS, len(feedback))
    base = getattr(text, "base", text)
    chosen: dict[str, float] = {}
    for i in sorted(range(len(candidates)), key=lambda i: (-importance[i], candidates[i])):
        if held[i] >= needed and _eligible(candidates[i], terms.weights, base):
            chosen[candidates[i]] = float(importance[i])
            if len(chosen) == new_terms:
                break
    return chosen


def expand(
    index: MatchIndex,
    terms: QueryTerms,
    *,
    projects: int = PROJECTS,
    new_terms: int = NEW_TERMS,
    weight: float = WEIGHT,
) -> QueryTerms:
    """`terms` plus the `new_terms` terms most characteristic of the `projects` best
    projects, each at `weight` x its importance relative to the best new term.

    The original weights, `shown` (the user's words) and concepts are unchanged; the added
    terms and their weights are in `expanded`. No project scoring above zero: no change.
    """
    chosen = best_terms(index, terms, projects, new_terms) if weight > 0 else {}
    if not chosen:
        return replace(terms, weights=dict(terms.weights), expanded={})
    best = next(iter(chosen.values()))
    added = {t: weight * importance / best for t, importance in chosen.items()}
    return replace(terms, weights={**terms.weights, **added}, expanded=added)


def expand_for(index: MatchIndex, terms: QueryTerms) -> QueryTerms:
    """`expand` with the chosen settings where it helped (EXPANSION_LANGUAGES), else
    `terms` as they are."""
    return expand(index, terms, **CHOSEN) if terms.lang in EXPANSION_LANGUAGES else terms
