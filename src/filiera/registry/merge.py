"""Merging two organisation records into one, and deciding review items."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from filiera.errors import Conflict, NotFound
from filiera.registry import fields
from filiera.registry.models import (
    Alias,
    Certification,
    Identifier,
    Membership,
    OrgActivity,
    Organisation,
    OrgCapability,
    Participation,
    PersonRole,
    Relation,
    ReviewItem,
    Site,
    utcnow,
)

MOVABLE = (Site, Certification, Alias, Identifier, PersonRole)
UNIQUE_PER_ORG = {
    OrgCapability: OrgCapability.code,
    OrgActivity: OrgActivity.nace,
    Participation: Participation.project_id,
    Membership: Membership.cluster_id,
}


def merge_organisations(session: Session, keep_id: int, drop_id: int) -> Organisation:
    """Move everything of `drop_id` onto `keep_id`, keep its name as an alias, delete it."""
    if keep_id == drop_id:
        raise Conflict(f"cannot merge organisation {keep_id} into itself", key="merge_into_itself")
    keep, drop = session.get(Organisation, keep_id), session.get(Organisation, drop_id)
    if keep is None or drop is None:
        raise NotFound(f"organisation {keep_id if keep is None else drop_id} does not exist")
    _fill_blanks(keep, drop)
    _move_children(session, keep_id, drop_id)
    known = {keep.name.casefold(), *(a.name.casefold() for a in keep.aliases)}
    if drop.name.casefold() not in known:
        session.add(Alias(organisation_id=keep_id, name=drop.name, name_key=drop.name_key))
    session.execute(delete(ReviewItem).where(ReviewItem.organisation_id == drop_id))
    session.execute(delete(ReviewItem).where(ReviewItem.candidate_id == drop_id))
    session.flush()
    session.expire_all()
    session.delete(session.get(Organisation, drop_id))
    session.flush()
    return session.get(Organisation, keep_id)


def _fill_blanks(keep: Organisation, drop: Organisation) -> None:
    for name in fields.fill_blanks("organisation"):
        if getattr(keep, name) in (None, "") and getattr(drop, name) not in (None, ""):
            setattr(keep, name, getattr(drop, name))
    keep.descriptions = {**(drop.descriptions or {}), **(keep.descriptions or {})}


def _move_children(session: Session, keep_id: int, drop_id: int) -> None:
    kept_idents = {
        (s, v)
        for s, v in session.execute(
            select(Identifier.scheme, Identifier.value).where(Identifier.organisation_id == keep_id)
        )
    }
    kept_schemes = {s for s, _ in kept_idents if s != "source_key"}
    for ident in session.scalars(select(Identifier).where(Identifier.organisation_id == drop_id)):
        if ident.scheme in kept_schemes:
            session.delete(ident)
    kept_aliases = set(session.scalars(select(Alias.name).where(Alias.organisation_id == keep_id)))
    session.execute(
        delete(Alias).where(Alias.organisation_id == drop_id, Alias.name.in_(kept_aliases))
    )
    session.flush()
    for model in MOVABLE:
        session.execute(
            update(model).where(model.organisation_id == drop_id).values(organisation_id=keep_id)
        )
    for model, column in UNIQUE_PER_ORG.items():
        kept = select(column).where(model.organisation_id == keep_id).scalar_subquery()
        session.execute(delete(model).where(model.organisation_id == drop_id, column.in_(kept)))
        session.execute(
            update(model).where(model.organisation_id == drop_id).values(organisation_id=keep_id)
        )
    session.execute(
        update(Membership).where(Membership.cluster_id == drop_id).values(cluster_id=keep_id)
    )
    for column in (Relation.source_org_id, Relation.target_org_id):
        session.execute(update(Relation).where(column == drop_id).values({column: keep_id}))


def decide_review(session: Session, item_id: int, *, merge: bool) -> ReviewItem | None:
    """Accept (merge the pair) or reject (keep both) an open review item."""
    item = session.get(ReviewItem, item_id)
    if item is None:
        raise NotFound(f"review item {item_id} does not exist")
    if item.status != "open":
        raise Conflict(f"review item {item_id} is already {item.status}", key="review_decided")
    if merge:
        merge_organisations(session, item.candidate_id, item.organisation_id)
        return None
    item.status, item.decided_at = "rejected", utcnow()
    return item
