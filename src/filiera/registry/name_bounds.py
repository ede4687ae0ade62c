"""Cheap upper bounds on rapidfuzz's name scores, for whole arrays of name pairs at once.

A batch import blocks about 200 stored names per incoming name, of which fewer than one
in a thousand reach the review threshold. `NameTable` gives every name an id and keeps,
per name, what the bounds need: a histogram of its characters, its lengths, and the
lengths of its distinct tokens. `could_reach(table, left, right, cutoff)` then drops, in
NumPy, the pairs that no scorer of `batch_resolve.similar_pairs` can lift to `cutoff`:

- an Indel ratio is `200 * LCS / (len(a) + len(b))`, and a longest common subsequence is
  never longer than the characters the two strings have in common (the histograms'
  overlap): this bounds `token_sort_ratio`, `ratio` on names without spaces, and the part
  of `token_set_ratio` that compares the sorted distinct tokens;
- `token_set_ratio`'s other parts need the tokens both names share: 100 when one name's
  tokens contain the other's, else `200 * s / (s + len(a'))` with `s` the length of the
  shared tokens joined; both are computed exactly from token ids.

Only pairs that may pass are scored by rapidfuzz. Names the table cannot describe exactly
(very long, many tokens, unusual spacing) always pass.
"""

from __future__ import annotations

import numpy as np

BUCKETS = 38  # a-z, 0-9, space, anything else: merging characters only raises a bound
SPACE = 36
MAX_TOKENS = 8  # names with more distinct tokens always pass
FEW_TOKENS = 3  # most names: their pairs are compared on three columns, not eight
MAX_LENGTH = 255  # character counts are stored in a byte
TOLERANCE = 1e-6  # rapidfuzz's float arithmetic against ours
CHUNK = 262_144  # pairs per NumPy pass (bounded memory)
WORDS = 5  # BUCKETS bytes, padded, as 64-bit words
LANES = np.uint64(0x00FF00FF00FF00FF)  # every other byte of a word


def _byte_buckets() -> np.ndarray:
    table = np.full(256, BUCKETS - 1, dtype=np.int64)
    for offset, first, last in ((0, "a", "z"), (26, "0", "9")):
        codes = np.arange(ord(first), ord(last) + 1)
        table[codes] = offset + np.arange(len(codes))
    table[ord(" ")] = SPACE
    return table


BYTE_BUCKET = _byte_buckets()


def histograms(texts: list[str]) -> np.ndarray:
    """(len(texts), BUCKETS) character counts; a non-ASCII character counts once per byte
    of its UTF-8 form, which only raises the overlap bound."""
    data = np.frombuffer("".join(texts).encode("utf-8"), dtype=np.uint8)
    sizes = np.fromiter((len(t.encode("utf-8")) for t in texts), dtype=np.int64, count=len(texts))
    owner = np.repeat(np.arange(len(texts)), sizes)
    flat = np.bincount(owner * BUCKETS + BYTE_BUCKET[data], minlength=len(texts) * BUCKETS)
    return np.minimum(flat, MAX_LENGTH).reshape(len(texts), BUCKETS).astype(np.uint8)


# The table's columns: (dtype, leading shape, the axis names grow along); a column is an
# array with room to grow, read through a view of the names filled so far.
COLUMNS = {
    "hist": (np.uint64, (0, WORDS), 0),  # the name's characters, as five 64-bit words
    "set_hist": (np.uint64, (0, WORDS), 0),  # the same for its sorted distinct tokens
    "length": (np.int64, (0,), 0),
    "spaces": (np.int64, (0,), 0),
    "set_length": (np.int64, (0,), 0),
    # distinct token ids (-1 pads) and their lengths + 1, a row per token position
    "token_columns": (np.int32, (MAX_TOKENS, 0), 1),
    "weight_columns": (np.int32, (MAX_TOKENS, 0), 1),
    "token_count": (np.int32, (0,), 0),
    "always": (bool, (0,), 0),  # names the bounds cannot describe
    "repeats": (bool, (0,), 0),  # names with a token twice
    "name_array": (object, (0,), 0),  # `names`, for NumPy's gathers
}


