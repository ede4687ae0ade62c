"""Registry operations shared by the API and the CLI."""

from __future__ import annotations

from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.registry import queries
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


def apply_patch(session: Session, org: Organisation, patch: OrganisationPatch) -> Organisation:
    """Apply only the fields set in `patch`; re-check region against country."""
    from filiera.registry import checks

    changes = patch.model_dump(exclude_unset=True)
    identifiers = changes.pop("identifiers", None)
    parts = {name: changes.pop(name) for name in PARTS if name in changes}
    for field, value in changes.items():
        setattr(org, field, value)
    for name, rows in parts.items():
        _replace_part(org, name, rows or [])
    if "name" in changes:
        org.name_key = normalise_name(org.name)
    if identifiers is not None:
        _replace_identifiers(org, identifiers)
    try:
        checks.region_matches_country(org.region, org.country)
    except ValueError as error:
        from filiera.errors import ValidationFailed, field_error

        record = f"organisation {org.id}"
        errors = [field_error(record, "region", str(error))]
        raise ValidationFailed(str(error), errors=errors) from None
    session.flush()
    return queries.get_organisation(session, org.id, viewer=Viewer.system())


PARTS = {"capabilities": OrgCapability, "certifications": Certification, "sites": Site}


def _replace_part(org: Organisation, name: str, rows: list[dict]) -> None:
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
        current.append(model(**{k: data[k] for k in columns or data}, source=manual_source()))


def manual_source() -> Source:
    """Provenance of records written through the API."""
    return Source(name="Filiera API", kind="manual", imported_by="api")


def _replace_identifiers(org: Organisation, identifiers: dict[str, str]) -> None:
    for scheme, value in identifiers.items():
        for old in [i for i in org.identifiers if i.scheme == scheme]:
            org.identifiers.remove(old)
        org.identifiers.append(Identifier(scheme=scheme, value=value))
