"""Organisations as a viewer reads and edits them: the one home of the directory's rules.

Every function takes the `Viewer` and validated input and does all of it: the visibility
rule, the role and edit checks, validation against the database, provenance and the audit
of restricted reads. The API routes, the web pages and the CLI commands call these and
only translate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from filiera.access import audit, policy, records
from filiera.access.disclosure import LOGGED_LEVELS, for_organisation
from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.directory.filters import OrgFilter
from filiera.directory.patching import apply_patch, check_patch, identifier_taken, manual_source
from filiera.directory.profiles import (
    OrganisationDetail,
    OrganisationPage,
    OrganisationSummary,
    detail,
    summary,
)
from filiera.errors import NotFound
from filiera.registry.models import Organisation, ReviewItem
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn, OrganisationPatch
from filiera.registry.writer import Outcome, incoming, upsert

PIC_LENGTH = 9


class PartnerOut(BaseModel):
    """An organisation that shares funded projects with another one."""

    organisation: OrganisationSummary
    shared_projects: int = Field(examples=[3])


class Listed(Protocol):
    """An organisation as listed: a loaded row or just its id and visibility."""

    id: int
    visibility: str


def audit_listing(session: Session, viewer: Viewer, rows: Sequence[Listed], what: str) -> None:
    """Listing restricted records is audited like reading them (rows are all visible)."""
    shown = [org.id for org in rows if org.visibility in LOGGED_LEVELS]
    audit.record_read(session, "organisation", shown, what, viewer)


def list_page(
    session: Session,
    viewer: Viewer,
    flt: OrgFilter,
    *,
    page: int = 1,
    per_page: int = 50,
    sort: str = "name",
    what: str = "directory listing",
) -> OrganisationPage:
    """One page of the directory as `viewer` may see it, with its total count."""
    rows, total = queries.list_organisations(
        session, flt, viewer=viewer, page=page, per_page=per_page, sort=sort
    )
    audit_listing(session, viewer, rows, what)
    data = [summary(org) for org in rows]
    return OrganisationPage(data=data, count=total, page=page, per_page=per_page)


def profile_of(session: Session, viewer: Viewer, org: Organisation) -> OrganisationDetail:
    """The profile of a visible organisation; reads of restricted data are audited."""
    disclosure = for_organisation(session, viewer, org)
    out = detail(org, disclosure)
    disclosure.log(session, f"profile of organisation {org.id}")
    return out


def profile(session: Session, viewer: Viewer, org_id: int) -> OrganisationDetail:
    """The profile as `viewer` may see it (NotFound when they may not see it at all)."""
    return profile_of(session, viewer, queries.get_organisation(session, org_id, viewer=viewer))


def lookup(session: Session, viewer: Viewer, ref: str) -> Organisation:
    """An organisation by id or by 9-digit PIC, among those `viewer` may see."""
    ref = ref.strip()
    if len(ref) == PIC_LENGTH and ref.isdigit():
        return by_pic(session, viewer, ref)
    if not ref.isdigit():
        raise NotFound(f"{ref!r} is neither an organisation id nor a 9-digit PIC")
    return queries.get_organisation(session, int(ref), viewer=viewer)


def by_pic(session: Session, viewer: Viewer, pic: str) -> Organisation:
    """The organisation holding this EU Participant Identification Code."""
    org = queries.find_by_identifier(session, "pic", pic.strip(), viewer=viewer)
    if org is None:
        raise NotFound(f"no organisation with PIC {pic}")
    return queries.get_organisation(session, org.id, viewer=viewer)


def create(session: Session, viewer: Viewer, record: OrganisationIn) -> Outcome:
    """Create an organisation or merge it into the one it resolves to.

    Admins and cluster managers only; merging into an existing record also needs the right
    to edit that record (checked before anything is kept: the unit of work rolls back).
    Records the writer may not see take no part in the answer: an identifier they hold gets
    the neutral conflict, and a hidden near-duplicate is queued for an admin's review
    without a word in the response.
    """
    policy.require_role(viewer, "organisation.create")
    everyone = Resolver.from_session(session)
    resolver = everyone
    if not viewer.is_admin:
        visible = set(session.scalars(policy.visible_org_ids(viewer)))
        resolver = everyone.only(visible)
        _refuse_hidden_identifiers(record, everyone, visible)
    outcome = upsert(session, record, source=manual_source(viewer), resolver=resolver)
    if resolver is not everyone:
        _queue_hidden_duplicate(session, everyone, record, outcome)
    session.flush()
    session.expire_all()
    if outcome.action in ("merged", "unchanged"):
        target = queries.get_organisation(session, outcome.org_id, viewer=viewer)
        policy.require_edit(viewer, target)
    return outcome


def _refuse_hidden_identifiers(record: OrganisationIn, everyone: Resolver, visible: set[int]):
    for scheme, value in record.identifiers.items():
        holder = everyone.by_identifier.get((scheme, value))
        if holder is not None and holder not in visible:
            raise identifier_taken(record.name, scheme, value, None)


def _queue_hidden_duplicate(
    session: Session, everyone: Resolver, record: OrganisationIn, outcome: Outcome
) -> None:
    """A new record that may duplicate one the writer cannot see goes to the review queue."""
    if outcome.action not in ("created", "review"):
        return
    decision = everyone.decide(incoming(record))
    hidden = decision.org_id not in (None, outcome.org_id, outcome.decision.org_id)
    if decision.action in ("same", "review") and hidden:
        session.add(
            ReviewItem(
                organisation_id=outcome.org_id,
                candidate_id=decision.org_id,
                score=decision.score,
                reasons=decision.reasons,
            )
        )


def edit(
    session: Session, viewer: Viewer, org_id: int, patch: OrganisationPatch
) -> OrganisationDetail:
    """Change only the given fields (admins, the organisation's users, its clusters' managers)."""
    org = editable(session, viewer, org_id)
    check_patch(session, viewer, org_id, patch)
    apply_patch(session, org, patch, manual_source(viewer))
    session.expire_all()
    return profile(session, viewer, org_id)


def delete(session: Session, viewer: Viewer, org_id: int) -> None:
    """Delete an organisation with everything attached to it (admins only)."""
    org = queries.get_organisation(session, org_id, viewer=viewer)
    policy.require_role(viewer, "organisation.delete")
    # grants name their record by (entity, id), not by a foreign key: they go with it (and
    # are logged), or a record later given the same id would inherit them
    granted = [("organisation", org.id)] + [("site", site.id) for site in org.sites]
    for entity, entity_id in granted:
        for grant in records.grants_of(session, entity, entity_id):
            session.delete(grant)
    session.delete(org)
    session.flush()


def partners(session: Session, viewer: Viewer, org_id: int, limit: int = 20) -> list[PartnerOut]:
    """Visible organisations sharing the most funded projects with a visible one."""
    queries.require_visible(session, org_id, viewer=viewer)
    found = queries.partners(session, org_id, limit, viewer=viewer)
    audit_listing(session, viewer, [org for org, _ in found], f"partners of organisation {org_id}")
    return [PartnerOut(organisation=summary(org), shared_projects=shared) for org, shared in found]


def editable(session: Session, viewer: Viewer, org_id: int) -> Organisation:
    """A visible organisation `viewer` may edit (404 when hidden from them, else 403)."""
    org = queries.get_organisation(session, org_id, viewer=viewer)
    policy.require_edit(viewer, org)
    return org


def access_settings(session: Session, viewer: Viewer, org_id: int) -> records.AccessOut:
    """Visibility, field levels, grants and markings (for those who may edit it)."""
    return records.access_of(session, editable(session, viewer, org_id))


def change_access(
    session: Session, viewer: Viewer, org_id: int, change: records.AccessIn
) -> records.AccessOut:
    """Change who may see the organisation and its sensitive fields; set its markings."""
    return records.set_access(session, viewer, editable(session, viewer, org_id), change)


def can_edit(viewer: Viewer, org: Organisation) -> bool:
    """May `viewer` edit this (visible) organisation? For showing an edit link."""
    clusters = [m.cluster_id for m in org.memberships]
    return policy.can_edit_organisation(viewer, org.id, clusters)
