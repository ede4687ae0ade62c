"""Resolution on a second core: a forked child decides most records before the writer does.

`DecisionsAhead` forks a child that runs the batch resolver, batch by batch and in file
order, over the records of a set of countries holding about CHILD_SHARE of the file,
against the registry's index as it stood at the fork, adding to its copy of the index
what each of those records creates (or what a merge makes of a stored organisation). It
sends each batch's verdicts through a pipe and works on the next batch while the writer
(`BulkWriter`) decides the other countries' records itself, stores and writes this one.

Blocks are per country, so every name a record is compared with, exactly or fuzzily, is of
its own country: the child's verdicts are the writer's own except where identifiers, or a
merge into an organisation of another country, reach across. The writer takes a verdict
only while nothing the child could not see can have changed it:

- none of the record's identifiers came with a record of the writer's countries;
- no record of the writer's countries merged into an organisation of the child's;
- every merge the child made gave the organisation the writer read back from the
  database (`merged_candidate` against `candidate_of`).

A record the writer cannot take a verdict for, it decides itself, and it stops listening
to the child as soon as a verdict of its own or a merge differs from the child's; so does
it when the child fails, dies or stalls. Its own index stays current for that (the blocks
of the child's countries are filed only when needed, `add_for_lookups`). Every outcome is
therefore the one a single process gives; the child only saves time. Organisations the
file creates get their ids from the writer: the child numbers them `CHILD_IDS + place in
the file` (after every stored organisation, in file order, as real ids sort) and the
writer maps them back. The child never touches the database.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from filiera.registry.names import normalise_name
from filiera.registry.resolve import Candidate, Decision, city_key
from filiera.registry.schemas import OrganisationIn

if TYPE_CHECKING:
    from filiera.registry.batch_resolve import BatchResolver

CHILD_SHARE = 0.85  # the writer also stores every record and writes the rows
MIN_RECORDS = 2_000  # below this a fork costs more than it saves
PATIENCE_SECONDS = 120.0  # a batch's verdicts later than this: the child is stuck
CHILD_IDS = 1 << 48  # the child's numbers for the organisations the file creates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """The child's decision on one record, and the candidate a merge gave in its index."""

    decision: Decision
    merged: Candidate | None = None


@dataclass
class Told:
    """One batch's verdicts from the child, by place in the file, and the usable ones."""

    verdicts: dict[int, Verdict] = field(default_factory=dict)
    usable: set[int] = field(default_factory=set)


def child_countries(records: Sequence[OrganisationIn], share: float = CHILD_SHARE) -> set[str]:
    """Countries holding about `share` of the records, the largest placed first."""
    wanted = share * len(records)
    mine: set[str] = set()
    taken = 0
    for country, size in Counter(rec.country for rec in records).most_common():
        if abs(taken + size - wanted) < abs(taken - wanted):
            mine.add(country)
            taken += size
    return mine


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
        self.records = records
        self.countries = child_countries(records)
        self.foreign: set[tuple[str, str]] = set()  # identifiers the child has not seen
        self.trusted = True
        self.created: dict[int, int] = {}  # place in the file -> id of what it created
        self.taken = 0  # verdicts the writer took
        self.pair_counts: Counter[str] = Counter()
        context = multiprocessing.get_context("fork")
        reader, writer = context.Pipe(duplex=False)
        self.child = context.Process(
            target=_child, args=(resolver, records, self.countries, batch, writer), daemon=True
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

    def batch(self, start: int, stop: int) -> Told:
        """The child's verdicts on records `start`..`stop - 1` and those the writer may
        take: not a record one of whose identifiers came with a record of the writer's
        countries, in this batch or before."""
        verdicts = self._receive() if self.trusted else None
        if verdicts is None:
            return Told()
        for rec in self.records[start:stop]:
            if rec.country not in self.countries:
                self.foreign.update(rec.identifiers.items())
        usable = {
            index
            for index in verdicts
            if self.foreign.isdisjoint(self.records[index].identifiers.items())
        }
        return Told(verdicts, usable)

    def _receive(self) -> dict[int, Verdict] | None:
        """The next batch's verdicts; None (and no more trust) if the child cannot give them."""
        try:
            if not self.pipe.poll(PATIENCE_SECONDS):
                self.stop("the child process stalled")
                return None
            verdicts, counts = pickle.loads(self.pipe.recv_bytes())
        except (EOFError, OSError):
            self.stop("the child process failed")
            return None
        self.pair_counts.update(counts)
        return verdicts

    def decision(self, verdict: Verdict) -> Decision:
        """The child's decision, with the real id of an organisation it saw created."""
        self.taken += 1
        decision = verdict.decision
        if decision.org_id is None or decision.org_id < CHILD_IDS:
            return decision
        real = self.created[decision.org_id - CHILD_IDS]
        return Decision(decision.action, real, decision.score, list(decision.reasons))

    def check(self, mine: Decision, verdict: Verdict) -> None:
        """After the writer decided a record of the child's countries itself."""
        if self.decision(verdict) != mine:
            self.stop("its verdict on a record differs from this process's")

    def after_merge(
        self, rec: OrganisationIn, target: Candidate, result: Candidate, verdict: Verdict | None
    ) -> None:
        """Stop listening if a merge left the child's index unlike the writer's: a record of
        the writer's countries merged into an organisation of the child's, or a merge of
        the child's gave another organisation than it assumed."""
        if rec.country not in self.countries:
            if target.country in self.countries:
                self.stop("a record merged into an organisation of the child's countries")
        elif (
            verdict is None or verdict.merged is None or not same_candidate(verdict.merged, result)
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
    resolver: BatchResolver,
    records: Sequence[OrganisationIn],
    countries: set[str],
    batch: int,
    pipe: Connection,
) -> None:
    """In the forked process: each batch's verdicts on the records of `countries`.

    It ends with `os._exit`, without flushing the stdio buffers it inherited (a progress
    bar may have been drawing) and without running the parent's exit handlers.
    """
    from filiera.registry.bulk import new_candidate
    from filiera.registry.writer import incoming

    code = 1
    try:
        for start in range(0, len(records), batch):
            mine = [
                (index, records[index])
                for index in range(start, min(start + batch, len(records)))
                if records[index].country in countries
            ]
            arriving = [incoming(rec) for _, rec in mine]
            resolver.pair_counts = Counter()
            resolver.prepare(arriving)
            verdicts: dict[int, Verdict] = {}
            for (index, rec), arrival in zip(mine, arriving, strict=True):
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
