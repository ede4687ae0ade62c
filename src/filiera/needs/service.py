"""Publishing and reading needs and theses, interests, and matching in both directions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.errors import Conflict, NotFound, ValidationFailed, field_error
from filiera.match.engine import MatchFilters
from filiera.match.service import MatchResult, match, score_for_orgs
from filiera.match.text import detect_language
from filiera.match.usable import check_usable
from filiera.needs import investing, prior
from filiera.needs.models import Interest, Need, Thesis
from filiera.needs.schemas import (
    InterestIn,
    InterestOut,
    NeedIn,
    NeedOut,
    NeedPatch,
    ThesisIn,
    ThesisOut,
    ThesisPatch,
)
from filiera.registry import taxonomy
from filiera.registry.models import Organisation

STARTUP_KINDS = ["startup", "sme"]
NEED_REQUIRED = ("kind", "title", "text", "status", "visibility")
THESIS_REQUIRED = ("title", "text", "status", "visibility")
NOT_SUPPLIERS = ["public_body", "buyer", "investor", "cluster"]  # who publishes, not supplies


def need_out(need: Need, interests: int = 0) -> NeedOut:
    return NeedOut(
        id=need.id,
        kind=need.kind,
        title=need.title,
        text=need.text,
        lang=need.lang,
        owner_id=need.owner_id,
        owner=need.owner.name,
        capabilities=list(need.capabilities),
        trl_min=need.trl_min,
        trl_max=need.trl_max,
        countries=list(need.countries),
        deadline=need.deadline,
        status=need.status,
        visibility=need.visibility,
        markings=list(need.markings or []),
        interests=interests,
        created_at=need.created_at,
    )


def thesis_out(t: Thesis) -> ThesisOut:
    return ThesisOut(
        id=t.id,
        title=t.title,
        text=t.text,
        lang=t.lang,
        owner_id=t.owner_id,
        owner=t.owner.name,
        sectors=list(t.sectors),
        stages=list(t.stages),
        ticket_min=t.ticket_min,
        ticket_max=t.ticket_max,
        countries=list(t.countries),
        status=t.status,
        visibility=t.visibility,
        created_at=t.created_at,
    )


class NeedClosed(Conflict):
    """Interest in a need that is closed or past its deadline."""

    code = "need_closed"


class AlreadyInterested(Conflict):
    """The organisation already expressed interest in this need."""

    code = "already_interested"


# --- who may do what ------------------------------------------------------------------------


def may(viewer: Viewer, action: str) -> bool:
    """Whether the viewer's role may do `action` (`need.publish`, `thesis.publish`...)."""
    return viewer.signed_in and viewer.role in policy.PERMISSIONS[action]


def may_change(viewer: Viewer, action: str, owner_id: int) -> bool:
    """Whether the viewer may do `action` for the record of organisation `owner_id`."""
    return may(viewer, action) and (viewer.is_admin or owner_id in viewer.org_ids)


def acting_for(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    """(id, name) of the organisations the viewer acts for, by name."""
    stmt = (
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(viewer.org_ids), policy.visible_organisations(viewer))
        .order_by(Organisation.name)
    )
    return [(org_id, name) for org_id, name in session.execute(stmt)]


def publishing_for(session: Session, viewer: Viewer, action: str) -> list[tuple[int, str]]:
    """The organisations the viewer may publish for with `action` (`need.publish`,
    `thesis.publish`); Unauthorized or Forbidden when their role may not publish at all."""
    policy.require_role(viewer, action)
    return acting_for(session, viewer)


# --- needs --------------------------------------------------------------------------------


def publish_need(session: Session, viewer: Viewer, data: NeedIn) -> Need:
    """A buyer, cluster manager or admin publishes a need for their organisation."""
    queries.get_organisation(session, data.owner_id, viewer=viewer)
    policy.require_owner(viewer, "need.publish", data.owner_id)
    need = Need(**data.model_dump(), created_by=viewer.user_id)
    need.lang = data.lang or detect_language(f"{data.title}. {data.text}")
    session.add(need)
    session.flush()
    return need


