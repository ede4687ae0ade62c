"""Resolution on a second core: a forked child decides each batch before the writer needs it.

`DecisionsAhead` forks a child that runs the batch resolver over the whole file, in order,
against the registry's index as it stood at the fork, adding to its copy of the index
what each record creates (or what a merge would make of the stored organisation). It
sends each batch's verdicts through a pipe and works on the next batch while the writer
(`BulkWriter`) stores and writes this one. Because the child sees every record in file
order, its verdicts are the ones the writer would reach itself, with two exceptions the
writer checks:

- an organisation the file creates has an id only once the writer stores it: the child
  numbers it `CHILD_IDS + its place in the file` (sorting after every stored organisation
  and in file order, as real ids do), and the writer maps the number back;
- a merge's result is read from the database by the writer; the child computes it
  (`merged_candidate`), and the writer compares.

When a merge differs, or the child fails, dies or stalls, the writer stops listening and
decides the rest itself: its own index is kept current record by record for that reason.
Every outcome is therefore the one a single process gives; the child only saves time. The
child never touches the database: it reads the index and records it inherited.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from filiera.registry.names import normalise_name
from filiera.registry.resolve import Candidate, Decision, city_key
from filiera.registry.schemas import OrganisationIn

if TYPE_CHECKING:
    from filiera.registry.batch_resolve import BatchResolver

MIN_RECORDS = 2_000  # below this a fork costs more than it saves
PATIENCE_SECONDS = 120.0  # a batch's verdicts later than this: the child is stuck
CHILD_IDS = 1 << 48  # the child's numbers for the organisations the file creates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """The child's decision on one record, and the candidate a merge gave in its index."""

    decision: Decision
    merged: Candidate | None = None


def merged_candidate(stored: Candidate, rec: OrganisationIn) -> Candidate:
    """What `candidate_of` reads after `writer.merge_into(stored organisation, rec)`."""
    names = (rec.name, rec.legal_name, *rec.aliases)
    keys = stored.name_keys | ({normalise_name(n) for n in names if n} - {""})
    idents = set(stored.identifiers)
    schemes = {scheme for scheme, _ in idents}
    for scheme, value in rec.identifiers.items():
        if scheme == "source_key" or scheme not in schemes:
            idents.add((scheme, value))
    city = stored.city or (city_key(rec.city) if rec.city else "")
    return Candidate(stored.org_id, frozenset(keys), stored.country, city, frozenset(idents))


def same_candidate(a: Candidate, b: Candidate) -> bool:
    """Equal but for the id (the child numbers new organisations its own way)."""
    return (a.name_keys, a.country, a.city, a.identifiers) == (
        b.name_keys,
        b.country,
        b.city,
        b.identifiers,
    )


class DecisionsAhead:
    """The writer's side: the child's verdicts, batch by batch, while they can be trusted."""

    def __init__(
        self, resolver: BatchResolver, records: Sequence[OrganisationIn], batch: int
    ) -> None:
        self.trusted = True
        self.created: dict[int, int] = {}  # place in the file -> id of what it created
        self.pair_counts: Counter[str] = Counter()
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_child, args=(resolver, records, batch, writer), daemon=True
        )
        self.child.start()
        writer.close()
        self.pipe = reader

    @classmethod
    def start(
        cls,
        resolver: BatchResolver,
        records: Sequence[OrganisationIn],
        batch: int,
        processes: int,
    ) -> DecisionsAhead | None:
        """A child at work when asked and worth it, else None."""
        if processes < 2 or len(records) < MIN_RECORDS or not _can_fork():
            return None
        return cls(resolver, records, batch)

    def batch(self) -> dict[int, Verdict]:
        """The next batch's verdicts by place in the file; empty once not trusted."""
        if not self.trusted:
            return {}
        try:
            if not self.pipe.poll(PATIENCE_SECONDS):
                self.stop("the child process stalled")
                return {}
            verdicts, counts = pickle.loads(self.pipe.recv_bytes())
        except (EOFError, OSError):
            self.stop("the child process failed")
            return {}
        self.pair_counts.update(counts)
        return verdicts

    def decision(self, verdict: Verdict) -> Decision:
        """The child's decision, with the real id of an organisation it saw created."""
        decision = verdict.decision
        if decision.org_id is None or decision.org_id < CHILD_IDS:
            return decision
        real = self.created[decision.org_id - CHILD_IDS]
        return Decision(decision.action, real, decision.score, list(decision.reasons))

    def after_merge(self, verdict: Verdict | None, result: Candidate) -> None:
        """Stop listening if a merge gave another candidate than the child assumed."""
        if verdict is not None and (
            verdict.merged is None or not same_candidate(verdict.merged, result)
        ):
            self.stop("a merge gave another organisation than the child process assumed")

    def stop(self, why: str) -> None:
        """Decide the rest here (the writer's index is current)."""
        if self.trusted:
            log.warning("resolution goes on in one process: %s", why)
        self.trusted = False
        self.close()

    def close(self) -> None:
        if self.child.is_alive():
            self.child.kill()
        self.child.join()
        self.pipe.close()


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _child(
    resolver: BatchResolver, records: Sequence[OrganisationIn], batch: int, pipe: Connection
) -> None:
    """In the forked process: every batch's verdicts, in order, through `pipe`.

    It ends with `os._exit`, without flushing the stdio buffers it inherited (a progress
    bar may have been drawing) and without running the parent's exit handlers.
    """
    from filiera.registry.bulk import new_candidate
    from filiera.registry.writer import incoming

    code = 1
    try:
        for start in range(0, len(records), batch):
            chunk = records[start : start + batch]
            arriving = [incoming(rec) for rec in chunk]
            resolver.pair_counts = Counter()
            resolver.prepare(arriving)
            verdicts: dict[int, Verdict] = {}
            for index, (rec, arrival) in enumerate(zip(chunk, arriving, strict=True), start):
                decision = resolver.decide(arrival)
                if decision.action == "same":
                    merged = merged_candidate(resolver.candidates[decision.org_id], rec)
                    verdicts[index] = Verdict(decision, merged)
                    resolver.add(merged)
                else:
                    verdicts[index] = Verdict(decision)
                    resolver.add(new_candidate(CHILD_IDS + index, rec))
            payload = (verdicts, resolver.pair_counts)
            pipe.send_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)
