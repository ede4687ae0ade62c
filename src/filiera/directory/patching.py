"""Changing an organisation field by field: checks, replacement of list parts, provenance."""

from __future__ import annotations

from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.errors import Conflict, ValidationFailed, field_error
from filiera.registry import checks
from filiera.registry.models import (
    Certification,
    Identifier,
    Organisation,
    OrgCapability,
    Site,
    Source,
)
from filiera.registry.names import normalise_name
from filiera.registry.schemas import OrganisationPatch

REQUIRED = ("name", "kind", "country", "visibility")


def check_patch(session: Session, viewer: Viewer, org_id: int, patch: OrganisationPatch) -> None:
    """Refuse nulls for required fields and identifiers held by another organisation."""
    given = patch.model_dump(exclude_unset=True)
    record = f"organisation {org_id}"
    nulls = [
        field_error(record, name, "cannot be null")
        for name in REQUIRED
        if name in given and given[name] is None
    ]
    if nulls:
        raise ValidationFailed(f"{record}: {len(nulls)} invalid field(s)", errors=nulls)
    for scheme, value in (given.get("identifiers") or {}).items():
        holder = queries.find_by_identifier(session, scheme, value)
        if holder is not None and holder.id != org_id:
            seen = queries.visible_ids(session, viewer, {holder.id})
            raise identifier_taken(record, scheme, value, holder.id if seen else None)


def identifier_taken(record: str, scheme: str, value: str, holder: int | None) -> Conflict:
    """The conflict of an identifier held elsewhere; neutral when the writer may not see the
    holder (`holder` None): no id, no name, the same words whoever holds it."""
    if holder is None:
        return Conflict(
            f"{scheme.upper()} {value} cannot be used for this record; ask an administrator",
            errors=[field_error(record, f"identifiers.{scheme}", "cannot be used")],
            key="identifier_unusable",
        )
    return Conflict(
        f"{scheme.upper()} {value} already belongs to organisation {holder}",
        errors=[field_error(record, f"identifiers.{scheme}", "held by another record")],
    )


def apply_patch(
    session: Session, org: Organisation, patch: OrganisationPatch, source: Source
) -> None:
    """Apply only the fields set in `patch` (checked by `check_patch`); new rows get `source`."""
    changes = patch.model_dump(exclude_unset=True)
    identifiers = changes.pop("identifiers", None)
    parts = {name: changes.pop(name) for name in PARTS if name in changes}
    for field, value in changes.items():
        setattr(org, field, value)
    for name, rows in parts.items():
        _replace_part(org, name, rows or [], source)
    if "name" in changes:
        org.name_key = normalise_name(org.name)
    if identifiers is not None:
        _replace_identifiers(org, identifiers)
    try:
        checks.region_matches_country(org.region, org.country)
    except ValueError as error:
        record = f"organisation {org.id}"
        errors = [field_error(record, "region", str(error))]
        raise ValidationFailed(str(error), errors=errors) from None
    session.flush()


PARTS = {"capabilities": OrgCapability, "certifications": Certification, "sites": Site}


def _replace_part(org: Organisation, name: str, rows: list[dict], source: Source) -> None:
    """Replace a list part; rows that did not change keep their id and provenance."""
    model = PARTS[name]
    current = getattr(org, name)
    columns = list(rows[0]) if rows else []
    kept, wanted = [], [dict(r) for r in rows]
    for row in current:
        same = next((w for w in wanted if all(getattr(row, k) == w[k] for k in w)), None)
        if same is not None:
            kept.append(row)
            wanted.remove(same)
    for row in [r for r in current if r not in kept]:
        current.remove(row)
    for data in wanted:
        current.append(model(**{k: data[k] for k in columns or data}, source=source))


def manual_source(viewer: Viewer) -> Source:
    """Provenance of what a person enters by hand, from the web, the API or the CLI."""
    return Source(name=MANUAL_SOURCE, kind="manual", imported_by=viewer.label)


MANUAL_SOURCE = "manual entry"


def _replace_identifiers(org: Organisation, identifiers: dict[str, str]) -> None:
    """Set one identifier per scheme: unchanged values stay, a new value updates the row in
    place (one audited update with the old value), a new scheme adds a row."""
    for scheme, value in identifiers.items():
        held = [i for i in org.identifiers if i.scheme == scheme]
        for extra in held[1:]:
            org.identifiers.remove(extra)
        if held:
            held[0].value = value
        else:
            org.identifiers.append(Identifier(scheme=scheme, value=value))
