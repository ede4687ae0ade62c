"""What a viewer names when building or checking a consortium: organisations (by id or
PIC, only those they may see), rule sets, and the members the rules read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import audit
from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.consortia import rules
from filiera.consortia.members import Member
from filiera.errors import NotFound, ValidationFailed, field_error
from filiera.match.index import MatchIndex
from filiera.registry import taxonomy
from filiera.registry.models import Identifier, Organisation

CONTROL_CHUNK = 900  # ids per IN (...) query


def resolve_refs(session: Session, viewer: Viewer, refs: list[str], field: str) -> list[int]:
    """Organisation ids for ids or PICs the viewer may see, in order; an unknown or hidden
    one gets the same NotFound, naming it and the field."""
    out: list[int] = []
    for ref in refs:
        ref = ref.strip()
        stmt = select(Organisation.id).where(visible_organisations(viewer))
        if len(ref) == 9 and ref.isdigit():
            stmt = stmt.join(Identifier).where(Identifier.scheme == "pic", Identifier.value == ref)
        elif ref.isdigit():
            stmt = stmt.where(Organisation.id == int(ref))
        else:
            stmt = None
        org_id = session.scalars(stmt).first() if stmt is not None else None
        if org_id is None:
            message = f"no organisation {ref!r} (give its id or its 9-digit PIC)"
            raise NotFound(message, errors=[field_error("consortium", field, message)])
        if org_id not in out:
            out.append(org_id)
    return out


def _controls(session: Session, ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    out = {}
    for start in range(0, len(ids), CONTROL_CHUNK):
        chunk = ids[start : start + CONTROL_CHUNK]
        stmt = select(Organisation.id, Organisation.control_group, Organisation.controlled_from)
        for org_id, group, country in session.execute(stmt.where(Organisation.id.in_(chunk))):
            out[org_id] = (group, country)
    return out


def members_at(session: Session, index: MatchIndex, positions: list[int]) -> list[Member]:
    """Members for index positions (the caller checked the viewer may see each)."""
    controls = _controls(session, [int(index.org_ids[p]) for p in positions])
    out = []
    for p in positions:
        org_id = int(index.org_ids[p])
        group, controlled = controls.get(org_id, (None, None))
        region = str(index.region[p]) or None
        out.append(
            Member(
                org_id=org_id,
                name=index.names[p],
                country=str(index.country[p]) or None,
                kind=str(index.kind[p]),
                regions=(region,) if region else (),
                control_group=group,
                controlled_from=controlled,
                pic=index.pics.get(p),
                capabilities=frozenset(index.capabilities[p]),
            )
        )
    return out


def rule_set_for(viewer: Viewer, name: str, params: dict[str, Any]) -> rules.RuleSet:
    """The rule set `name` with `params`; a YAML file only from the command line (over HTTP
    a path would make the server read files it was told to)."""
    if name not in rules.available() and viewer.via != "cli":
        message = f"unknown rule set {name!r}; known: {', '.join(rules.available())}"
        raise ValidationFailed(message, errors=[field_error("consortium", "rules", message)])
    try:
        return rules.load(name, params)
    except ValidationFailed as error:
        raise ValidationFailed(
            error.message, errors=[field_error("consortium", "rules", error.message)]
        ) from None


def covers(member: Member, code: str) -> bool:
    """Whether `member` holds capability `code` or a narrower one."""
    known = taxonomy.capabilities()
    return any(
        own == code or (own in known and code in taxonomy.ancestors(own))
        for own in member.capabilities
    )


def audit_restricted(session: Session, ids: list[int], detail: str) -> None:
    """Log that the viewer was shown these organisations where they are not public."""
    stmt = select(Organisation.id).where(
        Organisation.id.in_(ids), Organisation.visibility.in_(("restricted", "owner"))
    )
    audit.record_read(session, "organisation", list(session.scalars(stmt)), detail)
