"""Entity resolution for many records at once, with exactly `Resolver.decide`'s verdicts.

`BatchResolver.prepare(incomings)` gathers every (incoming name, blocked stored name) pair
of a batch as arrays of name ids, block by block, and keeps each distinct pair once.
`name_bounds.could_reach` drops, in NumPy, the pairs that no scorer can lift to the review
threshold (about 99 in 100); rapidfuzz's `process.cpdist` scores the rest (token set,
token sort and plain ratio of the names without spaces, each with a score cut-off below
the review threshold). Only the organisations of a pair that could pass `_compare`
survive; acronyms are found through an index of initials. `decide` then runs the
reference comparison on the survivors and on whatever the batch itself added since
`prepare`, so each verdict is the one the per-record resolver gives at that point of the
file.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache, lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from sqlalchemy.orm import Session

from filiera.registry import names
from filiera.registry.name_bounds import NameTable, could_reach
from filiera.registry.names import CONNECTORS, PREFIX_FORMS, normalise_name
from filiera.registry.resolve import (
    ACRONYM_SKIP,
    MAX_BLOCK,
    RECENT_NAMES,
    REVIEW_THRESHOLD,
    Candidate,
    Decision,
    Incoming,
    Resolver,
    compact,
    name_blocks,
    stored_blocks,
)

# Below this score (0-100) no scorer can lift a pair to REVIEW_THRESHOLD; the margin covers
# `name_similarity`'s rounding to four decimals.
CUTOFF = REVIEW_THRESHOLD * 100 - 1
ACRONYM_LENGTHS = range(2, 7)
PLAIN_KEY = re.compile(r"[a-z0-9]+(?: [a-z0-9]+)*")  # `acronym_of` spells runs of 2 to 6 initials

Block = tuple[str, str]  # (country, blocking key)


@lru_cache(maxsize=262_144)
def is_stable(key: str) -> bool:
    """True when `name_similarity` compares the key as it is (its normal form is itself).

    Keys `normalise_name` wrote pass a quick look (lower-case words, no legal form at either
    end, no connector); anything else is normalised again to be sure.
    """
    tokens = key.split(" ")
    quick = (
        PLAIN_KEY.fullmatch(key) is not None
        and not (len(tokens) > 1 and tokens[0] in PREFIX_FORMS)
        and CONNECTORS.isdisjoint(tokens)
        and not any(tuple(tokens[-n:]) in legal_forms() for n in range(1, len(tokens)))
    )
    return quick or normalise_name(key) == key


@cache
def legal_forms() -> frozenset[tuple[str, ...]]:
    """Every legal form's spelling as a token tuple (what `normalise_name` strips)."""
    return frozenset(spelling for spelling, _ in names._suffixes())


@lru_cache(maxsize=RECENT_NAMES)
def initial_runs(key: str) -> frozenset[str]:
    """Every run of 2 to 6 initials of the name's words (short words skipped)."""
    words = [t for t in key.split() if t not in ACRONYM_SKIP]
    initials = "".join(w[0] for w in words)
    return frozenset(
        initials[i : i + n] for n in ACRONYM_LENGTHS for i in range(len(initials) - n + 1)
    )


@lru_cache(maxsize=RECENT_NAMES)
def short_tokens(key: str) -> frozenset[str]:
    """The words that could be an acronym of another name."""
    return frozenset(t for t in key.split() if len(t) in ACRONYM_LENGTHS)


