"""The registry's change log: which organisations and projects changed, in commit order.

Every flush that writes something the match index reads (an organisation, its aliases,
capabilities, certifications, memberships, participations, or a project) appends rows to
`registry_change` in the same transaction, so every server process, and a CLI import
running beside them, can tell what changed since the index it holds was built
(`match/live.py`). Bulk writers that bypass the ORM's flush call `record` themselves; a
bulk UPDATE or DELETE through the ORM records a full-rebuild marker (both ids empty).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Integer, delete, event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from filiera.db import Base
from filiera.registry import models as reg
from filiera.registry.driver_insert import insert_dicts

RETENTION = timedelta(days=30)  # a reader further behind than this rebuilds from the registry


class RegistryChange(Base):
    """One changed organisation or project (neither: everything may have changed)."""

    __tablename__ = "registry_change"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused after pruning
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    project_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime, default=reg.utcnow)


# What the match index reads, and which organisation each row belongs to.
OWNED_BY_ORGANISATION = (reg.Alias, reg.OrgCapability, reg.Certification, reg.Participation)
WATCHED = (reg.Organisation, reg.Membership, reg.Project, *OWNED_BY_ORGANISATION)
WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED)


def record(
    connection: Connection | Session,
    organisation_ids: Iterable[int] = (),
    project_ids: Iterable[int] = (),
    *,
    everything: bool = False,
) -> None:
    """Append change rows (what a bulk writer calls after writing without the ORM)."""
    now = reg.utcnow()
    rows: list[dict[str, Any]] = [
        {"organisation_id": int(i), "project_id": None, "at": now}
        for i in sorted(set(organisation_ids))
    ]
    rows += [{"organisation_id": None, "project_id": int(i), "at": now} for i in set(project_ids)]
    if everything:
        rows.append({"organisation_id": None, "project_id": None, "at": now})
    if rows:
        if isinstance(connection, Session):
            connection = connection.connection()
        # the driver's bulk path: a 100,000-row import logs 100,000 changes (0.8 s through
        # Core's per-row parameter processing, about a fifth of that this way)
        insert_dicts(connection, RegistryChange.__table__, rows)


def latest(session: Session) -> int:
    """The newest change id (0 when nothing was ever recorded)."""
    return int(session.scalar(select(func.coalesce(func.max(RegistryChange.id), 0))) or 0)


def since(session: Session, first_id: int) -> list[tuple[int, int | None, int | None, datetime]]:
    """(id, organisation id, project id, at) of the changes with id >= `first_id`, by id
    (a primary-key range read)."""
    stmt = (
        select(
            RegistryChange.id,
            RegistryChange.organisation_id,
            RegistryChange.project_id,
            RegistryChange.at,
        )
        .where(RegistryChange.id >= first_id)
        .order_by(RegistryChange.id)
    )
    return [tuple(row) for row in session.execute(stmt)]


def prune(session: Session, before_id: int) -> int:
    """Delete the changes older than `before_id`, always keeping the newest one (readers
    tell a pruned log from another database by it); returns how many went."""
    keep = min(before_id, latest(session))
    result = session.execute(delete(RegistryChange).where(RegistryChange.id < keep))
    return int(result.rowcount or 0)


def prune_older(session: Session, age: timedelta = RETENTION, now: datetime | None = None) -> int:
    """Delete the changes older than `age` (keeping the newest); returns how many went.

    Ids follow commit time closely, so the first change young enough to keep is found by
    bisection over the primary key (a few point reads, no scan of `at`).
    """
    cutoff = (now or reg.utcnow()) - age
    first, newest = _first_id(session, 0), latest(session)
    if first is None or _at(session, first) >= cutoff:
        return 0  # nothing old: no write at all
    low, high = first, newest
    while low < high:
        mid = (low + high) // 2
        found = _first_id(session, mid)
        if found is not None and _at(session, found) < cutoff:
            low = found + 1
        else:
            high = mid
    return prune(session, _first_id(session, low) or newest)


def _first_id(session: Session, at_least: int) -> int | None:
    return session.scalar(select(func.min(RegistryChange.id)).where(RegistryChange.id >= at_least))


def _at(session: Session, change_id: int) -> datetime:
    return session.scalar(select(RegistryChange.at).where(RegistryChange.id == change_id))


def changed_by(objects: Iterable[Any]) -> tuple[set[int], set[int]]:
    """(organisation ids, project ids) touched by flushed ORM objects."""
    orgs: set[int] = set()
    projects: set[int] = set()
    for obj in objects:
        if isinstance(obj, reg.Organisation) and obj.id is not None:
            orgs.add(obj.id)
        elif isinstance(obj, OWNED_BY_ORGANISATION) and obj.organisation_id is not None:
            orgs.add(obj.organisation_id)
        elif isinstance(obj, reg.Membership):
            orgs.update(i for i in (obj.organisation_id, obj.cluster_id) if i is not None)
        elif isinstance(obj, reg.Project) and obj.id is not None:
            projects.add(obj.id)
    return orgs, projects


def _after_flush(session: Session, _context: Any) -> None:
    orgs, projects = changed_by((*session.new, *session.dirty, *session.deleted))
    if orgs or projects:
        record(session.connection(), orgs, projects)


def _bulk_statement(state: ORMExecuteState) -> None:
    """An ORM bulk UPDATE/DELETE on a watched table: the index must be rebuilt."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and table.name in WATCHED_TABLES:
        record(state.session.connection(), everything=True)


def install() -> None:
    """Register the flush and statement hooks (idempotent)."""
    for name, hook in (("after_flush", _after_flush), ("do_orm_execute", _bulk_statement)):
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