def list_needs(
    session: Session, viewer: Viewer, *, status: str | None = "open", owner_id: int | None = None
) -> list[tuple[Need, int]]:
    """Needs the viewer may see, newest first, with their number of interests."""
    interests = (
        select(func.count(Interest.id))
        .where(
            Interest.need_id == Need.id,
            Interest.organisation_id.in_(policy.visible_org_ids(viewer)),
        )
        .scalar_subquery()
    )
    stmt = select(Need, interests).where(policy.visible_records(viewer, Need, "need"))
    if status:
        stmt = stmt.where(Need.status == status)
    if owner_id:
        stmt = stmt.where(Need.owner_id == owner_id)
    stmt = stmt.options(selectinload(Need.owner)).order_by(Need.id.desc())
    return [(need, count) for need, count in session.execute(stmt)]


def _visible_one(session: Session, viewer: Viewer, model, entity: str, record_id: int):
    """The record if `viewer` may see it, else NotFound (as if it did not exist)."""
    stmt = select(model).where(model.id == record_id, policy.visible_records(viewer, model, entity))
    record = session.scalars(stmt).first()
    if record is None:
        raise NotFound(f"{entity} {record_id} does not exist")
    return record


def get_need(session: Session, viewer: Viewer, need_id: int) -> Need:
    return _visible_one(session, viewer, Need, "need", need_id)


def change_need(session: Session, viewer: Viewer, need_id: int, patch: NeedPatch) -> Need:
    """Change the fields given in `patch` (the publisher's users and admins)."""
    need = editable_need(session, viewer, need_id)
    _apply(need, patch, f"need {need_id}", NEED_REQUIRED)
    _check_range(need, "trl_min", "trl_max", f"need {need_id}")
    session.flush()
    return need


def editable_need(session: Session, viewer: Viewer, need_id: int) -> Need:
    """The need, if the viewer may see it (else NotFound) and change it (else Forbidden)."""
    need = get_need(session, viewer, need_id)
    policy.require_owner(viewer, "need.publish", need.owner_id)
    return need


def _apply(
    record: Need | Thesis, patch: NeedPatch | ThesisPatch, label: str, required: tuple[str, ...]
) -> None:
    """Set the patch's given fields; a required one set to null is refused, naming it."""
    changes = patch.model_dump(exclude_unset=True)
    nulled = [name for name in required if name in changes and changes[name] is None]
    if nulled:
        errors = [field_error(label, name, "cannot be null") for name in nulled]
        raise ValidationFailed(f"{label}: {', '.join(nulled)} cannot be null", errors=errors)
    for name, value in changes.items():
        setattr(record, name, value)


def _check_range(record: Need | Thesis, low: str, high: str, label: str) -> None:
    """`low` above `high` after a change is refused on `high` (as the input shapes do)."""
    bottom, top = getattr(record, low), getattr(record, high)
    if bottom and top and bottom > top:
        raise ValidationFailed(
            f"{label}: {high} is below {low}", errors=[field_error(label, high, f"is below {low}")]
        )


def delete_need(session: Session, viewer: Viewer, need_id: int) -> None:
    session.delete(editable_need(session, viewer, need_id))


def query_text(record: Need | Thesis, codes: list[str]) -> str:
    """Title, text and the labels of the record's capability codes, in its language."""
    labels = [
        taxonomy.label(code, record.lang or "en")
        for code in codes
        if code in taxonomy.capabilities()
    ]
    return "\n".join([record.title, record.text, *labels])


def need_query(need: Need) -> tuple[str, MatchFilters]:
    """The text and filters a need searches with: its text, capabilities and countries."""
    text = query_text(need, need.capabilities)
    return text, MatchFilters(countries=list(need.countries), exclude_kinds=NOT_SUPPLIERS)


def candidates(
    session: Session, viewer: Viewer, need_id: int, top: int = 20, explain_lang: str | None = None
) -> MatchResult:
    """Organisations the viewer may see, ranked for the need (reasons in `explain_lang`);
    a need whose text has nothing to match is refused with the reason (NothingToMatch)."""
    need = get_need(session, viewer, need_id)
    text, filters = need_query(need)
    check_usable(text, need.lang, f"need {need_id}")
    filters = replace(filters, include_synthetic=None)  # as on /match: real ones first
    return match(
        session, viewer, text, lang=need.lang, filters=filters, top=top, explain_lang=explain_lang
    )


