"""Writing many organisations at once, with the per-record writer's outcomes.

`BulkWriter.upsert_all(records)` gives every record the outcome `writer.upsert` would give
it in the same order (created, merged, unchanged, review), records of the same batch
included: decisions come from a `BatchResolver` kept current record by record (with
`processes=2`, most of them from a forked child that resolves a batch ahead, `ahead`). New
organisations get their ids up front (the next ids of the table, or PostgreSQL's sequence)
and are written through the driver's bulk path (`driver_insert`: sqlite3 executemany,
PostgreSQL COPY), with their aliases, identifiers, capabilities,
activities, certifications, sites and review items; merges into stored organisations go
through the ORM (`writer.merge_into`), their targets loaded a batch at a time. Bulk INSERTs
bypass the ORM's flush hooks, so the new organisations go to the change log here; callers
mark the session as a bulk import for the audit log (`audit.bulk`), as every import does.
On SQLite the connection's page cache is raised while the writer works
(`large_page_cache`), then restored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session, selectinload

from filiera.registry import changes
from filiera.registry.ahead import CHILD_IDS, DecisionsAhead, Told, Verdict
from filiera.registry.batch_resolve import BatchResolver
from filiera.registry.driver_insert import insert_dicts
from filiera.registry.models import (
    Alias,
    Certification,
    Identifier,
    OrgActivity,
    Organisation,
    OrgCapability,
    ReviewItem,
    Site,
    Source,
)
from filiera.registry.names import normalise_name
from filiera.registry.phases import PhaseClock
from filiera.registry.resolve import Candidate, Decision, Incoming, city_key
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import (
    LEVEL_RANK,
    SCALARS,
    Outcome,
    candidate_of,
    check_identifier_owners,
    incoming,
    merge_into,
)

BATCH = 2000
# SQLite's page cache while a bulk import writes (KiB): the default 2 MiB kept re-reading
# index pages; 256 MiB took the writing of 100,000 rows from 11.7 s to 7.8 s.
SQLITE_IMPORT_CACHE_KIB = 262_144
PARTS = (Alias, Identifier, OrgCapability, OrgActivity, Certification, Site)
Progress = Callable[[int], None]

log = logging.getLogger(__name__)


@dataclass
class Pending:
    """New organisations and their parts, not yet inserted."""

    organisations: list[dict[str, Any]] = field(default_factory=list)
    parts: dict[type, list[dict[str, Any]]] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)

    def ids(self) -> set[int]:
        return {row["id"] for row in self.organisations}


class IdAllocator:
    """The ids the next organisations get, as the database would give them one by one."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.free: list[int] = []
        self.next_id = 0
        if not self.postgres:  # SQLite: max(id) + 1, the write lock already held
            self.next_id = (session.scalar(select(func.max(Organisation.id))) or 0) + 1

    def take(self) -> int:
        if not self.postgres:
            self.next_id += 1
            return self.next_id - 1
        if not self.free:
            query = text(
                "SELECT nextval(pg_get_serial_sequence('organisation', 'id')) "
                "FROM generate_series(1, :n)"
            )
            self.free = sorted(self.session.scalars(query, {"n": BATCH}), reverse=True)
        return self.free.pop()


