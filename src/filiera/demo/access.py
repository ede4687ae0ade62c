"""Demo accounts (one per role) and a showcase of visibility levels, on the demo database only.

Every demo account has the password `DEMO_PASSWORD`, printed by `filiera demo` and written
in the README: never load this into a real deployment. Restricted, members-only and marked
records are chosen among the *synthetic* organisations, so no real company is labelled.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import accounts
from filiera.access.models import AccessGrant
from filiera.access.policy import narrower
from filiera.registry.models import Membership, Organisation, Person, PersonRole

DEMO_PASSWORD = "filiera-demo-2026"


def demo_users(keys: dict[str, int], member_org: int | None) -> list[dict[str, Any]]:
    """One account per role; the member user acts for a synthetic LuxDefence member, the
    investor for Tholus Capital (publishes theses), the buyer for the Luxembourg Directorate
    of Defence (publishes needs)."""
    rows = [
        ("admin@filiera.demo", "Demo administrator", "admin", []),
        (
            "manager@luxdefence.demo",
            "Demo LuxDefence manager",
            "cluster_manager",
            [keys["luxdefence"]],
        ),
        ("member@filiera.demo", "Demo member user", "member", [member_org] if member_org else []),
        ("investor@filiera.demo", "Demo investor", "investor", [keys["tholus_capital"]]),
        (  # acts for the Luxembourg Directorate of Defence (seed 000), so it can publish needs
            "buyer@filiera.demo",
            "Demo defence buyer",
            "buyer",
            [keys["lu_defence_directorate"]],
        ),
        ("viewer@filiera.demo", "Demo viewer", "viewer", []),
    ]
    return [{"email": e, "name": n, "role": r, "org_ids": o} for e, n, r, o in rows]


def _synthetic_members(session: Session, cluster_id: int, limit: int) -> list[Organisation]:
    stmt = (
        select(Organisation)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.cluster_id == cluster_id, Organisation.synthetic.is_(True))
        .order_by(Organisation.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def load_demo_access(session: Session, keys: dict[str, int]) -> dict[str, Any]:
    """Demo users plus members-only, restricted and owner-only synthetic records."""
    members = _synthetic_members(session, keys["luxdefence"], 8)
    member_org = members[0].id if members else None
    for user in demo_users(keys, member_org):
        accounts.add_user(
            session,
            user["email"],
            user["name"],
            DEMO_PASSWORD,
            role=user["role"],
            org_ids=user["org_ids"],
        )
    shown: dict[str, list[int]] = {"members": [], "restricted": [], "owner": []}
    for index, org in enumerate(members):
        if index == 0:
            org.field_visibility = {"revenue_band": "owner"}
            org.markings = ["dual_use"]
        elif index in (1, 2):
            org.visibility = "members"
            shown["members"].append(org.id)
        elif index in (3, 4):
            org.visibility = "restricted"
            org.markings = ["dual_use", "eu_military_list"] if index == 3 else ["itar"]
            session.add(AccessGrant(entity="organisation", entity_id=org.id, role="buyer"))
            shown["restricted"].append(org.id)
        elif index == 5:
            org.visibility = "owner"
            shown["owner"].append(org.id)
        _add_contact(session, org)  # after the organisation's level: the contact's follows it
    session.flush()
    return {"users": len(demo_users(keys, member_org)), "password": DEMO_PASSWORD, **shown}


def _add_contact(session: Session, org: Organisation) -> None:
    """A fictional contact person (example.invalid address) for a synthetic organisation,
    no more visible than the organisation."""
    slug = "".join(ch for ch in org.name.lower() if ch.isalnum())[:20] or f"org{org.id}"
    person = Person(
        name=f"Contact at {org.name}",
        email=f"contact@{slug}.example.invalid",
        phone="+352 20 00 00 00",
        visibility=narrower("public", org.visibility or "public"),
        source_id=org.source_id,
    )
    person.roles.append(PersonRole(organisation_id=org.id, title="Business development"))
    session.add(person)