def express_interest(session: Session, viewer: Viewer, need_id: int, data: InterestIn) -> Interest:
    """An organisation's user says it can help; once per organisation and need."""
    need = get_need(session, viewer, need_id)
    queries.get_organisation(session, data.organisation_id, viewer=viewer)
    policy.require_owner(viewer, "need.interest", data.organisation_id)
    if not is_open(need):
        raise NeedClosed(f"need {need_id} is closed", key="need_closed")
    exists = session.scalar(
        select(Interest.id).where(
            Interest.need_id == need_id, Interest.organisation_id == data.organisation_id
        )
    )
    if exists:
        raise AlreadyInterested(
            f"organisation {data.organisation_id} already expressed interest in need {need_id}",
            errors=[field_error(f"need {need_id}", "organisation_id", "already interested")],
            key="already_interested",
        )
    interest = Interest(
        need_id=need_id,
        organisation_id=data.organisation_id,
        note=data.note,
        created_by=viewer.user_id,
    )
    session.add(interest)
    session.flush()
    return interest


def is_open(need: Need) -> bool:
    """Open and not past its deadline: interest can still be expressed."""
    return need.status == "open" and not (need.deadline and need.deadline < date.today())


def interests_of(session: Session, viewer: Viewer, need_id: int) -> list[InterestOut]:
    """Who expressed interest: seen by the need's owner and admins (and each by itself)."""
    need = get_need(session, viewer, need_id)
    rows = session.scalars(
        select(Interest)
        .where(Interest.need_id == need_id)
        .options(selectinload(Interest.organisation))
        .order_by(Interest.id)
    )
    owner = viewer.is_admin or need.owner_id in viewer.org_ids
    shown = [i for i in rows if owner or i.organisation_id in viewer.org_ids]
    visible = _visible_orgs(session, viewer, shown)
    return [interest_out(i) for i in shown if i.organisation_id in visible]


def interest_count(session: Session, viewer: Viewer, need: Need) -> int:
    """How many organisations the viewer may see expressed interest in `need`."""
    stmt = select(func.count(Interest.id)).where(
        Interest.need_id == need.id, Interest.organisation_id.in_(policy.visible_org_ids(viewer))
    )
    return int(session.scalar(stmt) or 0)


def _visible_orgs(session: Session, viewer: Viewer, interests: list[Interest]) -> set[int]:
    """Interested organisations the viewer may see (others are left out, even for owners)."""
    ids = {i.organisation_id for i in interests}
    stmt = select(Organisation.id).where(
        Organisation.id.in_(ids), policy.visible_organisations(viewer)
    )
    return set(session.scalars(stmt))


def interest_out(interest: Interest) -> InterestOut:
    return InterestOut(
        need_id=interest.need_id,
        organisation_id=interest.organisation_id,
        organisation=interest.organisation.name,
        note=interest.note,
        created_at=interest.created_at,
    )


# --- theses -------------------------------------------------------------------------------


def publish_thesis(session: Session, viewer: Viewer, data: ThesisIn) -> Thesis:
    queries.get_organisation(session, data.owner_id, viewer=viewer)
    policy.require_owner(viewer, "thesis.publish", data.owner_id)
    thesis = Thesis(**data.model_dump(), created_by=viewer.user_id)
    thesis.lang = data.lang or detect_language(f"{data.title}. {data.text}")
    session.add(thesis)
    session.flush()
    return thesis


def list_theses(session: Session, viewer: Viewer, *, status: str | None = None) -> list[Thesis]:
    """Theses the viewer may see, newest first (only those with `status` when given)."""
    stmt = (
        select(Thesis)
        .where(policy.visible_records(viewer, Thesis, "thesis"))
        .options(selectinload(Thesis.owner))
        .order_by(Thesis.id.desc())
    )
    if status:
        stmt = stmt.where(Thesis.status == status)
    return list(session.scalars(stmt))


def get_thesis(session: Session, viewer: Viewer, thesis_id: int) -> Thesis:
    return _visible_one(session, viewer, Thesis, "thesis", thesis_id)


def editable_thesis(session: Session, viewer: Viewer, thesis_id: int) -> Thesis:
    """The thesis, if the viewer may see it (else NotFound) and change it (else Forbidden)."""
    thesis = get_thesis(session, viewer, thesis_id)
    policy.require_owner(viewer, "thesis.publish", thesis.owner_id)
    return thesis


