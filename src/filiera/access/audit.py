"""The audit log: sign-ins, reads of non-public data and every change, with before/after.

Changes are captured in one place, hooks on every Session and mapped class, so no write
path can forget them, and each row changed gets exactly one event, in the same transaction
(events are written after a successful flush; a rolled-back change leaves none):

- mapper events `after_insert`, `after_update` and `before_delete` see every row the flush
  writes, however it was decided: `Session.add`/`delete`, an ORM cascade, or an orphan
  removed from a relationship collection (a PATCH emptying a list, a replaced identifier);
- before a row is deleted its stored values are read (the `before` of the event), and so
  are the rows the database will delete with it through ON DELETE CASCADE (memberships of
  a deleted cluster, relations, needs...), which the ORM never sees;
- `session.execute(delete(...))` and `update(...)` (merges) bypass the flush: the
  `do_orm_execute` hook reads the rows they touch and logs them.

Bulk imports switch row capture off with `bulk()` and write one summary event instead.
Raw SQL text is not captured. The log is append-only: the ORM refuses to update or delete
events and database triggers refuse it too.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import (
    Column,
    Connection,
    RowMapping,
    Select,
    Table,
    and_,
    event,
    insert,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, object_session

from filiera.access import policy
from filiera.access.models import AuditEvent
from filiera.access.viewer import Viewer
from filiera.db import Base
from filiera.errors import Forbidden
from filiera.registry.models import utcnow

VIEWER_KEY = "filiera.viewer"
BULK_KEY = "filiera.bulk"
PENDING_KEY = "filiera.audit.pending"  # change events of the flush under way
GONE_KEY = "filiera.audit.gone"  # (table, primary key) of rows logged as deleted in it
SECRET_COLUMNS = {"password_hash", "token_hash", "id_hash", "csrf_token"}
NOISE_COLUMNS = {"created_at", "updated_at", "last_seen_at", "last_used_at"}


def audited_kind(obj: Any) -> str | None:
    """The audit-log entity name a model declares as `__audit__` (None: not audited)."""
    return getattr(type(obj), "__audit__", None)


def bind(session: Session, viewer: Viewer) -> None:
    """Make `viewer` the actor of every event this session writes."""
    session.info[VIEWER_KEY] = viewer


def actor_of(session: Session) -> Viewer:
    return session.info.get(VIEWER_KEY) or Viewer.system()


def bulk(session: Session, action: str, detail: str, **after: Any) -> None:
    """Stop row-by-row capture for this session (an import) and log one summary event."""
    session.info[BULK_KEY] = True
    record(session, action, detail=detail, after=after or None)


def record(
    session: Session,
    action: str,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str | None = None,
    viewer: Viewer | None = None,
) -> None:
    """Append one event in the session's transaction."""
    who = viewer or actor_of(session)
    session.add(
        AuditEvent(
            actor_id=who.user_id,
            actor=who.label,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            detail=detail,
            address=who.address,
        )
    )


def record_read(
    session: Session, entity: str, ids: list[int], detail: str, viewer: Viewer | None = None
) -> None:
    """Log that the actor (`viewer`, else the session's) was shown non-public data: one
    event per record, so `filiera audit --id N` finds every read of record N.

    Written now, in the session's transaction, as one multi-row INSERT per READ_CHUNK
    records: the ORM would insert them one statement each (it reads back every id).
    """
    who = viewer or actor_of(session)
    at = utcnow()
    rows = [
        {
            "at": at,
            "actor_id": who.user_id,
            "actor": who.label,
            "action": "read",
            "entity": entity,
            "entity_id": entity_id,
            "before": None,
            "after": None,
            "detail": detail,
            "address": who.address,
        }
        for entity_id in sorted(set(ids))
    ]
    if rows:
        session.flush()  # events recorded before these keep their place in the log
    for start in range(0, len(rows), READ_CHUNK):
        session.connection().execute(insert(AuditEvent).values(rows[start : start + READ_CHUNK]))