class BatchResolver(Resolver):
    """A `Resolver` whose fuzzy step scores a whole batch of records at once."""

    def __init__(self) -> None:
        super().__init__()
        self.by_run: dict[Block, set[int]] = defaultdict(set)
        self.by_short: dict[Block, set[int]] = defaultdict(set)
        self.table = NameTable()  # every name, by id, with what the score bounds read
        # the ids of the block members' names, in the order they came (a name may recur:
        # `prepare` scores each pair once)
        self.block_names: dict[Block, list[int]] = defaultdict(list)
        self.block_unstable: dict[Block, set[int]] = defaultdict(set)  # members with such names
        self._prepared: dict[int, set[int]] = {}
        self._batch: list[Incoming] = []
        # organisations added since `prepare`, by block (None before the first `prepare`:
        # indexing the registry need not fill it)
        self._touched: dict[Block, set[int]] | None = None
        self._arrays: dict[Block, np.ndarray] = {}  # `block_names` as arrays, for `prepare`
        self.unstable: set[str] = set()  # stored names `normalise_name` would change
        # name pairs `prepare` met: blocked, distinct, scored (kept by the bounds), passed
        self.pair_counts: Counter[str] = Counter()
        # `add_for_lookups`: organisations not filed in their blocks yet, by country
        self._unblocked: dict[str, list[Candidate]] = defaultdict(list)

    @classmethod
    def from_session(cls, session: Session) -> BatchResolver:
        """`Resolver.from_session`, with the names' bounds table and the blocks' arrays that
        the first `prepare` reads built now (an import builds the index while a second core
        checks rows, and a child that resolves ahead inherits them)."""
        resolver = super().from_session(session)
        resolver.table.refresh()
        for block in resolver.block_names:
            resolver._block_array(block)
        return resolver

    def add_for_lookups(self, candidate: Candidate) -> None:
        """Index `candidate` for identifier and exact-name lookups now, and in its blocks
        when a fuzzy lookup in its country next needs them (blocks are per country: a
        writer that gets that country's decisions from elsewhere, `ahead`, never needs
        them)."""
        self.index_for_lookups(candidate)
        self._unblocked[candidate.country].append(candidate)

    def _file_unblocked(self, countries: Iterable[str]) -> None:
        """File in their blocks the organisations of `countries` that `add_for_lookups`
        left out, in the order they came."""
        for country in countries:
            for candidate in self._unblocked.pop(country, ()):
                self.add(candidate)

    def decide(self, incoming: Incoming) -> Decision:
        if self._unblocked:
            self._file_unblocked((incoming.country,))
        return super().decide(incoming)

    def add(self, candidate: Candidate) -> None:
        """`Resolver.add`, plus the blocks' names and the acronym indexes, in one pass (the
        registry's index is built by this loop: a hundred thousand calls). What
        `add_for_lookups` left unfiled in the same country is filed first, so that a later
        version of an organisation is never overwritten by an earlier one."""
        if self._unblocked and candidate.country in self._unblocked:
            self._file_unblocked((candidate.country,))
        org_id, country, keys = candidate.org_id, candidate.country, candidate.name_keys
        changing = {key for key in keys if not is_stable(key)}
        if changing:
            self.unstable |= changing
        unstable = not self.unstable.isdisjoint(keys)
        self.candidates[org_id] = candidate
        for ident in candidate.identifiers:
            self.by_identifier[ident] = org_id
        name_ids = [self.table.id_of(name) for name in keys]
        by_token, block_names, by_run, by_short, touched = (
            self.by_token,
            self.block_names,
            self.by_run,
            self.by_short,
            self._touched,
        )
        for key in keys:
            self.by_name_key[key].add(org_id)
            self.by_compact[compact(key)].add(org_id)
            for token in stored_blocks(key):
                block = (country, token)
                by_token[block].add(org_id)
                if touched is not None:
                    touched[block].add(org_id)
                block_names[block].extend(name_ids)
                if unstable:
                    self.block_unstable[block].add(org_id)
            for run in initial_runs(key):
                by_run[(country, run)].add(org_id)
            for token in short_tokens(key):
                by_short[(country, token)].add(org_id)

    def prepare(self, incomings: list[Incoming]) -> None:
        """Score the batch against the stored names; `decide` on these records is then fast."""
        if self._unblocked:
            self._file_unblocked({incoming.country for incoming in incomings})
        survivors: list[set[int]] = [set() for _ in incomings]
        pairs = BlockPairs()
        for index, incoming in enumerate(incomings):
            for key in incoming.name_keys:
                self._add_pairs(pairs, index, incoming.country, key, survivors[index])
        rows, choices, hits = pairs.scored(self.table, self.pair_counts)
        names = self.table.names
        for position in np.flatnonzero(hits):
            # every organisation bearing the name; `_fuzzy_candidates` keeps the blocked ones
            survivors[rows[position]].update(self.by_name_key[names[choices[position]]])
        self._batch = incomings
        self._prepared = {
            id(incoming): found for incoming, found in zip(incomings, survivors, strict=True)
        }
        self._touched = defaultdict(set)

    def _add_pairs(
        self, pairs: BlockPairs, row: int, country: str, key: str, survivors: set[int]
    ) -> None:
        """Pair `key` with the stored names of its open blocks.

        Organisations that must be compared whatever the score go straight to `survivors`.
        """
        stable = is_stable(key)
        query = self.table.id_of(key)
        for block in self._open_blocks(country, key):
            if not stable:
                survivors.update(self.by_token[block])
                continue
            survivors.update(self.block_unstable.get(block, ()))
            pairs.add(row, query, self._block_array(block))

    def _block_array(self, block: Block) -> np.ndarray:
        """`block_names[block]` as an array, extended with what came since the last call."""
        names = self.block_names[block]
        cached = self._arrays.get(block)
        if cached is None:
            cached = self._arrays[block] = np.array(names, dtype=np.int64)
        elif len(cached) < len(names):
            tail = np.array(names[len(cached) :], dtype=np.int64)
            cached = self._arrays[block] = np.concatenate([cached, tail])
        return cached

    def _open_blocks(self, country: str, key: str) -> Iterable[Block]:
        """The blocks `_blocked` reads for this name: those no larger than MAX_BLOCK."""
        for token in name_blocks(key):
            size = len(self.by_token.get((country, token), ()))
            if 0 < size <= MAX_BLOCK:
                yield (country, token)

    def _fuzzy_candidates(self, incoming: Incoming) -> list[int]:
        ready = self._prepared.get(id(incoming))
        if ready is None:  # not prepared: the reference path
            return sorted(self._blocked(incoming))
        blocked = Blocked(self._blocks_now(incoming))
        # added or changed since `prepare` (an organisation keeps its country and names in
        # a merge, so it is added again to every block it was in): score them now
        touched = self._touched or {}
        fresh = set().union(*(touched.get(block, ()) for block in blocked.keys)) - ready
        wanted = blocked.among(ready) | self._acronyms(incoming, blocked)
        return sorted(wanted | self._similar(incoming, fresh))

    def _blocks_now(self, incoming: Incoming) -> dict[Block, set[int]]:
        """The blocks `_blocked` unites, by key (one may have grown past MAX_BLOCK)."""
        found: dict[Block, set[int]] = {}
        for key in incoming.name_keys:
            for token in name_blocks(key):
                block = (incoming.country, token)
                members = self.by_token.get(block)
                if members and len(members) <= MAX_BLOCK:
                    found[block] = members
        return found

    def _similar(self, incoming: Incoming, org_ids: set[int]) -> set[int]:
        """Those of `org_ids` with a name `similar_pairs` would let through (one pair at a
        time: these are the few the batch itself added or changed since `prepare`)."""
        return {
            org_id
            for org_id in org_ids
            if any(
                self._could_be_similar(mine, theirs)
                for mine in incoming.name_keys
                for theirs in self.candidates[org_id].name_keys
            )
        }

    def _could_be_similar(self, query: str, choice: str) -> bool:
        """`similar_pairs` for one pair; names that normalise differently always pass."""
        if choice in self.unstable or not is_stable(query):
            return True
        if fuzz.token_set_ratio(query, choice, score_cutoff=CUTOFF) > 0:
            return True
        if _close(len(query), len(choice)) and fuzz.token_sort_ratio(
            query, choice, score_cutoff=CUTOFF
        ):
            return True
        left, right = compact(query), compact(choice)
        return _close(len(left), len(right)) and fuzz.ratio(left, right, score_cutoff=CUTOFF) > 0

    def _acronyms(self, incoming: Incoming, blocked: Blocked) -> set[int]:
        """Blocked organisations whose name and this one may be acronym and long name."""
        found: set[int] = set()
        for key in incoming.name_keys:
            for token in short_tokens(key):
                found |= blocked.among(self.by_run.get((incoming.country, token), ()))
            for run in initial_runs(key):
                found |= blocked.among(self.by_short.get((incoming.country, run), ()))
        return found


