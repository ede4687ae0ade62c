"""An upper bound on any schedule's weight: the certificate the organiser reads.

Forget which slot each meeting takes and keep only what every schedule must respect:
a meeting needs a slot all its members are free in; a participant meets at most once per
free slot (in total, and on each day); a slot holds at most its tables and at most half of
the people free in it. Choosing the meetings under those limits is a b-matching, solved
with HiGHS; as a MIP its dual bound is a valid, tighter bound, and its solution says which
meetings a schedule should aim for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np

from filiera import solvers
from filiera.events.problem import Problem


@dataclass
class Bound:
    value: float  # no schedule weighs more
    chosen: list[float]  # per request: the relaxation's value (1.0 = aim for it)
    method: str  # "lp", "mip" (proved optimal selection) or "mip-limit"


def _slot_total(problem: Problem) -> int:
    """Meetings that fit in all slots: tables, and two people per meeting."""
    total = 0
    for index, tables in enumerate(problem.capacity):
        present = sum(1 for free in problem.free if free >> index & 1)
        total += min(tables, present // 2)
    return total


def _rows(problem: Problem, columns: list[int]) -> list[tuple[list[int], float]]:
    """(column indices, upper limit) per constraint; columns index the placeable requests."""
    position = {r: i for i, r in enumerate(columns)}
    rows: list[tuple[list[int], float]] = []
    for person, requests in enumerate(problem.of_person):
        mine = [r for r in requests if r in position]
        free = problem.free[person]
        if len(mine) > free.bit_count():
            rows.append(([position[r] for r in mine], free.bit_count()))
        for day in problem.day_masks:
            inside = [r for r in mine if problem.candidates[r] & ~day == 0]
            if len(inside) > (free & day).bit_count():
                rows.append(([position[r] for r in inside], (free & day).bit_count()))
    rows.append((list(range(len(columns))), _slot_total(problem)))
    return rows


def upper_bound(problem: Problem, *, time_limit: float = 10.0, integral: bool = True) -> Bound:
    """The bound, and the meetings the relaxation picks (locked ones are always in)."""
    columns = [r for r, mask in enumerate(problem.candidates) if mask or r in problem.locked]
    chosen = [0.0] * len(problem.candidates)
    if not columns:
        return Bound(0.0, chosen, "lp")
    solver = solvers.highs(time_limit)
    count = len(columns)
    lower = np.array([1.0 if r in problem.locked else 0.0 for r in columns])
    solver.addVars(count, lower, np.ones(count))
    weights = np.array([float(problem.weight[r]) for r in columns])
    solver.changeColsCost(count, np.arange(count, dtype=np.int32), weights)
    rows = _rows(problem, columns)
    starts = np.cumsum([0] + [len(index) for index, _ in rows[:-1]]).astype(np.int32)
    index = np.fromiter((i for idx, _ in rows for i in idx), dtype=np.int32)
    solver.addRows(
        len(rows),
        np.full(len(rows), -highspy.kHighsInf),
        np.array([float(limit) for _, limit in rows]),
        len(index),
        starts,
        index,
        np.ones(len(index)),
    )
    if integral:
        kinds = np.full(count, highspy.HighsVarType.kInteger)
        solver.changeColsIntegrality(count, np.arange(count, dtype=np.int32), kinds)
        solver.setOptionValue("mip_rel_gap", 1e-6)
    solver.changeObjectiveSense(highspy.ObjSense.kMaximize)
    solver.run()
    info = solver.getInfo()
    values = solver.getSolution().col_value
    for position, r in enumerate(columns):
        chosen[r] = float(values[position])
    if integral:
        dual = info.mip_dual_bound
        value = dual if math.isfinite(dual) else float(weights.sum())
        optimal = solver.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return Bound(math.floor(value + 1e-6), chosen, "mip" if optimal else "mip-limit")
    return Bound(math.floor(info.objective_function_value + 1e-6), chosen, "lp")
