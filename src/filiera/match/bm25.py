"""A compact BM25 index with precomputed impacts, scored with numpy.

All postings live in two flat arrays sorted by term then document; each term knows its
slice. A term's impact is idf x saturated, length-normalised tf, so a query is a weighted
sum of a few array slices. The statistics (document frequencies, average length, k1, b)
are kept so that documents added later (`match/delta.py`) are scored on the same scale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

K1 = 1.2
B = 0.75


def idf_of(n: int, df: np.ndarray | float) -> np.ndarray | float:
    """BM25's inverse document frequency (never negative)."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


class Bm25:
    """BM25 over documents given as bags of terms."""

    def __init__(self, docs: Iterable[Counter[str]], k1: float = K1, b: float = B) -> None:
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        doc_ids: list[int] = []
        tfs: list[int] = []
        lengths: list[int] = []
        for doc_id, bag in enumerate(docs):
            lengths.append(sum(bag.values()))
            for term, tf in bag.items():
                term_ids.append(vocab.setdefault(term, len(vocab)))
                doc_ids.append(doc_id)
                tfs.append(tf)
        self.n, self.vocab, self.k1, self.b = len(lengths), vocab, k1, b
        terms = np.asarray(term_ids, dtype=np.int64)
        docs_ = np.asarray(doc_ids, dtype=np.int32)
        tf = np.asarray(tfs, dtype=np.float32)
        length = np.asarray(lengths, dtype=np.float32)
        self.avg_length = float(length.mean()) if self.n and length.sum() else 1.0
        norm = k1 * (1 - b + b * length[docs_] / self.avg_length) if len(docs_) else tf
        df = np.bincount(terms, minlength=len(vocab)).astype(np.float32)
        idf = idf_of(self.n, df)
        impact = tf * (k1 + 1) / (tf + norm) * (idf[terms] if len(terms) else tf)
        order = np.argsort(terms, kind="stable")  # documents stay ascending within a term
        self._docs = docs_[order]
        self._impacts = impact[order].astype(np.float32)
        self._ends = np.cumsum(df).astype(np.int64)

    @classmethod
    def from_arrays(cls, terms: list[str], arrays: dict[str, np.ndarray], stats: dict) -> Bm25:
        """The index `arrays()` and `stats()` described (what `match/persist.py` loads)."""
        self = cls.__new__(cls)
        self.vocab = {term: i for i, term in enumerate(terms)}
        self.n, self.k1, self.b = int(stats["n"]), float(stats["k1"]), float(stats["b"])
        self.avg_length = float(stats["avg_length"])
        self._docs, self._impacts, self._ends = arrays["docs"], arrays["impacts"], arrays["ends"]
        return self

    def arrays(self) -> dict[str, np.ndarray]:
        return {"docs": self._docs, "impacts": self._impacts, "ends": self._ends}

    def stats(self) -> dict:
        return {"n": self.n, "k1": self.k1, "b": self.b, "avg_length": self.avg_length}

    def terms(self) -> list[str]:
        """The vocabulary in term-id order."""
        return sorted(self.vocab, key=self.vocab.__getitem__)

    def df(self, term: str) -> int:
        """How many documents hold `term` (0 when unknown)."""
        span = self._slice(term)
        return 0 if span is None else span.stop - span.start

    def nbytes(self) -> int:
        return self._docs.nbytes + self._impacts.nbytes + self._ends.nbytes

    def _slice(self, term: str) -> slice | None:
        i = self.vocab.get(term)
        if i is None:
            return None
        return slice(int(self._ends[i - 1]) if i else 0, int(self._ends[i]))

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """Score of every document for weighted query terms."""
        out = np.zeros(self.n, dtype=np.float32)
        for term, weight in query.items():
            span = self._slice(term)
            if span is not None:
                out[self._docs[span]] += weight * self._impacts[span]
        return out

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids ascending, impacts) of one term; empty arrays when unknown."""
        span = self._slice(term)
        if span is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        return self._docs[span], self._impacts[span]