class BulkWriter:
    """Create or merge organisations in batches (see the module's docstring)."""

    def __init__(
        self,
        session: Session,
        source: Source,
        resolver: BatchResolver,
        clock: PhaseClock | None = None,
    ) -> None:
        session.flush()  # the source's id; on SQLite, the write lock
        self.session = session
        self.clock = clock or PhaseClock()  # "resolution" and "writing" seconds
        self.source = source
        self.resolver = resolver
        self.ids = IdAllocator(session)
        self.pending = Pending()
        self.pending_ids: set[int] = set()
        self.ahead: DecisionsAhead | None = None

    def upsert_all(
        self,
        records: Sequence[OrganisationIn],
        progress: Progress | None = None,
        processes: int = 1,
    ) -> list[Outcome]:
        """Outcomes of `records`, in order; everything is written when this returns.

        With `processes=2`, a forked child decides most records ahead (`ahead`): the same
        outcomes, sooner.
        """
        outcomes: list[Outcome] = []
        self.ahead = DecisionsAhead.start(self.resolver, records, BATCH, processes)
        try:
            with large_page_cache(self.session):
                for start in range(0, len(records), BATCH):
                    self._upsert_batch(start, records[start : start + BATCH], outcomes, progress)
        finally:
            if self.ahead:
                taken = self.ahead.taken
                log.info("a second process decided %d of %d records", taken, len(records))
                self.resolver.pair_counts.update(self.ahead.pair_counts)
                self.ahead.close()
                self.ahead = None
        return outcomes

    def _upsert_batch(
        self,
        start: int,
        batch: Sequence[OrganisationIn],
        outcomes: list[Outcome],
        progress: Progress | None,
    ) -> None:
        """Resolve and stage one batch (records `start`... of the file), then write it."""
        with self.clock.phase("resolution"):
            told = self.ahead.batch(start, start + len(batch)) if self.ahead else Told()
            mine = {  # the records this process decides
                index: incoming(rec)
                for index, rec in enumerate(batch, start)
                if index not in told.usable
            }
            self.resolver.prepare(list(mine.values()))
            self._load_targets(list(mine.values()), told)
            for index, rec in enumerate(batch, start):
                verdict = told.verdicts.get(index)
                decision = self._decide(rec, mine.get(index), verdict)
                outcomes.append(self._upsert(index, rec, decision, verdict))
                if progress:
                    progress(1)
        self.flush()

    def _decide(
        self, rec: OrganisationIn, arrival: Incoming | None, verdict: Verdict | None
    ) -> Decision:
        """The child's verdict on a record this process does not decide (`arrival` None)
        while the child is trusted (`ahead`), else the resolver's own (checked against the
        child's, if it gave one)."""
        ahead = self.ahead
        if ahead and ahead.trusted and verdict is not None and arrival is None:
            return ahead.decision(verdict)
        decision = self.resolver.decide(arrival or incoming(rec))
        if ahead and ahead.trusted and verdict is not None:
            ahead.check(decision, verdict)
        return decision

    def _upsert(
        self, index: int, rec: OrganisationIn, decision: Decision, verdict: Verdict | None
    ) -> Outcome:
        same = decision.action == "same"
        check_identifier_owners(rec, self.resolver, decision.org_id if same else None)
        if same:
            return self._merge(rec, decision, verdict)
        org_id = self.ids.take()
        self._stage(org_id, rec)
        if self.ahead:
            self.ahead.created[index] = org_id
        if decision.action == "review":
            self.pending.reviews.append(
                {
                    "organisation_id": org_id,
                    "candidate_id": decision.org_id,
                    "score": decision.score,
                    "reasons": decision.reasons,
                }
            )
            return Outcome("review", org_id, decision)
        return Outcome("created", org_id, decision)

    def _merge(self, rec: OrganisationIn, decision: Decision, verdict: Verdict | None) -> Outcome:
        if decision.org_id in self.pending_ids:
            self.flush()  # a record of this batch merges into an earlier one
        org = self.session.get(Organisation, decision.org_id)
        target = result = self.resolver.candidates[org.id]
        changed = merge_into(org, rec, self.source)
        if changed:
            self.session.flush()
            result = candidate_of(org)
            self._know(result)
        if self.ahead and self.ahead.trusted:
            self.ahead.after_merge(rec, target, result, verdict)
        return Outcome("merged" if changed else "unchanged", org.id, decision)

    def _load_targets(self, mine: list[Incoming], told: Told) -> None:
        """Load, in one query per table, the stored organisations the batch may merge into:
        those the child's usable verdicts merge into, and any `mine` may."""
        wanted = merge_targets(told) | self._possible_targets(mine)
        wanted -= self.pending_ids
        if wanted:
            relations = (getattr(Organisation, p) for p in MERGED_RELATIONS)
            query = select(Organisation).where(Organisation.id.in_(sorted(wanted)))
            self.session.scalars(query.options(*(selectinload(r) for r in relations))).all()

    def _possible_targets(self, arriving: list[Incoming]) -> set[int]:
        """Stored organisations sharing an identifier or a name with a record of the batch."""
        wanted: set[int] = set()
        for arrival in arriving:
            for ident in arrival.identifiers.items():
                if ident in self.resolver.by_identifier:
                    wanted.add(self.resolver.by_identifier[ident])
            for key in arrival.name_keys:
                wanted |= self.resolver.by_name_key.get(key, set())
                wanted |= self.resolver.by_compact.get(key.replace(" ", ""), set())
        return wanted

    def _stage(self, org_id: int, rec: OrganisationIn) -> None:
        """Queue a new organisation's rows; the resolver knows it at once, as upsert does."""
        self.pending.organisations.append(organisation_row(org_id, rec, self.source.id))
        for model, rows in part_rows(org_id, rec, self.source.id).items():
            self.pending.parts.setdefault(model, []).extend(rows)
        self.pending_ids.add(org_id)
        self._know(new_candidate(org_id, rec))

    def _know(self, candidate: Candidate) -> None:
        """Index an organisation as it now is; one of the child's countries, while the child
        decides them, only for lookups (the blocks are filed if this process has to decide
        in that country)."""
        if self.ahead and self.ahead.trusted and candidate.country in self.ahead.countries:
            self.resolver.add_for_lookups(candidate)
        else:
            self.resolver.add(candidate)

    def flush(self) -> None:
        """Insert everything queued: organisations, their parts, review items; log changes."""
        pending, self.pending = self.pending, Pending()
        if not pending.organisations:
            return
        with self.clock.phase("writing"):
            connection = self.session.connection()
            insert_rows(connection, Organisation, pending.organisations)
            for model in PARTS:
                insert_rows(connection, model, pending.parts.get(model, []))
            insert_rows(connection, ReviewItem, pending.reviews)
            changes.record(connection, pending.ids())
        self.pending_ids.clear()


