"""The audit log: sign-ins, reads of non-public data and every change, with before/after.

Changes are captured in one place, a SQLAlchemy flush hook, so no write path can forget
them: each inserted, updated or deleted row of an audited table becomes an event in the
same transaction (a rolled-back change leaves no event). Bulk imports switch row capture
off with `bulk()` and write one summary event instead. The log is append-only: the ORM
refuses to update or delete events and database triggers refuse it too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.models import AuditEvent
from filiera.access.viewer import Viewer
from filiera.errors import Forbidden
from filiera.registry.models import utcnow

VIEWER_KEY = "filiera.viewer"
BULK_KEY = "filiera.bulk"
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


def record_read(session: Session, entity: str, ids: list[int], detail: str) -> None:
    """Log that the actor was shown non-public records or fields."""
    if not ids:
        return
    if len(ids) == 1:
        record(session, "read", entity=entity, entity_id=ids[0], detail=detail)
    else:
        record(session, "read", entity=entity, detail=detail, after={"ids": sorted(set(ids))})


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


def _event_rows(session: Session) -> list[dict[str, Any]]:
    who = actor_of(session)
    base = {"actor_id": who.user_id, "actor": who.label, "address": who.address, "at": utcnow()}
    rows = []
    for action, objects in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objects:
            entity = audited_kind(obj)
            if entity is None:
                continue
            if action == "create":
                before, after = None, snapshot(obj)
            elif action == "delete":
                before, after = snapshot(obj), None
            else:
                before, after = _changes(obj)
                if not after:
                    continue
            rows.append(
                base
                | {
                    "action": action,
                    "entity": entity,
                    "entity_id": getattr(obj, "id", None),
                    "before": before,
                    "after": after,
                }
            )
    return rows


def _guard_append_only(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise Forbidden("the audit log is append-only")


def _capture(session: Session, _context: Any) -> None:
    if session.info.get(BULK_KEY):
        return
    rows = _event_rows(session)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def install() -> None:
    """Register the flush hooks on every Session (idempotent)."""
    if not event.contains(Session, "before_flush", _guard_append_only):
        event.listen(Session, "before_flush", _guard_append_only)
        event.listen(Session, "after_flush", _capture)


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