READ_CHUNK = 500  # read events per INSERT (10 columns: far below SQLite's 32,766 variables)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Any, keys: list[str] | None = None) -> dict[str, Any]:
    """Column values of `obj` (secrets left out), for the before/after of an event."""
    mapper = inspect(obj).mapper
    names = keys or [c.key for c in mapper.column_attrs]
    return {k: _plain(getattr(obj, k)) for k in names if k not in SECRET_COLUMNS}


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before, after = {}, {}
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in SECRET_COLUMNS | NOISE_COLUMNS:
            continue
        history = state.attrs[attr.key].history
        if history.has_changes():
            before[attr.key] = _plain(history.deleted[0]) if history.deleted else None
            after[attr.key] = _plain(history.added[0]) if history.added else None
    changed_secret = any(
        state.attrs[k].history.has_changes() for k in SECRET_COLUMNS if k in state.attrs
    )
    if changed_secret:
        after["secret"] = "changed"
    return before, after


def _capturing(session: Session | None) -> bool:
    return session is not None and not session.info.get(BULK_KEY)


def _event(
    session: Session,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> dict[str, Any]:
    """One row of `audit_event` for a change made in `session`."""
    who = actor_of(session)
    return {
        "actor_id": who.user_id,
        "actor": who.label,
        "address": who.address,
        "at": utcnow(),
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
    }


def _pending(session: Session) -> list[dict[str, Any]]:
    """Events of the flush under way, written by `_capture` once the flush succeeded."""
    return session.info.setdefault(PENDING_KEY, [])


# --- rows the database deletes: the row itself and its ON DELETE CASCADE dependents --------


Cascade = tuple[Table, list[tuple[Column, Column]]]  # (child table, [(its column, parent's)])


def _mapper_of(table_name: str) -> Mapper | None:
    return _schema(*_schema_size())[0].get(table_name)


def _kind_of_table(table_name: str) -> str | None:
    mapper = _mapper_of(table_name)
    return getattr(mapper.class_, "__audit__", None) if mapper is not None else None


def _cascades(table: Table) -> list[Cascade]:
    """Tables whose rows the database deletes with a row of `table` (ON DELETE CASCADE) and
    that hold audited rows, directly or further down."""
    return _schema(*_schema_size())[1].get(table.name, [])


def _schema_size() -> tuple[int, int]:
    return len(Base.metadata.tables), len(Base.registry.mappers)


@functools.cache
def _schema(_tables: int, _mappers: int) -> tuple[dict[str, Mapper], dict[str, list[Cascade]]]:
    """Mappers by table name, and the audited ON DELETE CASCADE paths from each table
    (recomputed when a module maps more tables)."""
    mappers = {m.local_table.name: m for m in Base.registry.mappers}
    dependents: dict[str, list[Cascade]] = {}
    for child in Base.metadata.tables.values():
        for fk in child.foreign_key_constraints:
            if (fk.ondelete or "").upper() == "CASCADE":
                pairs = [(e.parent, e.column) for e in fk.elements]
                dependents.setdefault(fk.referred_table.name, []).append((child, pairs))

    def reaches_audited(name: str, seen: frozenset[str]) -> bool:
        mapper = mappers.get(name)
        if mapper is not None and getattr(mapper.class_, "__audit__", None):
            return True
        return any(
            reaches_audited(child.name, seen | {name})
            for child, _ in dependents.get(name, [])
            if child.name not in seen
        )

    cascades = {
        name: [c for c in found if reaches_audited(c[0].name, frozenset({name}))]
        for name, found in dependents.items()
    }
    return mappers, cascades


def _row_values(mapper: Mapper, row: RowMapping) -> dict[str, Any]:
    """The `snapshot` of a row read with Core: attribute names, secrets left out."""
    return {
        prop.key: _plain(row[prop.columns[0]])
        for prop in mapper.column_attrs
        if prop.key not in SECRET_COLUMNS
    }


def _deleted_rows(
    connection: Connection,
    session: Session,
    table: Table,
    rows: list[RowMapping],
    gone: set[tuple[str, tuple[Any, ...]]],
) -> list[dict[str, Any]]:
    """`delete` events for `rows` of `table`, about to be deleted, and for every row the
    database deletes with them (ON DELETE CASCADE, followed down). `gone` holds the rows
    already logged, so each row has one event whichever way it goes."""
    key_columns = list(table.primary_key.columns)
    fresh = []
    for row in rows:
        key = (table.name, tuple(row[c] for c in key_columns))
        if key not in gone:
            gone.add(key)
            fresh.append(row)
    if not fresh:
        return []
    events = []
    entity = _kind_of_table(table.name)
    if entity is not None:
        mapper = _mapper_of(table.name)
        id_column = table.c.get("id")
        for row in fresh:
            entity_id = row[id_column] if id_column is not None else None
            events.append(
                _event(session, "delete", entity, entity_id, _row_values(mapper, row), None)
            )
    for child, pairs in _cascades(table):
        match = or_(*(and_(*(c == row[p] for c, p in pairs)) for row in fresh))
        found = connection.execute(select(child).where(match)).mappings().all()
        events += _deleted_rows(connection, session, child, list(found), gone)
    return events


# --- the hooks ---------------------------------------------------------------------------


def _start_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse changes to the log; start collecting the events of this flush."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise Forbidden("the audit log is append-only")
    session.info[PENDING_KEY] = []
    session.info[GONE_KEY] = set()


def _written_rows(session: Session) -> list[dict[str, Any]]:
    """Create and update events of the flush that just ran (read in `after_flush`, where
    `new` and `dirty` and their attribute history still describe it).

    Session-level, not mapper `after_insert`/`after_update` hooks: per-row mapper hooks
    cost PostgreSQL imports about 2x (the EDF import test: 22 s without, 49 s with).
    """
    rows = []
    for obj in session.new:
        entity = audited_kind(obj)
        if entity is not None:
            rows.append(
                _event(session, "create", entity, getattr(obj, "id", None), None, snapshot(obj))
            )
    for obj in session.dirty:
        entity = audited_kind(obj)
        if entity is None or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _changes(obj)
        if after:
            rows.append(_event(session, "update", entity, getattr(obj, "id", None), before, after))
    return rows


def _before_delete(mapper: Mapper, connection: Connection, target: Any) -> None:
    """Every row the flush deletes, however it was decided: `Session.delete`, an ORM
    cascade, an orphan removed from a collection, or the database's ON DELETE CASCADE."""
    session = object_session(target)
    table = mapper.local_table
    if not _capturing(session) or not (audited_kind(target) or _cascades(table)):
        return
    key_columns = list(table.primary_key.columns)
    identity = inspect(target).identity or ()
    where = and_(*(c == v for c, v in zip(key_columns, identity, strict=True)))
    stored = connection.execute(select(table).where(where)).mappings().first()
    if stored is not None:
        gone = session.info.setdefault(GONE_KEY, set())
        _pending(session).extend(_deleted_rows(connection, session, table, [stored], gone))


def _capture(session: Session, _context: Any) -> None:
    """After a successful flush, write its events in the same transaction."""
    deleted = session.info.pop(PENDING_KEY, None) or []
    session.info.pop(GONE_KEY, None)
    if not _capturing(session):
        return
    rows = _written_rows(session) + deleted
    if rows and not session.info.get(BULK_KEY):
        session.connection().execute(insert(AuditEvent), rows)


def _bulk_statement(state: ORMExecuteState) -> Any:
    """`session.execute(delete(...))` and `update(...)`: no flush, so log them here.

    Rows are read before a delete (with their ON DELETE CASCADE dependents), and before
    and after an update; statements on the log itself are refused.
    """
    if not (state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in Base.metadata.tables:
        return None
    table = Base.metadata.tables[table.name]
    if table is AuditEvent.__table__:
        raise Forbidden("the audit log is append-only")
    session = state.session
    entity = _kind_of_table(table.name)
    if not _capturing(session) or not (entity or (state.is_delete and _cascades(table))):
        return None
    connection = session.connection()
    rows = connection.execute(_matching(state, table)).mappings().all()
    if state.is_delete:
        events = _deleted_rows(connection, session, table, list(rows), set())
        if events:
            connection.execute(insert(AuditEvent), events)
        return None
    result = state.invoke_statement()
    _log_bulk_update(connection, session, table, entity, list(rows))
    return result


def _matching(state: ORMExecuteState, table: Table) -> Select:
    """The rows an UPDATE or DELETE statement is about to change."""
    stmt = select(table)
    key_columns = list(table.primary_key.columns)
    if state.is_executemany:  # bulk UPDATE by primary key: one parameter set per row
        params = state.parameters if isinstance(state.parameters, list) else []
        keys = [tuple(p.get(c.key) for c in key_columns) for p in params]
        return stmt.where(_keys_clause(key_columns, keys))
    where = state.statement.whereclause
    return stmt if where is None else stmt.where(where)


def _log_bulk_update(
    connection: Connection,
    session: Session,
    table: Table,
    entity: str,
    rows: list[RowMapping],
) -> None:
    if not rows:
        return
    mapper = _mapper_of(table.name)
    key_columns = list(table.primary_key.columns)
    old = {tuple(r[c] for c in key_columns): _row_values(mapper, r) for r in rows}
    events = []
    for row in _rows_by_key(connection, table, key_columns, list(old)):
        before_row = old[tuple(row[c] for c in key_columns)]
        after_row = _row_values(mapper, row)
        changed = [k for k in after_row if k not in NOISE_COLUMNS and after_row[k] != before_row[k]]
        if changed:
            before = {k: before_row[k] for k in changed}
            after = {k: after_row[k] for k in changed}
            events.append(_event(session, "update", entity, after_row.get("id"), before, after))
    if events:
        connection.execute(insert(AuditEvent), events)


def _keys_clause(key_columns: list, keys: list[tuple]) -> Any:
    """WHERE for rows with these primary keys: IN for one column, else OR of ANDs."""
    if len(key_columns) == 1:
        return key_columns[0].in_([k[0] for k in keys])
    return or_(*(and_(*(c == v for c, v in zip(key_columns, k, strict=True))) for k in keys))


def _rows_by_key(connection: Connection, table: Table, key_columns: list, keys: list[tuple]):
    """The stored rows with these keys, read in chunks (statements stay small)."""
    for start in range(0, len(keys), KEY_CHUNK):
        clause = _keys_clause(key_columns, keys[start : start + KEY_CHUNK])
        yield from connection.execute(select(table).where(clause)).mappings()


KEY_CHUNK = 500

HOOKS = (
    (Session, "before_flush", _start_flush),
    (Session, "after_flush", _capture),
    (Session, "do_orm_execute", _bulk_statement),
    (Base, "before_delete", _before_delete),
)


def install() -> None:
    """Register the flush, statement and mapper hooks (idempotent)."""
    for target, name, hook in HOOKS:
        if not event.contains(target, name, hook):
            options = {"propagate": True} if target is Base else {}
            event.listen(target, name, hook, **options)


class AuditQuery(BaseModel):
    """Filters of `filiera audit`, `GET /api/audit` and `/audit`; they combine with AND."""

    model_config = ConfigDict(str_strip_whitespace=True)

    actor: str | None = Field(default=None, max_length=254)
    action: str | None = Field(default=None, max_length=30, examples=["read"])
    entity: str | None = Field(default=None, max_length=30)
    entity_id: int | None = Field(default=None, ge=1)
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(default=100, ge=1, le=1000)


def read_log(session: Session, viewer: Viewer, query: AuditQuery) -> list[dict[str, Any]]:
    """Events matching `query`, newest first (auditors and admins only)."""
    policy.require_role(viewer, "audit.read")
    return [as_dict(event) for event in search(session, query)]


def search(session: Session, query: AuditQuery) -> list[AuditEvent]:
    """Events matching `query`, newest first."""
    stmt = select(AuditEvent)
    if query.actor:
        stmt = stmt.where(AuditEvent.actor == query.actor)
    if query.action:
        stmt = stmt.where(AuditEvent.action == query.action)
    if query.entity:
        stmt = stmt.where(AuditEvent.entity == query.entity)
    if query.entity_id is not None:
        stmt = stmt.where(AuditEvent.entity_id == query.entity_id)
    if query.since:
        stmt = stmt.where(AuditEvent.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEvent.at < query.until)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(query.limit)
    return list(session.scalars(stmt))


def as_dict(ev: AuditEvent) -> dict[str, Any]:
    return {
        "id": ev.id,
        "at": ev.at.isoformat(timespec="seconds"),
        "actor": ev.actor,
        "action": ev.action,
        "entity": ev.entity,
        "entity_id": ev.entity_id,
        "before": ev.before,
        "after": ev.after,
        "detail": ev.detail,
        "address": ev.address,
    }