@contextmanager
def large_page_cache(session: Session) -> Iterator[None]:
    """On SQLite, a large page cache for this connection while the block runs."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection  # outside SQLAlchemy's transaction state
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size=-{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size={int(before)}")


def merge_targets(told: Told) -> set[int]:
    """The stored organisations the child's usable verdicts merge into."""
    return {
        decision.org_id
        for index in told.usable
        if (decision := told.verdicts[index].decision).action == "same"
        and decision.org_id < CHILD_IDS
    }


def insert_rows(connection: Connection, model: type, rows: list[dict[str, Any]]) -> None:
    """The rows through the driver's bulk path (`driver_insert`: executemany or COPY).

    The ORM's bulk INSERT spent a quarter of an import preparing each row again, and
    SQLAlchemy Core's parameter processing most of what was left.
    """
    if rows:
        insert_dicts(connection, model.__table__, rows)


MERGED_RELATIONS = (
    "aliases",
    "identifiers",
    "capabilities",
    "activities",
    "certifications",
    "sites",
)


def new_candidate(org_id: int, rec: OrganisationIn) -> Candidate:
    """What `candidate_of` reads from the organisation `writer.create` makes of `rec`."""
    names = [normalise_name(rec.name), *(normalise_name(a) for a in alias_names(rec))]
    idents = frozenset(rec.identifiers.items())
    return Candidate(org_id, frozenset(names) - {""}, rec.country, city_key(rec.city), idents)


def alias_names(rec: OrganisationIn) -> list[str]:
    """The aliases `writer.create` stores: other spellings than the name, once each."""
    known = {rec.name.casefold()}
    names = []
    for name in (rec.legal_name, *rec.aliases):
        if name and name.casefold() not in known:
            names.append(name)
            known.add(name.casefold())
    return names


def organisation_row(org_id: int, rec: OrganisationIn, source_id: int) -> dict[str, Any]:
    """The organisation's own row, as `writer.create` fills it."""
    row = {
        "id": org_id,
        "name": rec.name,
        "name_key": normalise_name(rec.name),
        "kind": rec.kind,
        "country": rec.country,
        "descriptions": dict(rec.descriptions),
        "visibility": rec.visibility,
        "field_visibility": dict(rec.field_visibility),
        "markings": list(rec.markings),
        "synthetic": rec.synthetic,
        "source_id": source_id,
    }
    row.update({name: getattr(rec, name) for name in SCALARS})
    return row


def part_rows(org_id: int, rec: OrganisationIn, source_id: int) -> dict[type, list[dict]]:
    """Every row `writer.merge_into` adds to a new organisation, by table."""
    common = {"organisation_id": org_id, "source_id": source_id}
    capabilities: dict[str, dict[str, Any]] = {}
    for cap in rec.capabilities:  # one per code, the highest level wins
        stored = capabilities.get(cap.code)
        if stored is None or LEVEL_RANK[cap.level] > LEVEL_RANK[stored["level"]]:
            capabilities[cap.code] = {
                "code": cap.code,
                "level": cap.level,
                "evidence": cap.evidence,
            }
    nace = list(dict.fromkeys(rec.nace))
    return {
        Alias: [{**common, "name": n, "name_key": normalise_name(n)} for n in alias_names(rec)],
        Identifier: [{**common, "scheme": s, "value": v} for s, v in rec.identifiers.items()],
        OrgCapability: [{**common, **cap} for cap in capabilities.values()],
        OrgActivity: [
            {**common, "nace": code, "primary": index == 0} for index, code in enumerate(nace)
        ],
        Certification: [{**common, **fields_of(cert)} for cert in rec.certifications],
        Site: [{**common, **fields_of(site)} for site in rec.sites],
    }


def fields_of(part: BaseModel) -> dict[str, Any]:
    """A flat part's (a site's, a certification's) fields: its `model_dump()`, read
    straight from the validated values (a tenth of the time; the lists and mappings are
    shared with the record, which the writer only reads)."""
    return part.__dict__