class BlockPairs:
    """The (record, query name, stored name) pairs of a batch, gathered block by block."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.queries: list[int] = []
        self.blocks: list[np.ndarray] = []

    def add(self, row: int, query: int, names: np.ndarray) -> None:
        self.rows.append(row)
        self.queries.append(query)
        self.blocks.append(names)

    def scored(
        self, table: NameTable, counts: Counter[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, stored names, hits) of every pair; a name met under several blocks of a
        query ("alpha", "alp*", "#alpha") and a query met twice are scored once."""
        if not self.blocks:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0, dtype=bool)
        sizes = np.fromiter(map(len, self.blocks), np.int64, len(self.blocks))
        choices = np.concatenate(self.blocks)
        rows = np.repeat(np.array(self.rows, dtype=np.int64), sizes)
        queries = np.repeat(np.array(self.queries, dtype=np.int64), sizes)
        _, first, inverse = np.unique(
            queries * len(table.names) + choices, return_index=True, return_inverse=True
        )
        distinct = similar_pairs(table, queries[first], choices[first], counts)
        counts["blocked"] += len(choices)
        counts["distinct"] += len(first)
        return rows, choices, distinct[inverse]


class Blocked:
    """The organisations of some blocks, tested one by one instead of united."""

    def __init__(self, blocks: dict[Block, set[int]]) -> None:
        self.keys = list(blocks)
        self.members = list(blocks.values())

    def among(self, org_ids: Iterable[int]) -> set[int]:
        """Those of `org_ids` in one of the blocks."""
        members = self.members
        return {org_id for org_id in org_ids if any(org_id in block for block in members)}


