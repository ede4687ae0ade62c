"""Reviewing what was read from the news: accept (possibly edited) or reject each fact.

An accepted organisation links to a registry organisation, or creates one (entity
resolution first: a name that resolves to an existing record merges into it); an accepted
person with an organisation becomes a registry person with that role; every accepted fact
links to the registry organisations it is about and shows on their pages, with the article
as the source.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.directory import service
from filiera.errors import Conflict, NotFound, ValidationFailed, field_error
from filiera.news.models import NewsFact, NewsLink
from filiera.registry.models import Organisation, Person, PersonRole, utcnow
from filiera.registry.schemas import OrganisationIn

EVENT_TYPES = (
    "association_launch",
    "partnership",
    "funding_award",
    "capacity_expansion",
    "contract",
    "investment_round",
    "forum_meeting",
)
KIND_TO_ORG_KIND = {
    "company": "other",
    "startup": "startup",
    "association": "cluster",
    "cluster": "cluster",
    "research": "research",
    "public_body": "public_body",
    "investor": "investor",
    "foundation": "other",
}
# What a reviewer may change, per kind of fact: field -> its type.
EDITABLE: dict[str, dict[str, Any]] = {
    "organization": {"name": str, "registry_id": (int, type(None))},
    "person": {
        "name": str,
        "role": (str, type(None)),
        "organization": (str, type(None)),
        "organization_id": (int, type(None)),
    },
    "place": {"name": str, "country": (str, type(None)), "region": (str, type(None))},
    "money": {"amount": (int, float), "currency": str, "subject_ids": list},
    "quantity": {
        "value": (int, float),
        "unit": str,
        "qualifier": (str, type(None)),
        "subject_ids": list,
    },
    "date": {"date": str, "subject_ids": list},
    "event": {
        "type": str,
        "participants": list,
        "organization_ids": list,
        "people": list,
        "places": list,
        "date": (str, type(None)),
    },
}


def review_queue(
    session: Session, viewer: Viewer, *, kind: str | None = None, limit: int = 200
) -> list[NewsFact]:
    """Proposed facts, oldest article first, for reviewers."""
    policy.require_role(viewer, "news.review")
    stmt = (
        select(NewsFact)
        .where(NewsFact.status == "proposed")
        .options(selectinload(NewsFact.links), selectinload(NewsFact.article))
        .order_by(NewsFact.article_id, NewsFact.start, NewsFact.id)
        .limit(limit)
    )
    if kind:
        stmt = stmt.where(NewsFact.kind == kind)
    return list(session.scalars(stmt))


def decide(
    session: Session,
    viewer: Viewer,
    fact_id: int,
    decision: str,
    *,
    changes: dict[str, Any] | None = None,
    create_organisation: bool = False,
    note: str | None = None,
) -> NewsFact:
    """Accept (with `changes` to its data) or reject one fact."""
    policy.require_role(viewer, "news.review")
    fact = session.get(NewsFact, fact_id)
    if fact is None:
        message = f"news fact {fact_id} does not exist"
        raise NotFound(message, errors=[field_error("news_fact", "fact_id", message)])
    if decision not in ("accept", "reject"):
        message = f"news fact {fact_id}: decision is accept or reject, not {decision!r}"
        raise ValidationFailed(message, errors=[field_error("news_fact", "decision", message)])
    if fact.status != "proposed":
        raise Conflict(f"news fact {fact_id} was already {fact.status}")
    if decision == "accept":
        _accept(session, viewer, fact, checked_changes(fact, changes or {}), create_organisation)
    fact.status = "accepted" if decision == "accept" else "rejected"
    fact.reviewed_by, fact.reviewed_at, fact.note = viewer.user_id, utcnow(), note
    session.flush()
    return fact


def checked_changes(fact: NewsFact, changes: dict[str, Any]) -> dict[str, Any]:
    """The edits, or ValidationFailed naming each bad field of this fact."""
    record, allowed, errors = f"news fact {fact.id}", EDITABLE.get(fact.kind, {}), []
    for name, value in changes.items():
        expected = allowed.get(name)
        if expected is None:
            errors.append(field_error(record, f"data.{name}", f"a {fact.kind} has no {name}"))
        elif isinstance(value, bool) or not isinstance(value, expected):
            errors.append(field_error(record, f"data.{name}", f"{value!r} is not a valid {name}"))
        elif problem := _value_problem(name, value):
            errors.append(field_error(record, f"data.{name}", problem))
    if errors:
        raise ValidationFailed(f"{record}: {len(errors)} invalid change(s)", errors=errors)
    return changes


def _value_problem(name: str, value: Any) -> str | None:
    if name in ("name", "unit") and not str(value).strip():
        return f"{name} may not be empty"
    if name in ("amount", "value") and value < 0:
        return f"{name} may not be negative"
    if name == "currency" and not (len(value) == 3 and value.isalpha() and value.isupper()):
        return f"currency {value!r} is not an ISO 4217 code such as EUR"
    if name == "type" and value not in EVENT_TYPES:
        return f"event type {value!r} is not one of {', '.join(EVENT_TYPES)}"
    if name == "date" and value is not None:
        try:
            date.fromisoformat(value if len(value) == 10 else f"{value}-01"[:10] + "")
        except ValueError:
            return f"date {value!r} is not yyyy-mm-dd, yyyy-mm or yyyy"
    if name in ("subject_ids", "organization_ids") and not all(
        isinstance(i, int) or i is None for i in value
    ):
        return f"{name} lists registry ids"
    return None


def _accept(
    session: Session,
    viewer: Viewer,
    fact: NewsFact,
    changes: dict[str, Any],
    create_organisation: bool,
) -> None:
    data = {**fact.data, **changes}
    _require_visible(session, viewer, fact, data)
    if fact.kind == "organization":
        data = _accepted_organisation(session, viewer, fact, data, create_organisation)
    if fact.kind == "person":
        _accepted_person(session, fact, data)
    if fact.kind in ("money", "quantity", "date") and "subject_ids" not in changes:
        data["subject_ids"] = _subjects_in_sentence(session, fact)
    if "date" in changes and data.get("date") and len(data["date"]) == 10:
        fact.fact_date = date.fromisoformat(data["date"])
    fact.data = data
    _relink(fact, data)


def _require_visible(session: Session, viewer: Viewer, fact: NewsFact, data: dict) -> None:
    """A reviewer links only to organisations they may see (unknown and hidden alike)."""
    wanted = {i for i in _org_ids(data) if i is not None}
    if not wanted:
        return
    seen = set(
        session.scalars(
            select(Organisation.id).where(
                Organisation.id.in_(sorted(wanted)), policy.visible_organisations(viewer)
            )
        )
    )
    for missing in sorted(wanted - seen):
        message = f"organisation {missing} does not exist"
        raise NotFound(message, errors=[field_error(f"news fact {fact.id}", "data", message)])


def _org_ids(data: dict[str, Any]) -> list[int | None]:
    ids = [data.get("registry_id"), data.get("organization_id")]
    return ids + list(data.get("organization_ids") or []) + list(data.get("subject_ids") or [])


def _accepted_organisation(
    session: Session, viewer: Viewer, fact: NewsFact, data: dict, create: bool
) -> dict:
    if data.get("registry_id") is not None or not create:
        return data
    kind = KIND_TO_ORG_KIND.get(data.get("org_kind") or "", "other")
    outcome = service.create(session, viewer, OrganisationIn(name=data["name"], kind=kind))
    org = session.get(Organisation, outcome.org_id)
    if outcome.action == "created" and fact.article is not None:
        org.source_id = fact.article.source_id
    return {**data, "registry_id": outcome.org_id, "found_by": [*data["found_by"], "review"]}


def _accepted_person(session: Session, fact: NewsFact, data: dict) -> None:
    """A person with a role at a registry organisation becomes a registry person."""
    org_id, name = data.get("organization_id"), data.get("name")
    if org_id is None or not name:
        return
    source_id = fact.article.source_id if fact.article else None
    person = session.scalars(
        select(Person)
        .join(PersonRole)
        .where(Person.name == name, PersonRole.organisation_id == org_id)
    ).first()
    if person is None:
        person = Person(name=name, visibility="public", source_id=source_id)
        session.add(person)
        session.flush()
        title = (data.get("role") or "")[:200] or "mentioned in the news"
        session.add(
            PersonRole(person=person, organisation_id=org_id, title=title, source_id=source_id)
        )
        session.flush()
    data["person_id"] = person.id


def _subjects_in_sentence(session: Session, fact: NewsFact) -> list[int]:
    """An amount or a quantity is about the registry organisations of its sentence, else of
    the nearest of the two sentences before ("X and Y signed … The investment is €45m")."""
    if fact.article_id is None or fact.sentence_index is None:
        return []
    rows = session.scalars(
        select(NewsFact).where(
            NewsFact.article_id == fact.article_id,
            NewsFact.sentence_index.between(fact.sentence_index - 2, fact.sentence_index),
            NewsFact.kind == "organization",
            NewsFact.status != "rejected",
        )
    )
    by_sentence: dict[int, set[int]] = {}
    for row in rows:
        if row.data.get("registry_id"):
            by_sentence.setdefault(row.sentence_index, set()).add(row.data["registry_id"])
    for index in range(fact.sentence_index, fact.sentence_index - 3, -1):
        if by_sentence.get(index):
            return sorted(by_sentence[index])
    return []


def _relink(fact: NewsFact, data: dict[str, Any]) -> None:
    wanted_orgs = {i for i in _org_ids(data) if isinstance(i, int)}
    person_id = data.get("person_id")
    fact.links.clear()
    fact.links.extend(NewsLink(organisation_id=i) for i in sorted(wanted_orgs))
    if person_id:
        fact.links.append(NewsLink(person_id=person_id))
