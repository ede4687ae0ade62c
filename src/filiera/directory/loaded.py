"""Profiles already loaded in this unit of work: read once per request, however often asked.

A profile page asks `queries.get_organisation` for the same organisation more than once
(the page, then the opportunities that fit it check it again), and each call reloads every
relation of the profile (a dozen queries). A later call in the same session, by the same
viewer, gets the organisation the first one loaded while nothing can have changed it: no
flush, commit or rollback since, no pending change in the session, no ORM UPDATE, DELETE
or INSERT statement, and the object still in the session with nothing expired. Nothing is
kept beyond the session, so no request sees another's data.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session

from filiera.access.viewer import Viewer
from filiera.registry.models import Organisation

KEY = "filiera.loaded_profiles"


def remembered(session: Session, org_id: int, viewer: Viewer) -> Organisation | None:
    """The profile loaded earlier in this session for `viewer`, if it is certainly current."""
    org = session.info.get(KEY, {}).get((org_id, viewer))
    if org is None or session.new or session.dirty or session.deleted:
        return None
    state = inspect(org)
    if state.session is not session or state.expired or state.expired_attributes:
        return None
    return org


def remember(session: Session, viewer: Viewer, org: Organisation) -> None:
    """Keep the profile just loaded for `viewer` until the session changes."""
    session.info.setdefault(KEY, {})[(org.id, viewer)] = org


def forget(session: Session, *_: Any) -> None:
    """Drop every remembered profile of the session (something may have changed)."""
    session.info.pop(KEY, None)


def _statement(state: ORMExecuteState) -> None:
    if not state.is_select:
        forget(state.session)


HOOKS = (
    ("after_flush", forget),
    ("after_commit", forget),
    ("after_rollback", forget),
    ("after_soft_rollback", forget),
    ("do_orm_execute", _statement),
)


def install() -> None:
    """Register the session hooks that forget (idempotent)."""
    for name, hook in HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)


install()
