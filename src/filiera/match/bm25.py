"""A compact BM25 index with precomputed impacts, scored with numpy.

Each term keeps the ids of the documents containing it and their BM25 impact
(idf x saturated, length-normalised tf), so a query is a weighted sum of a few arrays.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

import numpy as np

K1 = 1.2
B = 0.75


class Bm25:
    """BM25 over documents given as bags of terms."""

    def __init__(self, docs: Iterable[Counter[str]], k1: float = K1, b: float = B) -> None:
        bags = list(docs)
        self.n = len(bags)
        lengths = np.array([sum(bag.values()) for bag in bags], dtype=np.float32)
        avg = float(lengths.mean()) if self.n and lengths.sum() else 1.0
        postings: dict[str, list[tuple[int, float]]] = {}
        for doc_id, bag in enumerate(bags):
            norm = k1 * (1 - b + b * lengths[doc_id] / avg)
            for term, tf in bag.items():
                postings.setdefault(term, []).append((doc_id, tf * (k1 + 1) / (tf + norm)))
        self.ids: dict[str, np.ndarray] = {}
        self.impacts: dict[str, np.ndarray] = {}
        self.df: dict[str, int] = {}
        for term, rows in postings.items():
            idf = math.log(1 + (self.n - len(rows) + 0.5) / (len(rows) + 0.5))
            self.ids[term] = np.fromiter((r[0] for r in rows), dtype=np.int32, count=len(rows))
            self.impacts[term] = np.fromiter(
                (r[1] * idf for r in rows), dtype=np.float32, count=len(rows)
            )
            self.df[term] = len(rows)

    def scores(self, query: dict[str, float]) -> np.ndarray:
        """Score of every document for weighted query terms."""
        out = np.zeros(self.n, dtype=np.float32)
        for term, weight in query.items():
            ids = self.ids.get(term)
            if ids is not None:
                out[ids] += weight * self.impacts[term]
        return out

    def term_scores(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, impacts) of one term; empty arrays when unknown."""
        empty = np.zeros(0, dtype=np.int32)
        return self.ids.get(term, empty), self.impacts.get(term, empty.astype(np.float32))
