"""Personal shortlists: organisations a user keeps from a search, named, ordered, annotated,
and optionally shared with one of the user's organisations.

Rules (every front end calls these functions):

- only signed-in users have lists; the owner reads and changes a list, the users of the
  organisation it is shared with (one of the owner's own) read it and cannot change it;
  anyone else gets "does not exist", whatever the list holds;
- an entry is shown and counted only when the reader may see its organisation, so a list
  read by a colleague with a narrower view, or by its owner after a record was hidden,
  answers as if the hidden organisation had never been on it (places are renumbered;
  hidden entries keep their own places when the owner reorders);
- reading restricted or owner-level organisations through a list is audited; every write
  is audited by the audit hook (`Shortlist` and `ShortlistEntry` declare `__audit__`).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from filiera.access import audit
from filiera.access.models import User
from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.errors import Forbidden, NotFound, Unauthorized, ValidationFailed, field_error
from filiera.match.models import Shortlist, ShortlistEntry
from filiera.match.shortlist_shapes import (
    ENTRIES_MAX,
    EntryIn,
    EntryOut,
    ShortlistIn,
    ShortlistOut,
    ShortlistPatch,
    ShortlistSummary,
)
from filiera.registry.models import Organisation, utcnow
from filiera.registry.schemas import parse

HIDDEN_LEVELS = ("restricted", "owner")  # reads of these are audited


def _require_user(viewer: Viewer) -> int:
    """The viewer's user id; shortlists belong to a signed-in user."""
    if not viewer.signed_in or viewer.user_id is None:
        raise Unauthorized("sign in first: shortlists belong to a user")
    return viewer.user_id


def _readable(viewer: Viewer):
    """WHERE clause: lists the viewer owns or that are shared with one of their organisations."""
    clauses = [Shortlist.owner_user_id == viewer.user_id]
    if viewer.org_ids:
        clauses.append(Shortlist.shared_with_id.in_(sorted(viewer.org_ids)))
    return or_(*clauses)


def _get(session: Session, viewer: Viewer, shortlist_id: int) -> Shortlist:
    """A list the viewer may read, else NotFound (as if it did not exist)."""
    _require_user(viewer)
    stmt = select(Shortlist).where(Shortlist.id == shortlist_id, _readable(viewer))
    found = session.scalars(stmt).first()
    if found is None:
        raise NotFound(f"shortlist {shortlist_id} does not exist")
    return found


def _own(session: Session, viewer: Viewer, shortlist_id: int) -> Shortlist:
    """A list the viewer may change: their own (a shared one they read: Forbidden)."""
    found = _get(session, viewer, shortlist_id)
    if found.owner_user_id != viewer.user_id:
        raise Forbidden(f"only its owner may change shortlist {shortlist_id}")
    return found


def _check_share(viewer: Viewer, org_id: int | None, record: str) -> None:
    """A list is shared only with one of its owner's own organisations."""
    if org_id is not None and org_id not in viewer.org_ids:
        raise ValidationFailed(
            f"{record}: shared_with_id is not one of your organisations",
            errors=[field_error(record, "shared_with_id", "is not one of your organisations")],
        )


def _visible_org(session: Session, viewer: Viewer, org_id: int) -> None:
    """NotFound unless the viewer may see organisation `org_id`."""
    stmt = select(Organisation.id).where(Organisation.id == org_id, visible_organisations(viewer))
    if session.scalar(stmt) is None:
        raise NotFound(f"organisation {org_id} does not exist")


def _entries(session: Session, viewer: Viewer, shortlist_id: int) -> list[ShortlistEntry]:
    """The entries whose organisation the viewer may see, in the list's order."""
    stmt = (
        select(ShortlistEntry)
        .join(Organisation, Organisation.id == ShortlistEntry.organisation_id)
        .where(ShortlistEntry.shortlist_id == shortlist_id, visible_organisations(viewer))
        .options(selectinload(ShortlistEntry.organisation))
        .order_by(ShortlistEntry.position, ShortlistEntry.id)
    )
    return list(session.scalars(stmt))


def _visible_count(viewer: Viewer):
    """Correlated count of a list's entries the viewer may see."""
    return (
        select(func.count(ShortlistEntry.id))
        .join(Organisation, Organisation.id == ShortlistEntry.organisation_id)
        .where(ShortlistEntry.shortlist_id == Shortlist.id, visible_organisations(viewer))
        .scalar_subquery()
    )


def _names(session: Session, viewer: Viewer, lists: list[Shortlist]) -> dict[str, dict]:
    """Owners' names and the names of the organisations lists are shared with (if visible)."""
    users = {s.owner_user_id for s in lists}
    orgs = {s.shared_with_id for s in lists if s.shared_with_id is not None}
    owners = dict(session.execute(select(User.id, User.name).where(User.id.in_(users))).all())
    shared = select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(orgs), visible_organisations(viewer)
    )
    return {"owners": owners, "orgs": dict(session.execute(shared).all())}


