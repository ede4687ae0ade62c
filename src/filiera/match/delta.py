"""A BM25 index that follows edits: an immutable base plus a small delta of documents.

Replaced and removed documents are masked out of the base; their new versions live in
the delta, scored with the base's statistics (document frequency, average length), so a
live index ranks like a fresh build up to the drift of those statistics. A term the base
has never seen takes its document frequency from the delta. Each change batch makes a
new `DeltaBm25` (copy on write); a query never copies more than its own terms' postings.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from filiera.match.bm25 import Bm25, idf_of

EMPTY_DOCS, EMPTY_IMPACTS = np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)


class DeltaBm25:
    """`base` with documents replaced (`docs`: position -> bag, None when removed)."""

    def __init__(self, base: Bm25, n: int, docs: dict[int, Counter[str] | None], postings):
        self.base, self.n, self.docs = base, n, docs
        self._postings: dict[str, dict[int, int]] = postings  # term -> {position: tf}
        replaced = np.array(sorted(p for p in docs if p < base.n), dtype=np.int64)
        self._replaced = replaced
        self._masked = np.zeros(base.n, dtype=bool)
        self._masked[replaced] = True
        self._lengths = {p: sum(bag.values()) for p, bag in docs.items() if bag}
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def over(cls, base: Bm25 | DeltaBm25) -> DeltaBm25:
        """A delta of nothing over `base` (or `base` itself when it is one already)."""
        return base if isinstance(base, DeltaBm25) else cls(base, base.n, {}, {})

    def with_docs(self, changed: dict[int, Counter[str] | None], n: int) -> DeltaBm25:
        """A new index where the positions of `changed` hold the given bags (None: gone)."""
        postings = dict(self._postings)
        copied: set[str] = set()
        for pos, bag in changed.items():
            for term in self.docs.get(pos) or {}:
                self._own(postings, copied, term).pop(pos, None)
            for term, tf in (bag or {}).items():
                self._own(postings, copied, term)[pos] = tf
        for term in copied:
            if not postings[term]:
                del postings[term]
        return DeltaBm25(self.base, n, {**self.docs, **changed}, postings)

    @staticmethod
    def _own(postings: dict, copied: set[str], term: str) -> dict[int, int]:
        if term not in copied:
            postings[term] = dict(postings.get(term, {}))
            copied.add(term)
        return postings[term]

    @property
    def delta_size(self) -> int:
        return len(self.docs)

    def nbytes(self) -> int:
        return self.base.nbytes() + 80 * sum(len(p) for p in self._postings.values())

    def _delta(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(positions ascending, impacts) of `term` among the delta's documents."""
        if term in self._cache:
            return self._cache[term]
        held = self._postings.get(term)
        if not held:
            return EMPTY_DOCS, EMPTY_IMPACTS
        docs = np.array(sorted(held), dtype=np.int32)
        tf = np.array([held[p] for p in docs.tolist()], dtype=np.float32)
        length = np.array([self._lengths[p] for p in docs.tolist()], dtype=np.float32)
        base = self.base
        df = base.df(term) or len(held)  # a term new to the base: its frequency in the delta
        norm = base.k1 * (1 - base.b + base.b * length / base.avg_length)
        impacts = tf * (base.k1 + 1) / (tf + norm) * idf_of(base.n, df)
        self._cache[term] = (docs, impacts.astype(np.float32))
        return self._cache[term]

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """Score of every document for weighted query terms."""
        out = np.zeros(self.n, dtype=np.float32)
        out[: self.base.n] = self.base.scores(query)
        out[self._replaced] = 0.0
        for term, weight in query.items():
            docs, impacts = self._delta(term)
            out[docs] += weight * impacts
        return out

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids ascending, impacts) of one term; empty arrays when unknown."""
        docs, impacts = self.base.term_scores(term)
        kept = ~self._masked[docs]
        extra_docs, extra_impacts = self._delta(term)
        if not len(extra_docs):
            return docs[kept], impacts[kept]
        all_docs = np.concatenate([docs[kept], extra_docs])
        order = np.argsort(all_docs, kind="stable")
        return all_docs[order], np.concatenate([impacts[kept], extra_impacts])[order]
