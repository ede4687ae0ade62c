"""Publishing and reading needs and theses, interests, and matching in both directions."""

from __future__ import annotations

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
from filiera.needs.models import Interest, Need, Thesis
from filiera.needs.schemas import (
    InterestIn,
    InterestOut,
    NeedIn,
    NeedOut,
    NeedPatch,
    ThesisIn,
    ThesisOut,
)
from filiera.registry import taxonomy
from filiera.registry.models import Organisation

STARTUP_KINDS = ["startup", "sme"]
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
    need = get_need(session, viewer, need_id)
    policy.require_owner(viewer, "need.publish", need.owner_id)
    for name, value in patch.model_dump(exclude_unset=True).items():
        if value is None and name in ("kind", "title", "text", "status", "visibility"):
            raise ValidationFailed(
                f"need {need_id}: {name} cannot be null",
                errors=[field_error(f"need {need_id}", name, "cannot be null")],
            )
        setattr(need, name, value)
    if need.trl_min and need.trl_max and need.trl_min > need.trl_max:
        raise ValidationFailed(
            "TRL range is inverted",
            errors=[field_error(f"need {need_id}", "trl_min", "is above trl_max")],
        )
    session.flush()
    return need


def delete_need(session: Session, viewer: Viewer, need_id: int) -> None:
    need = get_need(session, viewer, need_id)
    policy.require_owner(viewer, "need.publish", need.owner_id)
    session.delete(need)


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
    """Organisations the viewer may see, ranked for the need (reasons in `explain_lang`)."""
    need = get_need(session, viewer, need_id)
    text, filters = need_query(need)
    return match(
        session, viewer, text, lang=need.lang, filters=filters, top=top, explain_lang=explain_lang
    )


def express_interest(session: Session, viewer: Viewer, need_id: int, data: InterestIn) -> Interest:
    """An organisation's user says it can help; once per organisation and need."""
    need = get_need(session, viewer, need_id)
    queries.get_organisation(session, data.organisation_id, viewer=viewer)
    policy.require_owner(viewer, "need.interest", data.organisation_id)
    if need.status != "open" or (need.deadline and need.deadline < date.today()):
        raise Conflict(f"need {need_id} is closed")
    exists = session.scalar(
        select(Interest.id).where(
            Interest.need_id == need_id, Interest.organisation_id == data.organisation_id
        )
    )
    if exists:
        raise Conflict(
            f"organisation {data.organisation_id} already expressed interest in need {need_id}",
            errors=[field_error(f"need {need_id}", "organisation_id", "already interested")],
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


def list_theses(session: Session, viewer: Viewer) -> list[Thesis]:
    stmt = (
        select(Thesis)
        .where(policy.visible_records(viewer, Thesis, "thesis"))
        .options(selectinload(Thesis.owner))
        .order_by(Thesis.id.desc())
    )
    return list(session.scalars(stmt))


def get_thesis(session: Session, viewer: Viewer, thesis_id: int) -> Thesis:
    return _visible_one(session, viewer, Thesis, "thesis", thesis_id)


def delete_thesis(session: Session, viewer: Viewer, thesis_id: int) -> None:
    thesis = get_thesis(session, viewer, thesis_id)
    policy.require_owner(viewer, "thesis.publish", thesis.owner_id)
    session.delete(thesis)


def thesis_query(thesis: Thesis) -> tuple[str, MatchFilters]:
    """The text and filters a thesis searches with: start-ups and SMEs in its countries."""
    text = query_text(thesis, thesis.sectors)
    return text, MatchFilters(countries=list(thesis.countries), kinds=STARTUP_KINDS)


def startups_for(
    session: Session,
    viewer: Viewer,
    thesis_id: int,
    top: int = 20,
    explain_lang: str | None = None,
) -> MatchResult:
    """Start-ups and SMEs the viewer may see, ranked for an investment thesis."""
    thesis = get_thesis(session, viewer, thesis_id)
    text, filters = thesis_query(thesis)
    return match(
        session, viewer, text, lang=thesis.lang, filters=filters, top=top, explain_lang=explain_lang
    )


# --- the reverse: what fits an organisation -------------------------------------------------


def opportunities(
    session: Session, viewer: Viewer, org_id: int, top: int = 10
) -> dict[str, list[dict]]:
    """Open needs and theses the viewer may see that fit organisation `org_id`, best first.

    Each item scores the organisation against the need (or thesis) with the matchmaking
    engine and reports its rank among all eligible organisations.
    """
    org = queries.get_organisation(session, org_id, viewer=viewer)
    needs = [n for n, _ in list_needs(session, viewer) if _eligible(org, n.countries)]
    theses = [
        t
        for t in list_theses(session, viewer)
        if t.status == "open" and _eligible(org, t.countries) and org.kind in STARTUP_KINDS
    ]
    out = {"needs": [], "theses": []}
    for kind, records, build in (("needs", needs, need_query), ("theses", theses, thesis_query)):
        for record in records:
            text, filters = build(record)
            fit = score_for_orgs(session, viewer, text, record.lang, filters, org_id)
            if fit is not None and fit["score"] > 0:
                out[kind].append(
                    {"id": record.id, "title": record.title, "owner": record.owner.name, **fit}
                )
        out[kind].sort(key=lambda item: (-item["score"], item["id"]))
        out[kind] = out[kind][:top]
    return out


def _eligible(org: Organisation, countries: list[str]) -> bool:
    return not countries or (org.country or "") in countries