def similar_pairs(
    table: NameTable, left: np.ndarray, right: np.ndarray, counts: Counter[str] | None = None
) -> np.ndarray:
    """For each pair of name ids, whether `_compare` could find it worth a review.

    True when its token-sort, token-set (100 when one name's words contain the other's) or
    space-free ratio reaches CUTOFF: `name_similarity` is never above the largest of them.
    `name_bounds.could_reach` drops, in NumPy, the pairs none of them can pass (about 99 in
    100 at 100,000 organisations); rapidfuzz scores the rest.
    """
    hits = np.zeros(len(left), dtype=bool)
    kept = np.flatnonzero(could_reach(table, left, right, CUTOFF))
    if len(kept):
        names = table.name_array  # `could_reach` refreshed it
        hits[kept] = scored_pairs(names[left[kept]].tolist(), names[right[kept]].tolist())
    if counts is not None:
        counts["scored"] += len(kept)
        counts["passed"] += int(hits.sum())
    return hits


def scored_pairs(queries: list[str], choices: list[str]) -> np.ndarray:
    """`similar_pairs` with rapidfuzz alone: token set, then token sort and the space-free
    ratio on the pairs of close lengths (a ratio is at most 200 * shorter / both lengths)."""
    hits = _scored(fuzz.token_set_ratio, queries, choices)
    squeezed = ([compact(q) for q in queries], [compact(c) for c in choices])
    for scorer, (left, right) in (
        (fuzz.token_sort_ratio, (queries, choices)),
        (fuzz.ratio, squeezed),
    ):
        near = np.flatnonzero(_close_lengths(left, right) & ~hits)
        picked = _scored(scorer, _take(left, near), _take(right, near))
        hits[near[picked]] = True
    return hits


def _take(items: list[str], positions: np.ndarray) -> list[str]:
    """`[items[i] for i in positions]`, twice as fast through an object array."""
    return np.array(items, dtype=object)[positions].tolist()


def _close_lengths(left: list[str], right: list[str]) -> np.ndarray:
    a = np.fromiter(map(len, left), dtype=np.int64, count=len(left))
    b = np.fromiter(map(len, right), dtype=np.int64, count=len(right))
    return 200 * np.minimum(a, b) >= CUTOFF * (a + b)


def _close(a: int, b: int) -> bool:
    """`_close_lengths` for one pair."""
    return 200 * min(a, b) >= CUTOFF * (a + b)


def _scored(scorer: object, left: list[str], right: list[str]) -> np.ndarray:
    if not left:
        return np.zeros(0, dtype=bool)
    scores = process.cpdist(left, right, scorer=scorer, score_cutoff=CUTOFF, workers=workers())
    return scores > 0


def workers() -> int:
    """rapidfuzz threads: every core while some are idle (20,000 rows: 27 s instead of 34 s
    on one thread), one when all are busy (threads then doubled the scoring time)."""
    try:
        busy = os.getloadavg()[0]
    except OSError:  # no load average on this system
        return -1
    return -1 if busy < (os.cpu_count() or 1) - 0.5 else 1
