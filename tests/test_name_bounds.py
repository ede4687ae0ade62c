"""The batch resolver's score bounds never drop a pair rapidfuzz would let through."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.registry.batch_resolve import CUTOFF, scored_pairs, similar_pairs
from filiera.registry.name_bounds import MAX_TOKENS, NameTable, could_reach, histograms

# Tokens that share letters, prefixes and whole words, so that every scorer has near misses.
WORDS = ["alpha", "alp", "alpah", "aero", "aereo", "space", "spa", "systems", "sys", "3d"]
WORDS += ["optimus", "optimus3d", "di", "torino", "trento", "ab", "ba", "x", "é", "défense"]
token = st.one_of(st.sampled_from(WORDS), st.text("abcdeé3 ", min_size=1, max_size=9))
name = st.lists(token, min_size=1, max_size=MAX_TOKENS + 2).map(" ".join)


def kept_and_passed(left: list[str], right: list[str]) -> tuple[np.ndarray, np.ndarray]:
    table = NameTable()
    a = np.array([table.id_of(n) for n in left])
    b = np.array([table.id_of(n) for n in right])
    return could_reach(table, a, b, CUTOFF), scored_pairs(left, right)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(name, name), min_size=1, max_size=40))
def test_no_pair_that_a_scorer_passes_is_dropped(pairs: list[tuple[str, str]]) -> None:
    left, right = [a for a, _ in pairs], [b for _, b in pairs]
    kept, passed = kept_and_passed(left, right)
    missed = [pairs[i] for i in np.flatnonzero(passed & ~kept)]
    assert not missed


def test_the_bounds_drop_most_unrelated_pairs_and_keep_the_near_ones() -> None:
    near = [
        ("optimus 3d systems", "optimus 3d"),  # one token set inside the other: 100
        ("aerospace systems", "aerospace sytems"),  # a typo
        ("optimus 3d", "optimus3d"),  # the same letters without spaces
        ("alpha alpha beta", "alpha beta"),  # a repeated token
    ]
    far = [
        ("optimus 3d systems", "alpha torino"),
        ("aerospace systems", "space systems di trento"),
        ("alpha beta", "gamma delta"),
    ]
    left, right = zip(*near + far, strict=True)
    kept, passed = kept_and_passed(list(left), list(right))
    assert passed.tolist() == [True] * len(near) + [False] * len(far)
    assert kept.tolist() == passed.tolist()


def test_names_the_bounds_cannot_describe_always_pass() -> None:
    odd = ["double  space", "tab\tname", " ".join(f"w{i}" for i in range(MAX_TOKENS + 1))]
    kept, _ = kept_and_passed(odd, ["zzz"] * len(odd))
    assert kept.all()


def test_similar_pairs_scores_only_what_the_bounds_keep(monkeypatch) -> None:
    scored: list[int] = []
    import filiera.registry.batch_resolve as batch

    real = batch.scored_pairs

    def counting(queries: list[str], choices: list[str]) -> np.ndarray:
        scored.append(len(queries))
        return real(queries, choices)

    monkeypatch.setattr(batch, "scored_pairs", counting)
    table = NameTable()
    names = ["leonardo", "leonardo spa aerospace", "leonard", "fincantieri", "thales alenia"]
    ids = np.array([table.id_of(n) for n in names])
    left, right = np.repeat(ids[:1], len(ids)), ids
    hits = similar_pairs(table, left, right)
    assert hits.tolist() == scored_pairs(["leonardo"] * len(names), names).tolist()
    assert scored == [3]  # itself, the name containing it, the typo


def test_histograms_count_letters_digits_spaces_and_the_rest() -> None:
    counts = histograms(["ab a", "é9"])
    assert counts[0, 0] == 2 and counts[0, 1] == 1 and counts[0, 36] == 1
    assert counts[1, 35] == 1 and counts[1, 37] == 2  # é is two UTF-8 bytes: "other"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(name, max_size=12), min_size=1, max_size=8))
def test_a_table_filled_batch_by_batch_holds_what_one_filled_at_once_holds(
    batches: list[list[str]],
) -> None:
    """An import refreshes the table after every batch; its columns grow in place."""
    stepwise, at_once = NameTable(), NameTable()
    for batch in batches:
        for n in batch:
            stepwise.id_of(n)
        stepwise.refresh()
    for n in (n for batch in batches for n in batch):
        at_once.id_of(n)
    at_once.refresh()
    columns = ("hist", "set_hist", "length", "spaces", "set_length", "token_columns")
    columns += ("weight_columns", "token_count", "always", "repeats", "name_array")
    for column in columns:
        assert np.array_equal(getattr(stepwise, column), getattr(at_once, column)), column
        assert getattr(stepwise, column).shape[-1 if column.endswith("columns") else 0] == len(
            at_once.names
        )


def test_the_verdicts_do_not_depend_on_how_many_pairs_a_pass_takes(monkeypatch) -> None:
    """`could_reach` works through the pairs CHUNK at a time (bounded memory); a pass
    boundary anywhere gives the same verdicts."""
    names = [" ".join(WORDS[i % len(WORDS) : i % len(WORDS) + 1 + i % 3]) for i in range(60)]
    table = NameTable()
    ids = np.array([table.id_of(n) for n in names])
    left, right = np.repeat(ids, len(ids)), np.tile(ids, len(ids))
    whole = could_reach(table, left, right, CUTOFF)
    assert 0 < whole.sum() < len(whole)
    for size in (1, 7, 1000):
        monkeypatch.setattr("filiera.registry.name_bounds.CHUNK", size)
        assert np.array_equal(could_reach(table, left, right, CUTOFF), whole)
