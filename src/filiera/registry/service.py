"""Registry operations shared by the API and the CLI."""

from __future__ import annotations

from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.registry import queries
from filiera.registry.models import Identifier, Organisation
from filiera.registry.names import normalise_name
from filiera.registry.schemas import OrganisationPatch


def apply_patch(session: Session, org: Organisation, patch: OrganisationPatch) -> Organisation:
    """Apply only the fields set in `patch`; re-check region against country."""
    from filiera.registry import checks

    changes = patch.model_dump(exclude_unset=True)
    identifiers = changes.pop("identifiers", None)
    for field, value in changes.items():
        setattr(org, field, value)
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


def _replace_identifiers(org: Organisation, identifiers: dict[str, str]) -> None:
    for scheme, value in identifiers.items():
        for old in [i for i in org.identifiers if i.scheme == scheme]:
            org.identifiers.remove(old)
        org.identifiers.append(Identifier(scheme=scheme, value=value))