def _summary(shortlist: Shortlist, viewer: Viewer, count: int, names: dict) -> dict:
    return {
        "id": shortlist.id,
        "name": shortlist.name,
        "mine": shortlist.owner_user_id == viewer.user_id,
        "owner": names["owners"].get(shortlist.owner_user_id, ""),
        "shared_with_id": shortlist.shared_with_id,
        "shared_with": names["orgs"].get(shortlist.shared_with_id),
        "query": shortlist.query,
        "count": count,
        "created_at": shortlist.created_at,
        "updated_at": shortlist.updated_at,
    }


def _entry_out(position: int, entry: ShortlistEntry) -> EntryOut:
    org = entry.organisation
    return EntryOut(
        position=position,
        organisation_id=org.id,
        name=org.name,
        country=org.country,
        kind=org.kind,
        synthetic=org.synthetic,
        markings=list(org.markings or []),
        note=entry.note,
        added_at=entry.added_at,
    )


# --- reading ------------------------------------------------------------------------------


def list_shortlists(session: Session, viewer: Viewer) -> list[ShortlistSummary]:
    """The viewer's own lists, then those shared with them, each by name."""
    _require_user(viewer)
    stmt = select(Shortlist, _visible_count(viewer)).where(_readable(viewer))
    rows = session.execute(stmt).all()
    names = _names(session, viewer, [s for s, _ in rows])
    summaries = [ShortlistSummary(**_summary(s, viewer, count, names)) for s, count in rows]
    return sorted(summaries, key=lambda s: (not s.mine, s.name.casefold(), s.id))


def get_shortlist(session: Session, viewer: Viewer, shortlist_id: int) -> ShortlistOut:
    """One list with the entries the viewer may see (restricted ones are audited)."""
    shortlist = _get(session, viewer, shortlist_id)
    entries = _entries(session, viewer, shortlist_id)
    restricted = [e.organisation_id for e in entries if e.organisation.visibility in HIDDEN_LEVELS]
    audit.record_read(session, "organisation", restricted, f"shortlist {shortlist_id}")
    summary = _summary(shortlist, viewer, len(entries), _names(session, viewer, [shortlist]))
    shown = [_entry_out(place, entry) for place, entry in enumerate(entries, 1)]
    return ShortlistOut(**summary, entries=shown)


def saved_in(session: Session, viewer: Viewer, org_ids: list[int]) -> dict[int, list[int]]:
    """Organisation id -> ids of the viewer's own lists it is on (for "save" forms)."""
    if not viewer.signed_in or viewer.user_id is None or not org_ids:
        return {}
    stmt = (
        select(ShortlistEntry.organisation_id, ShortlistEntry.shortlist_id)
        .join(Shortlist, Shortlist.id == ShortlistEntry.shortlist_id)
        .where(
            Shortlist.owner_user_id == viewer.user_id,
            ShortlistEntry.organisation_id.in_(org_ids),
        )
        .order_by(ShortlistEntry.shortlist_id)
    )
    found: dict[int, list[int]] = {}
    for org_id, shortlist_id in session.execute(stmt):
        found.setdefault(org_id, []).append(shortlist_id)
    return found


# --- writing ------------------------------------------------------------------------------


def create(session: Session, viewer: Viewer, data: ShortlistIn) -> ShortlistOut:
    """A new, empty list owned by the viewer."""
    user_id = _require_user(viewer)
    _check_share(viewer, data.shared_with_id, "shortlist")
    shortlist = Shortlist(
        name=data.name,
        owner_user_id=user_id,
        shared_with_id=data.shared_with_id,
        query=data.query,
        filters={},
    )
    session.add(shortlist)
    session.flush()
    return get_shortlist(session, viewer, shortlist.id)


def change(
    session: Session, viewer: Viewer, shortlist_id: int, patch: ShortlistPatch
) -> ShortlistOut:
    """Rename, share or unshare, reorder (the owner only)."""
    shortlist = _own(session, viewer, shortlist_id)
    given = patch.model_fields_set
    record = f"shortlist {shortlist_id}"
    if "name" in given:
        if patch.name is None:
            raise ValidationFailed(
                f"{record}: name cannot be null",
                errors=[field_error(record, "name", "cannot be null")],
            )
        shortlist.name = patch.name
    if "shared_with_id" in given:
        _check_share(viewer, patch.shared_with_id, record)
        shortlist.shared_with_id = patch.shared_with_id
    if patch.order is not None:
        _reorder(session, viewer, shortlist, patch.order)
    shortlist.updated_at = utcnow()
    session.flush()
    return get_shortlist(session, viewer, shortlist_id)


