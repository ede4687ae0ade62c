"""The schedule being built: who is busy when, how full each slot is, with undo.

Every change goes through `put` and `take`, which keep the masks consistent and log
themselves, so a tentative chain of moves can be rolled back to a savepoint.
"""

from __future__ import annotations

from filiera.events.problem import Problem, idle_slots


class Board:
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.busy = [0] * len(problem.people)
        self.at: list[dict[int, int]] = [{} for _ in problem.people]
        self.load = [0] * len(problem.slots)
        self.inside: list[set[int]] = [set() for _ in problem.slots]
        self.full = sum(1 << s for s, c in enumerate(problem.capacity) if c == 0)
        self.slot_of = [-1] * len(problem.members)
        self.weight = 0
        self.log: list[tuple[str, int, int]] = []

    # --- changes -------------------------------------------------------------------------

    def put(self, r: int, s: int) -> None:
        bit = 1 << s
        for p in self.problem.members[r]:
            self.busy[p] |= bit
            self.at[p][s] = r
        self.load[s] += 1
        self.inside[s].add(r)
        if self.load[s] >= self.problem.capacity[s]:
            self.full |= bit
        self.slot_of[r] = s
        self.weight += self.problem.weight[r]
        self.log.append(("put", r, s))

    def take(self, r: int) -> int:
        s = self.slot_of[r]
        bit = 1 << s
        for p in self.problem.members[r]:
            self.busy[p] &= ~bit
            del self.at[p][s]
        self.load[s] -= 1
        self.inside[s].discard(r)
        if self.load[s] < self.problem.capacity[s]:
            self.full &= ~bit
        self.slot_of[r] = -1
        self.weight -= self.problem.weight[r]
        self.log.append(("take", r, s))
        return s

    def savepoint(self) -> int:
        return len(self.log)

    def rollback(self, savepoint: int) -> None:
        while len(self.log) > savepoint:
            action, r, s = self.log[-1]
            if action == "put":
                self.take(r)
            else:
                self.put(r, s)
            self.log.pop()  # the undo's own entry
            self.log.pop()  # the entry undone

    def forget(self) -> None:
        """Drop the log once a change is final (keeps memory flat on long runs)."""
        self.log.clear()

    # --- questions -----------------------------------------------------------------------

    def open_slots(self, r: int) -> int:
        """Slots `r` could take now: all members free, a table left."""
        mask = self.problem.candidates[r] & ~self.full
        for p in self.problem.members[r]:
            mask &= ~self.busy[p]
        return mask

    def placed(self, r: int) -> bool:
        return self.slot_of[r] >= 0

    def meetings_of(self, p: int) -> int:
        return self.busy[p].bit_count()

    def idle(self, p: int) -> int:
        return idle_slots(self.busy[p], self.problem.free[p], self.problem.day_masks)

    def blockers(self, r: int, s: int) -> set[int]:
        """The meetings in slot `s` that hold one of `r`'s members."""
        found = set()
        for p in self.problem.members[r]:
            other = self.at[p].get(s)
            if other is not None:
                found.add(other)
        return found