def change_thesis(session: Session, viewer: Viewer, thesis_id: int, patch: ThesisPatch) -> Thesis:
    """Change the fields given in `patch` (the investor's users and admins)."""
    thesis = editable_thesis(session, viewer, thesis_id)
    _apply(thesis, patch, f"thesis {thesis_id}", THESIS_REQUIRED)
    _check_range(thesis, "ticket_min", "ticket_max", f"thesis {thesis_id}")
    session.flush()
    return thesis


def delete_thesis(session: Session, viewer: Viewer, thesis_id: int) -> None:
    session.delete(editable_thesis(session, viewer, thesis_id))


def thesis_query(thesis: Thesis) -> tuple[str, MatchFilters]:
    """The text and filters a thesis searches with: start-ups and SMEs in its countries
    (the stages it funds: `prior.wanted_stages`)."""
    text = query_text(thesis, thesis.sectors)
    return text, MatchFilters(countries=list(thesis.countries), kinds=STARTUP_KINDS)


def thesis_ranking(
    session: Session, viewer: Viewer, thesis: Thesis, include_synthetic: bool | None = True
) -> investing.ThesisRanking:
    """The fit of every start-up and SME the viewer may see for `thesis` (`needs.investing`:
    relevance re-weighted by a start-up prior, stages from the thesis or its ticket)."""
    text, filters = thesis_query(thesis)
    return investing.rank(
        session,
        viewer,
        text,
        lang=thesis.lang,
        filters=replace(filters, include_synthetic=include_synthetic),
        stages=prior.wanted_stages(thesis.stages, thesis.ticket_min, thesis.ticket_max),
    )


def startups_for(
    session: Session,
    viewer: Viewer,
    thesis_id: int,
    top: int = 20,
    explain_lang: str | None = None,
    offset: int = 0,
) -> MatchResult:
    """Start-ups first, then SMEs, the viewer may see, ranked for an investment thesis with
    their traction in the reasons (real ones first, kind by kind); a thesis whose text has
    nothing to match is refused with the reason (NothingToMatch)."""
    thesis = get_thesis(session, viewer, thesis_id)
    check_usable(thesis_query(thesis)[0], thesis.lang, f"thesis {thesis_id}")
    ranking = thesis_ranking(session, viewer, thesis, include_synthetic=None)
    return investing.result(
        session,
        viewer,
        ranking,
        query=thesis_query(thesis)[0],
        top=top,
        offset=offset,
        lang=explain_lang,
    )


# --- the reverse: what fits an organisation -------------------------------------------------


def opportunities(
    session: Session, viewer: Viewer, org_id: int, top: int = 10
) -> dict[str, list[dict]]:
    """Open needs and theses the viewer may see that fit organisation `org_id`, best first.

    Each item scores the organisation against the need with the matchmaking engine (a
    thesis with its thesis ranking, `investing`) and reports its rank among all eligible
    organisations.
    """
    org = queries.get_organisation(session, org_id, viewer=viewer)
    needs = [n for n, _ in list_needs(session, viewer) if _eligible(org, n.countries)]
    theses = [
        t
        for t in list_theses(session, viewer)
        if t.status == "open" and _eligible(org, t.countries) and org.kind in STARTUP_KINDS
    ]
    out = {"needs": [], "theses": []}
    for need in needs:
        text, filters = need_query(need)
        fit = score_for_orgs(session, viewer, text, need.lang, filters, org_id)
        if fit is not None and fit["score"] > 0:
            out["needs"].append(_opportunity(need, fit))
    for thesis in theses:
        ranking = thesis_ranking(session, viewer, thesis)
        fit = investing.fit_of(session, viewer, ranking, org_id, ranking.relevance.terms.lang)
        if fit is not None:
            out["theses"].append(_opportunity(thesis, fit))
    for kind in out:
        out[kind].sort(key=lambda item: (-item["score"], item["id"]))
        out[kind] = out[kind][:top]
    return out


def _opportunity(record: Need | Thesis, fit: dict) -> dict:
    return {"id": record.id, "title": record.title, "owner": record.owner.name, **fit}


def _eligible(org: Organisation, countries: list[str]) -> bool:
    return not countries or (org.country or "") in countries