class NameTable:
    """Every name seen, by id, with the figures `could_reach` reads (filled in bulk).

    Each column keeps room to grow (doubling), so that a refresh after every batch of an
    import copies only the new names' figures, not the whole table again.
    """

    hist: np.ndarray
    set_hist: np.ndarray
    length: np.ndarray
    spaces: np.ndarray
    set_length: np.ndarray
    token_columns: np.ndarray
    weight_columns: np.ndarray
    token_count: np.ndarray
    always: np.ndarray
    repeats: np.ndarray
    name_array: np.ndarray

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.names: list[str] = []
        self.token_ids: dict[str, int] = {}
        self._ready = 0  # names whose figures are computed
        self._room: dict[str, np.ndarray] = {}
        for column, (dtype, shape, _) in COLUMNS.items():
            self._room[column] = np.zeros(shape, dtype=dtype)
            setattr(self, column, self._room[column])

    def id_of(self, name: str) -> int:
        """The name's id, given on first sight."""
        found = self.ids.get(name)
        if found is None:
            found = self.ids[name] = len(self.names)
            self.names.append(name)
        return found

    def refresh(self) -> None:
        """Compute the figures of the names added since the last call."""
        fresh = self.names[self._ready :]
        if not fresh:
            return
        token_sets = [sorted(set(name.split())) for name in fresh]
        distinct = [" ".join(tokens) for tokens in token_sets]
        hist, set_hist = histograms(fresh), histograms(distinct)
        length = np.fromiter(map(len, fresh), dtype=np.int64, count=len(fresh))
        set_length = np.fromiter(map(len, distinct), dtype=np.int64, count=len(fresh))
        tokens = np.full((MAX_TOKENS, len(fresh)), -1, dtype=np.int32)
        weights = np.zeros((MAX_TOKENS, len(fresh)), dtype=np.int32)
        always = np.zeros(len(fresh), dtype=bool)
        for row, (name, token_set) in enumerate(zip(fresh, token_sets, strict=True)):
            always[row] = (
                len(token_set) > MAX_TOKENS
                or len(name.encode("utf-8")) > MAX_LENGTH
                or name != " ".join(name.split())
            )
            for column, token in enumerate(token_set[:MAX_TOKENS]):
                tokens[column, row] = self.token_ids.setdefault(token, len(self.token_ids))
                weights[column, row] = len(token) + 1
        names = np.empty(len(fresh), dtype=object)
        names[:] = fresh
        self._append(
            hist=_words(hist),
            set_hist=_words(set_hist),
            length=length,
            spaces=hist[:, SPACE].astype(np.int64),
            set_length=set_length,
            token_columns=tokens,
            weight_columns=weights,
            token_count=(tokens >= 0).sum(axis=0),
            always=always,
            repeats=set_length != length,
            name_array=names,
        )
        self._ready = len(self.names)

    def _append(self, **parts: np.ndarray) -> None:
        """Add the fresh names' figures after the `_ready` names of every column."""
        start, stop = self._ready, len(self.names)
        for column, part in parts.items():
            axis = COLUMNS[column][2]
            room = self._room[column]
            if room.shape[axis] < stop:
                shape = list(room.shape)
                shape[axis] = max(stop, 2 * room.shape[axis])
                grown = np.zeros(shape, dtype=room.dtype)
                kept = (slice(None),) * axis + (slice(0, start),)
                grown[kept] = room[kept]
                room = self._room[column] = grown
            filled = (slice(None),) * axis + (slice(start, stop),)
            room[filled] = part
            setattr(self, column, room[(slice(None),) * axis + (slice(0, stop),)])


def could_reach(table: NameTable, left: np.ndarray, right: np.ndarray, cutoff: float) -> np.ndarray:
    """For each pair of name ids, False only when no scorer can reach `cutoff` (0-100)."""
    table.refresh()
    keep = np.zeros(len(left), dtype=bool)
    for start in range(0, len(left), CHUNK):
        part = slice(start, start + CHUNK)
        keep[part] = _chunk(table, left[part], right[part], cutoff - TOLERANCE)
    return keep


def _chunk(table: NameTable, a: np.ndarray, b: np.ndarray, cutoff: float) -> np.ndarray:
    keep = table.always[a] | table.always[b] | _shared_tokens_reach(table, a, b, cutoff)
    keep |= _overlap_reaches(table, a, b, cutoff, ~keep)
    return keep


def _reaches(common: np.ndarray, total: np.ndarray, cutoff: float) -> np.ndarray:
    """Whether an Indel ratio `200 * common / total` can reach the cut-off."""
    return 200 * common >= cutoff * total


