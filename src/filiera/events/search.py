"""Placing meetings: a first fit that keeps agendas compact, then chains of moves.

- `place_compactly` puts a meeting in the free slot that adds the fewest idle slots to
  its members' days (filling a hole first, then next to a meeting, then the earliest).
- `insert` places a meeting whose slots are all blocked by moving the blocking meetings
  elsewhere, recursively up to a depth (an ejection chain, as in edge colouring).
- `evict` places a heavier meeting by dropping lighter ones, that then try to find room.
- `befriend` gives a participant without any meeting one, by swapping out a meeting of
  equal weight whose members keep another meeting.
- `compact` moves meetings to slots that close idle gaps.
Locked meetings never move; kept ones (from the previous schedule) may move, never drop.
"""

from __future__ import annotations

import random
import time

from filiera.events.board import Board
from filiera.events.problem import bits


class Search:
    def __init__(self, board: Board, *, seed: int, deadline: float) -> None:
        self.board = board
        self.problem = board.problem
        self.random = random.Random(seed)
        self.deadline = deadline
        self.pinned: set[int] = set()  # locked: never moves
        self.kept: set[int] = set()  # from the previous schedule: may move, never drops
        self.budget = 0

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    # --- placing -------------------------------------------------------------------------

    def added_idle(self, p: int, s: int) -> int:
        """How many idle slots meeting in `s` adds to `p`'s day (negative: fills a hole)."""
        board, problem = self.board, self.problem
        busy = board.busy[p]
        for day in problem.day_masks:
            if day >> s & 1:
                mine = busy & day
                if not mine:
                    return 0
                low = (mine & -mine).bit_length() - 1
                high = mine.bit_length() - 1
                if low < s < high:
                    return -1
                lo, hi = (s, low) if s < low else (high, s)
                between = ((1 << hi) - (1 << (lo + 1))) & problem.free[p] & ~busy
                return between.bit_count()
        return 0

    def best_slot(self, r: int, mask: int) -> int:
        members = self.problem.members[r]
        best, best_cost = -1, None
        for s in bits(mask):
            cost = sum(self.added_idle(p, s) for p in members)
            if best_cost is None or cost < best_cost:
                best, best_cost = s, cost
                if cost < 0:
                    break
        return best

    def place_compactly(self, r: int) -> bool:
        mask = self.board.open_slots(r)
        if not mask:
            return False
        self.board.put(r, self.best_slot(r, mask))
        return True

    def place_at_previous(self, r: int, s: int) -> bool:
        if self.board.open_slots(r) >> s & 1:
            self.board.put(r, s)
            return True
        return False

    # --- chains of moves -----------------------------------------------------------------

    def insert(self, r: int, depth: int, banned: frozenset[int] = frozenset()) -> bool:
        """Place `r`, moving blocking meetings (recursively, `depth` levels) if needed."""
        if self.place_compactly(r):
            return True
        if depth == 0 or self.budget <= 0 or self.saturated(r):
            return False
        board = self.board
        banned = banned | {r}
        options = []
        for s in bits(self.problem.candidates[r]):
            blocking = board.blockers(r, s)
            extra = board.load[s] - len(blocking) - self.problem.capacity[s] + 1
            if blocking & (self.pinned | banned) or extra > 0 and not blocking and depth < 2:
                continue
            options.append((len(blocking) + max(0, extra), self.random.random(), s, blocking))
        options.sort()
        for _, _, s, blocking in options[: 6 if depth > 1 else 12]:
            self.budget -= 1
            if self.budget <= 0:
                return False
            mark = board.savepoint()
            if self.move_through(r, s, blocking, depth, banned):
                return True
            board.rollback(mark)
        return False

    def saturated(self, r: int) -> bool:
        """A member meets someone in every slot `r` could use: moves alone cannot help."""
        shared = self.problem.candidates[r]
        return any(self.board.busy[p] & shared == shared for p in self.problem.members[r])

    def move_through(
        self, r: int, s: int, blocking: set[int], depth: int, banned: frozenset[int]
    ) -> bool:
        """Take the blockers out of `s`, put `r` there, and find the blockers new slots."""
        board = self.board
        for b in blocking:
            board.take(b)
        movers = []
        while board.full >> s & 1:  # still no table: move another meeting out of slot s
            others = [m for m in board.inside[s] if m not in self.pinned and m not in banned]
            if not others:
                return False
            mover = min(others, key=lambda m: board.open_slots(m) == 0)
            board.take(mover)
            movers.append(mover)
        board.put(r, s)
        banned = banned | blocking | set(movers)
        return all(self.insert(b, depth - 1, banned) for b in [*blocking, *movers])

    # --- alternating paths (Kempe chains) -----------------------------------------------------

    def kempe(self, r: int) -> bool:
        """Place pair `r` = (u, v) in a slot s where u is free: v's meeting there moves to a
        slot t where v is free, the meeting that blocks it there moves to s, and so on along
        the path, as in the proof of Vizing's theorem."""
        members = self.problem.members[r]
        if len(members) != 2:
            return False
        board, problem = self.board, self.problem
        for u, v in (members, members[::-1]):
            for s in bits(problem.candidates[r] & ~board.busy[u]):
                for t in bits(problem.free[v] & ~board.busy[v] & ~(1 << s)):
                    path = self.alternating_path(u, v, s, t)
                    if path and self.tables_allow(s, t, len(path)) and self.shift(r, s, path):
                        return True
        return False

    def alternating_path(self, u: int, v: int, s: int, t: int) -> list[tuple[int, int]] | None:
        """[(meeting, new slot)...] freeing v at s, or None (a locked or group meeting, an
        unavailable member, u drawn into s, or a loop)."""
        board, problem = self.board, self.problem
        path: list[tuple[int, int]] = []
        seen: set[int] = set()
        x, a, b = v, s, t
        m = board.at[v].get(s)
        while m is not None:
            if m in self.pinned or m in seen or len(problem.members[m]) != 2:
                return None
            if not problem.candidates[m] >> b & 1:
                return None
            seen.add(m)
            path.append((m, b))
            y = problem.members[m][1] if problem.members[m][0] == x else problem.members[m][0]
            if b == s and y == u:
                return None
            if len(path) > 40:
                return None
            x, m = y, board.at[y].get(b)
            a, b = b, a
        return path

    def tables_allow(self, s: int, t: int, length: int) -> bool:
        """An odd path moves one meeting more into t; an even one leaves r's table in s."""
        full_slot = t if length % 2 else s
        return self.board.load[full_slot] < self.problem.capacity[full_slot]

    def shift(self, r: int, s: int, path: list[tuple[int, int]]) -> bool:
        board, capacity = self.board, self.problem.capacity
        mark = board.savepoint()
        for m, _ in path:
            board.take(m)
        for m, target in path:
            board.put(m, target)
        if all(board.load[t] <= capacity[t] for _, t in path) and board.open_slots(r) >> s & 1:
            board.put(r, s)
            return True
        board.rollback(mark)
        return False

    # --- trading weight --------------------------------------------------------------------

    def evict(self, r: int, unplaced: list[int]) -> bool:
        """Place `r` by dropping lighter meetings (never locked or kept ones) if the total
        weight grows; the dropped ones try chains first and are queued if they fail."""
        board, weight = self.board, self.problem.weight
        best = None
        for s in bits(self.problem.candidates[r]):
            blocking = board.blockers(r, s)
            if blocking & (self.pinned | self.kept):
                continue
            loss = sum(weight[b] for b in blocking)
            if board.load[s] - len(blocking) >= self.problem.capacity[s]:
                lightest = self.lightest_in(s, blocking)
                if lightest is None:
                    continue
                blocking = blocking | {lightest}
                loss += weight[lightest]
            if loss < weight[r] and (best is None or loss < best[0]):
                best = (loss, s, blocking)
        if best is None:
            return False
        _, s, blocking = best
        mark = board.savepoint()
        for b in blocking:
            board.take(b)
        board.put(r, s)
        lost = 0
        for b in blocking:
            self.budget = 200
            if not self.insert(b, 2, frozenset({r})):
                lost += weight[b]
                unplaced.append(b)
        if lost >= weight[r]:
            board.rollback(mark)
            for b in blocking:
                if b in unplaced:
                    unplaced.remove(b)
            return False
        return True

    def lightest_in(self, s: int, besides: set[int]) -> int | None:
        movable = [
            m
            for m in self.board.inside[s]
            if m not in besides and m not in self.pinned and m not in self.kept
        ]
        return min(movable, key=lambda m: self.problem.weight[m], default=None)

    def befriend(self, p: int) -> bool:
        """Give participant `p` (no meeting yet) one, at no loss of weight."""
        board, problem = self.board, self.problem
        for r in sorted(problem.of_person[p], key=lambda r: -problem.weight[r]):
            if board.placed(r) or not problem.candidates[r]:
                continue
            self.budget = 300
            if self.insert(r, 2):
                return True
            for s in bits(problem.candidates[r]):
                blocking = board.blockers(r, s)
                if blocking & (self.pinned | self.kept) or board.full >> s & 1 and not blocking:
                    continue
                if sum(problem.weight[b] for b in blocking) > problem.weight[r]:
                    continue
                if not all(self.keeps_company(b, r) for b in blocking):
                    continue
                if self.swap_in(r, s, blocking):
                    return True
        return False

    def keeps_company(self, b: int, r: int) -> bool:
        """Dropping `b` leaves none of its members without a meeting."""
        inside_r = set(self.problem.members[r])
        return all(q in inside_r or self.board.meetings_of(q) >= 2 for q in self.problem.members[b])

    def swap_in(self, r: int, s: int, blocking: set[int]) -> bool:
        board, weight = self.board, self.problem.weight
        mark, before = board.savepoint(), board.weight
        for b in blocking:
            board.take(b)
        if board.full >> s & 1:
            board.rollback(mark)
            return False
        board.put(r, s)
        for b in blocking:
            self.budget = 200
            self.insert(b, 2, frozenset({r}))
        if board.weight < before or any(
            not board.placed(b) and weight[b] > 0 and not self.keeps_company(b, r) for b in blocking
        ):
            board.rollback(mark)
            return False
        return True

    # --- compact agendas -------------------------------------------------------------------

    def compact(self, order: list[int]) -> int:
        """Move meetings into slots that shrink their members' idle time; returns moves."""
        board, problem = self.board, self.problem
        moved = 0
        for r in order:
            if self.out_of_time():
                break
            s = board.slot_of[r]
            if s < 0 or r in self.pinned:
                continue
            members = problem.members[r]
            board.take(r)
            mask = board.open_slots(r)
            target, gain = s, 0
            here = sum(self.added_idle(p, s) for p in members)
            for t in bits(mask & ~(1 << s)):
                delta = here - sum(self.added_idle(p, t) for p in members)
                if delta > gain:
                    target, gain = t, delta
            board.put(r, target)
            moved += target != s
        board.forget()
        return moved

    def idle_change(self, r: int, s: int, t: int, skip: tuple[int, ...] = ()) -> int:
        """Idle slots saved for `r`'s members (but `skip`) if `r` left `s` for `t`."""
        board, gain = self.board, 0
        for p in self.problem.members[r]:
            if p in skip:
                continue
            before = board.idle(p)
            board.busy[p] ^= (1 << s) | (1 << t)
            gain += before - board.idle(p)
            board.busy[p] ^= (1 << s) | (1 << t)
        return gain

    def swap_slots(self, order: list[int]) -> int:
        """Exchange the slots of two meetings when it saves idle time (full slots allow no
        single move); returns the number of swaps."""
        board, problem = self.board, self.problem
        swaps = 0
        for r in order:
            if self.out_of_time():
                break
            s = board.slot_of[r]
            if s < 0 or r in self.pinned:
                continue
            members = problem.members[r]
            reachable = problem.candidates[r] & ~(1 << s)
            for p in members:
                reachable &= ~board.busy[p]
            best = None
            for t in bits(reachable & board.full):
                own = self.idle_change(r, s, t)
                if own <= 0:
                    continue
                for m in board.inside[t]:
                    if m in self.pinned or not problem.candidates[m] >> s & 1:
                        continue
                    if any(board.busy[q] >> s & 1 for q in problem.members[m]):
                        continue
                    gain = own + self.idle_change(m, t, s)
                    if gain > 0 and (best is None or gain > best[0]):
                        best = (gain, t, m)
            if best:
                _, t, m = best
                board.take(r)
                board.take(m)
                board.put(r, t)
                board.put(m, s)
                swaps += 1
        board.forget()
        return swaps
