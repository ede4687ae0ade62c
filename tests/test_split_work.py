"""`split_map`: the plain loop's results and errors, with a forked child doing the tail."""

from __future__ import annotations

import logging
import os
import time

import pytest

from filiera.imports import split_work
from filiera.imports.split_work import split_map

PARENT = os.getpid()


def square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(split_work, "MIN_ITEMS", 10)
    monkeypatch.setattr(split_work, "CHUNK", 7)  # several messages, the last one short


def test_two_processes_give_the_loops_results_in_order() -> None:
    calls: list[str] = []
    found = split_map(square_and_pid, range(100), lambda: calls.append("indexed"), processes=2)
    assert [value for value, _ in found] == [n * n for n in range(100)]
    assert calls == ["indexed"]
    pids = [pid for _, pid in found]
    here = os.getpid()
    cut = 100 - int(100 * split_work.CHILD_SHARE)
    assert pids[:cut] == [here] * cut  # the head here, the tail in one child
    assert here not in pids[cut:] and len(set(pids[cut:])) == 1


def test_one_process_or_few_items_stay_here() -> None:
    here = os.getpid()
    assert {pid for _, pid in split_map(square_and_pid, range(100))} == {here}
    assert {pid for _, pid in split_map(square_and_pid, range(5), processes=2)} == {here}


def fails_in_the_child_at_70(n: int) -> int:
    if n == 70 and os.getpid() != PARENT:
        raise RuntimeError("child only")
    return n + 1


def dies_in_the_child_at_80(n: int) -> int:
    if n == 80 and os.getpid() != PARENT:
        os._exit(3)
    return n + 1


def hangs_in_the_child(n: int) -> int:
    if os.getpid() != PARENT:
        time.sleep(120)  # a lock that will never be released
    return n + 1


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_a_stuck_child_is_stopped_and_its_share_done_here(monkeypatch) -> None:
    monkeypatch.setattr(split_work, "GRACE_SECONDS", 0.5)
    kept = Kept()
    split_work.log.addHandler(kept)
    try:
        found = split_map(hangs_in_the_child, range(100), processes=2)
    finally:
        split_work.log.removeHandler(kept)
    assert found == [n + 1 for n in range(100)]
    assert any("child process failed or stalled" in m for m in kept.messages)  # not waited for


@pytest.mark.parametrize("func", [fails_in_the_child_at_70, dies_in_the_child_at_80])
def test_a_child_that_fails_or_dies_leaves_the_rest_to_the_parent(func) -> None:
    assert os.getpid() == PARENT  # the test's own process
    assert split_map(func, range(100), processes=2) == [n + 1 for n in range(100)]


def fails_at_90(n: int) -> int:
    if n == 90:
        raise ValueError(f"bad item {n}")
    return n


def test_an_error_of_the_function_reaches_the_caller_as_in_the_loop() -> None:
    with pytest.raises(ValueError, match="bad item 90"):
        split_map(fails_at_90, range(100), processes=2)