def _shared_tokens_reach(
    table: NameTable, a: np.ndarray, b: np.ndarray, cutoff: float
) -> np.ndarray:
    """`token_set_ratio`'s intersection parts, exactly: `200 * s / (s + len(a'))`, with `a'`
    the shorter name's distinct tokens joined (100 when one token set holds the other)."""
    joined = np.zeros(len(a), dtype=np.int64)  # the shared tokens, joined
    widest = np.maximum(table.token_count[a], table.token_count[b])
    for low, high in ((0, FEW_TOKENS), (FEW_TOKENS, MAX_TOKENS)):
        rows = np.flatnonzero((widest > low) & (widest <= high))
        joined[rows] = _shared_length(table, a[rows], b[rows], high)
    closest = np.minimum(table.set_length[a], table.set_length[b])
    return (joined > 0) & _reaches(joined, joined + closest, cutoff)


def _shared_length(table: NameTable, a: np.ndarray, b: np.ndarray, width: int) -> np.ndarray:
    """`len(" ".join(shared tokens))` for names of at most `width` distinct tokens (-1 when
    they share none), comparing token ids column by column (short columns are faster than
    one wide matrix)."""
    columns, weights = table.token_columns, table.weight_columns
    right = [columns[k][b] for k in range(width)]
    joined = np.full(len(a), -1, dtype=np.int64)
    for column in range(width):
        left = columns[column][a]
        shared = left == right[0]
        for other in right[1:]:
            shared |= left == other
        shared &= left >= 0
        joined += weights[column][a] * shared
    return joined


def _overlap_reaches(
    table: NameTable, a: np.ndarray, b: np.ndarray, cutoff: float, open_: np.ndarray
) -> np.ndarray:
    """The histogram bounds, on the pairs still open whose lengths allow a pass."""
    found = np.zeros(len(a), dtype=bool)
    length_a, length_b = table.length[a], table.length[b]
    tight_a, tight_b = length_a - table.spaces[a], length_b - table.spaces[b]
    set_a, set_b = table.set_length[a], table.set_length[b]
    near = open_ & (
        _reaches(np.minimum(length_a, length_b), length_a + length_b, cutoff)
        | _reaches(np.minimum(tight_a, tight_b), tight_a + tight_b, cutoff)
        | _reaches(np.minimum(set_a, set_b), set_a + set_b, cutoff)
    )
    rows = np.flatnonzero(near)
    if not len(rows):
        return found
    x, y = a[rows], b[rows]
    common = _common(table.hist, x, y)
    space = np.minimum(table.spaces[x], table.spaces[y])
    common_set = common.copy()  # the same strings unless a name repeats a token
    repeats = np.flatnonzero(table.repeats[x] | table.repeats[y])
    common_set[repeats] = _common(table.set_hist, x[repeats], y[repeats])
    found[rows] = (
        _reaches(common, length_a[rows] + length_b[rows], cutoff)
        | _reaches(common - space, tight_a[rows] + tight_b[rows], cutoff)
        | _reaches(common_set, set_a[rows] + set_b[rows], cutoff)
    )
    return found


def _words(counts: np.ndarray) -> np.ndarray:
    """(n, BUCKETS) byte counts as (n, WORDS) 64-bit words, zero-padded."""
    padded = np.zeros((len(counts), WORDS * 8), dtype=np.uint8)
    padded[:, : counts.shape[1]] = counts
    return padded.view(np.uint64)


def _common(words: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """`sum(min(counts[x], counts[y]))` per pair: the byte-wise minimum of the two rows, its
    bytes added in pairs into 16-bit lanes, the words added, then the four lanes (at most
    4 * 5 * 2 * 255 = 10,200: no lane overflows). `np.take` gathers rows several times
    faster than fancy indexing, and this sum is faster than a reduction over 38 bytes."""
    left, right = np.take(words, x, axis=0), np.take(words, y, axis=0)
    low = np.minimum(left.view(np.uint8), right.view(np.uint8)).view(np.uint64)
    pairs = (low & LANES) + ((low >> np.uint64(8)) & LANES)
    total = pairs[:, 0].copy()
    for column in range(1, WORDS):
        total += pairs[:, column]
    return ((total * np.uint64(0x0001000100010001)) >> np.uint64(48)).astype(np.int64)
