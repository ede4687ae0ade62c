"""What every optimisation in Filiera shares: a HiGHS instance that prints nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import highspy
import numpy as np


@contextmanager
def quiet() -> Iterator[None]:
    """HiGHS prints its banner on stdout at construction; keep `--json` output clean."""
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (some test runners)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def highs(time_limit: float | None = None) -> highspy.Highs:
    """A silent HiGHS solver, optionally with a time limit in seconds."""
    with quiet():
        solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    if time_limit is not None:
        solver.setOptionValue("time_limit", max(0.01, float(time_limit)))
    return solver


class Model:
    """A thin row builder over highspy's low-level interface (fast for 10^4 columns)."""

    def __init__(self) -> None:
        self.h = highs()
        self.cols = 0
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[list[int], list[float], float, float]] = []

    def var(
        self, cost: float, lower: float = 0.0, upper: float = 1.0, integer: bool = False
    ) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        if integer:
            self.integer.append(self.cols)
        self.cols += 1
        return self.cols - 1

    def row(self, index: list[int], value: list[float], lower: float, upper: float) -> None:
        self.rows.append((index, value, lower, upper))

    def load(self, *, maximise: bool = True) -> None:
        h = self.h
        h.addVars(self.cols, np.array(self.lower), np.array(self.upper))
        h.changeColsCost(self.cols, np.arange(self.cols, dtype=np.int32), np.array(self.cost))
        if self.integer:
            kinds = np.full(len(self.integer), highspy.HighsVarType.kInteger)
            h.changeColsIntegrality(
                len(self.integer), np.array(self.integer, dtype=np.int32), kinds
            )
        self.add_rows(self.rows)
        sense = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
        h.changeObjectiveSense(sense)

    def add_rows(self, rows: list[tuple[list[int], list[float], float, float]]) -> None:
        if not rows:
            return
        starts, index, value = [], [], []
        for idx, val, _, _ in rows:
            starts.append(len(index))
            index.extend(idx)
            value.extend(val)
        self.h.addRows(
            len(rows),
            np.array([r[2] for r in rows]),
            np.array([r[3] for r in rows]),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value, dtype=np.float64),
        )
