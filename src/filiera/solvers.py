"""What every optimisation in Filiera shares: a HiGHS instance that prints nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import highspy


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