def share(
    session: Session,
    viewer: Viewer,
    shortlist_id: int,
    org_id: int | None = None,
    *,
    stop: bool = False,
) -> ShortlistOut:
    """Share a list with one of the owner's organisations (`org_id`; by default their only
    one), or stop sharing it."""
    record = f"shortlist {shortlist_id}"
    if not stop and org_id is None:
        if len(viewer.org_ids) != 1:
            raise ValidationFailed(
                f"{record}: name the organisation to share with",
                errors=[field_error(record, "shared_with_id", "name one of your organisations")],
            )
        org_id = next(iter(viewer.org_ids))
    patch = ShortlistPatch(shared_with_id=None if stop else org_id)
    return change(session, viewer, shortlist_id, patch)


def delete(session: Session, viewer: Viewer, shortlist_id: int) -> None:
    """Delete a list and its entries (the owner only)."""
    session.delete(_own(session, viewer, shortlist_id))
    session.flush()


def add_entry(session: Session, viewer: Viewer, shortlist_id: int, data: EntryIn) -> ShortlistOut:
    """Put an organisation the viewer may see on their list, with a note, at a place; when it
    is there already, change its note (if given) and its place (if given)."""
    shortlist = _own(session, viewer, shortlist_id)
    _visible_org(session, viewer, data.organisation_id)
    shown = _entries(session, viewer, shortlist_id)
    entry = next((e for e in shown if e.organisation_id == data.organisation_id), None)
    if entry is None:
        if len(shown) >= ENTRIES_MAX:
            record = f"shortlist {shortlist_id}"
            raise ValidationFailed(
                f"{record} is full",
                errors=[field_error(record, "organisation_id", f"at most {ENTRIES_MAX}")],
            )
        entry = ShortlistEntry(organisation_id=data.organisation_id, note=data.note)
        entry.position = _next_position(session, shortlist_id)
        shortlist.entries.append(entry)
        session.flush()
        shown = _entries(session, viewer, shortlist_id)
    elif "note" in data.model_fields_set:
        entry.note = data.note
    if data.position is not None:
        ids = [e.organisation_id for e in shown if e.organisation_id != data.organisation_id]
        ids.insert(min(data.position, len(ids) + 1) - 1, data.organisation_id)
        _reorder(session, viewer, shortlist, ids)
    shortlist.updated_at = utcnow()
    session.flush()
    return get_shortlist(session, viewer, shortlist_id)


def remove_entry(session: Session, viewer: Viewer, shortlist_id: int, org_id: int) -> ShortlistOut:
    """Take an organisation off the viewer's list (one they may not see: "not on it")."""
    shortlist = _own(session, viewer, shortlist_id)
    entry = next(
        (e for e in _entries(session, viewer, shortlist_id) if e.organisation_id == org_id), None
    )
    if entry is None:
        raise NotFound(f"organisation {org_id} is not on shortlist {shortlist_id}")
    shortlist.entries.remove(entry)
    shortlist.updated_at = utcnow()
    session.flush()
    return get_shortlist(session, viewer, shortlist_id)


def save(
    session: Session,
    viewer: Viewer,
    organisation_id: int,
    *,
    shortlist_id: int | None = None,
    new_name: str | None = None,
    note: str | None = None,
    query: str | None = None,
) -> ShortlistOut:
    """ "Save to shortlist" from a result: onto a list of the viewer's, or a new one named
    `new_name` (kept with the search `query`)."""
    record = "save to shortlist"
    _require_user(viewer)
    _visible_org(session, viewer, organisation_id)
    entry = parse(EntryIn, {"organisation_id": organisation_id, "note": note or None}, record)
    if new_name:
        data = parse(ShortlistIn, {"name": new_name, "query": query or None}, record)
        shortlist_id = create(session, viewer, data).id
    if shortlist_id is None:
        raise ValidationFailed(
            f"{record}: pick a shortlist or name a new one",
            errors=[field_error(record, "shortlist", "pick one or name a new one")],
        )
    return add_entry(session, viewer, shortlist_id, entry)


def _next_position(session: Session, shortlist_id: int) -> int:
    stmt = select(func.max(ShortlistEntry.position)).where(
        ShortlistEntry.shortlist_id == shortlist_id
    )
    return (session.scalar(stmt) or 0) + 1


def _reorder(session: Session, viewer: Viewer, shortlist: Shortlist, order: list[int]) -> None:
    """Put the entries the viewer sees in `order` (each once); the others keep their places."""
    shown = _entries(session, viewer, shortlist.id)
    by_org = {e.organisation_id: e for e in shown}
    if sorted(order) != sorted(by_org) or len(set(order)) != len(order):
        record = f"shortlist {shortlist.id}"
        raise ValidationFailed(
            f"{record}: order must list each organisation on the list once",
            errors=[field_error(record, "order", "must list each organisation on the list once")],
        )
    everything = sorted(shortlist.entries, key=lambda e: (e.position, e.id))
    slots = [i for i, e in enumerate(everything) if e.organisation_id in by_org]
    for i, org_id in zip(slots, order, strict=True):
        everything[i] = by_org[org_id]
    for place, entry in enumerate(everything, 1):
        entry.position = place
