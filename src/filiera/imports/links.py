"""Records that point at organisations: finding them by PIC or name, and writing the
people, memberships and sites attached to them without duplicates."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from filiera.access.policy import narrower
from filiera.registry import changes, values
from filiera.registry.driver_insert import insert_dicts
from filiera.registry.models import Membership, Organisation, Person, PersonRole, Site, Source
from filiera.registry.names import normalise_name
from filiera.registry.resolve import Incoming, Resolver

ORG_REF = re.compile(r"org:(\d+)")
DEFAULT_TITLE = "contact"


class OrgLookup:
    """Find a stored organisation from a PIC, a VAT number, an `org:<id>` ref or a name."""

    def __init__(
        self, resolver: Resolver, refs: dict[str, int] | None = None, *, allow_ids: bool = True
    ) -> None:
        self.resolver = resolver
        self.refs = refs if refs is not None else {}
        self.allow_ids = allow_ids  # False when `org:<id>` refs come from another database

    def find(self, ref: str | None, country: str | None = None) -> int:
        """The organisation's id; ValueError with a readable message when none or many match."""
        text = (ref or "").strip()
        if not text:
            raise ValueError("is required")
        if text in self.refs:
            return self.refs[text]
        by_id = ORG_REF.fullmatch(text)
        if by_id:
            if self.allow_ids and int(by_id.group(1)) in self.resolver.candidates:
                return int(by_id.group(1))
            raise ValueError(f"unknown organisation ref {text!r}")
        compact = re.sub(r"\s", "", text)
        if compact.isdigit() and len(compact) == 9:
            return self._by_identifier("pic", compact, "PIC")
        vat = _as_vat(compact)
        if vat:
            return self._by_identifier("vat", vat, "VAT number")
        return self._by_name(text, country)

    def _by_identifier(self, scheme: str, value: str, label: str) -> int:
        org_id = self.resolver.by_identifier.get((scheme, value))
        if org_id is None:
            raise ValueError(f"no organisation with {label} {value}")
        return org_id

    def _by_name(self, name: str, country: str | None) -> int:
        if country:
            same = self._same_name(name, country)
            if same is not None:
                return same
        ids = sorted(self.resolver.by_name_key.get(normalise_name(name), set()))
        if country:
            ids = [i for i in ids if self.resolver.candidates[i].country == country]
        if len(ids) == 1:
            return ids[0]
        if not ids:
            raise ValueError(f"no organisation named {name!r}: import it first or use its PIC")
        where = ", ".join(self.resolver.candidates[i].country for i in ids)
        raise ValueError(f"{len(ids)} organisations are named {name!r} ({where}): use the PIC")

    def _same_name(self, name: str, country: str) -> int | None:
        """The organisation the resolver calls the same as a record of this name and country.

        Such a record has no identifier and no city, and the fuzzy step never says "same"
        (near names go to review), so `decide` would answer "same" exactly when its
        exact-name step does: that step alone is asked, without the fuzzy scan of the blocks.
        """
        decision = self.resolver.exact_name(Incoming(name, country))
        return decision.org_id if decision and decision.action == "same" else None


def _as_vat(text: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z]{2}[0-9A-Za-z]{8,13}", text) or not re.search(r"\d{6}", text):
        return None
    try:
        return values.clean_vat(text)
    except ValueError:
        return None


def fill_blanks(row: Any, **fields: Any) -> bool:
    """Set each empty attribute of `row` that `fields` knows; True if anything changed."""
    changed = False
    for name, value in fields.items():
        if value not in (None, "") and getattr(row, name) in (None, ""):
            setattr(row, name, value)
            changed = True
    return changed


class PeopleBook:
    """Stored people indexed by e-mail and by (normalised name, organisation)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_email: dict[str, Person] = {}
        self.by_name_org: dict[tuple[str, int | None], Person] = {}
        query = select(Person).options(selectinload(Person.roles)).order_by(Person.id)
        for person in session.scalars(query):
            self._index(person)

    def _index(self, person: Person) -> None:
        if person.email:
            self.by_email.setdefault(person.email.casefold(), person)
        key = normalise_name(person.name)
        orgs = [r.organisation_id for r in person.roles] or [None]
        for org_id in orgs:
            self.by_name_org.setdefault((key, org_id), person)

    def find(self, name: str, email: str | None, org_ids: list[int]) -> Person | None:
        if email and email.casefold() in self.by_email:
            return self.by_email[email.casefold()]
        key = normalise_name(name)
        for org_id in org_ids or [None]:
            if (key, org_id) in self.by_name_org:
                return self.by_name_org[(key, org_id)]
        return None

    def upsert(
        self,
        *,
        name: str,
        email: str | None,
        phone: str | None,
        roles: list[dict[str, Any]],
        source: Source,
        visibility: str | None = None,
        field_visibility: dict[str, str] | None = None,
    ) -> str:
        """Create the person or add what is new; returns created, merged or unchanged."""
        org_ids = [r["organisation_id"] for r in roles]
        person = self.find(name, email, org_ids)
        created = person is None
        if person is None:
            person = Person(name=name, email=email, phone=phone, source=source, roles=[])
            if visibility:
                person.visibility = visibility
            person.field_visibility = dict(field_visibility or {})
            self.session.add(person)
            changed = True
        else:
            changed = fill_blanks(person, email=email, phone=phone)
        for role in roles:
            changed = _add_role(person, role, source) or changed
        changed = self._narrow(person, org_ids) or changed
        if changed:
            self.session.flush()
            self._index(person)
        return "created" if created else "merged" if changed else "unchanged"

    def _narrow(self, person: Person, org_ids: list[int]) -> bool:
        """A person is never wider than the organisations they are known through: their
        level becomes the narrowest of their own and these organisations' levels."""
        level = person.visibility or "public"
        for org_id in org_ids:
            org = self.session.get(Organisation, org_id)
            if org is not None:
                level = narrower(level, org.visibility or "public")
        if level == person.visibility:
            return False
        person.visibility = level
        return True


def _add_role(person: Person, role: dict[str, Any], source: Source) -> bool:
    title = role.get("title") or DEFAULT_TITLE
    for stored in person.roles:
        if stored.organisation_id == role["organisation_id"] and stored.title == title:
            return fill_blanks(stored, since=role.get("since"), until=role.get("until"))
    person.roles.append(
        PersonRole(
            organisation_id=role["organisation_id"],
            title=title,
            since=role.get("since"),
            until=role.get("until"),
            source=role.get("source") or source,
        )
    )
    return True


class MembershipBook:
    """Stored memberships keyed by (member, cluster).

    With `bulk`, new memberships are queued as rows and written by `flush` through the
    driver's bulk path (`driver_insert`), their change-log rows with them: an import of
    50,000 member rows spent 12 s in the ORM's flush of as many objects. Stored memberships
    are read as ids; a row is loaded only when an import fills its blank dates.
    """

    def __init__(self, session: Session, *, bulk: bool = False) -> None:
        self.session = session
        self.bulk = bulk
        self.known: dict[tuple[int, int], object] = {
            (org_id, cluster_id): row_id
            for row_id, org_id, cluster_id in session.execute(
                select(Membership.id, Membership.organisation_id, Membership.cluster_id)
            )
        }
        self.queued: list[dict[str, Any]] = []

    def upsert(
        self,
        org_id: int,
        cluster_id: int,
        *,
        source: Source,
        role: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> str:
        """Add the membership unless it exists; fill its blank dates."""
        if org_id == cluster_id:
            raise ValueError("an organisation cannot be a member of itself")
        stored = self.known.get((org_id, cluster_id))
        if isinstance(stored, int):
            stored = self.known[(org_id, cluster_id)] = self.session.get(Membership, stored)
        elif stored is WRITTEN:
            stored = self.known[(org_id, cluster_id)] = self.session.scalars(
                select(Membership).filter_by(organisation_id=org_id, cluster_id=cluster_id)
            ).one()
        if isinstance(stored, dict):  # queued by this book
            changed = _fill_blank_values(stored, since=since, until=until)
            return "merged" if changed else "unchanged"
        if stored is not None:
            changed = fill_blanks(stored, since=since, until=until)
            return "merged" if changed else "unchanged"
        fields = {"organisation_id": org_id, "cluster_id": cluster_id, "role": role or "member"}
        fields |= {"since": since, "until": until}
        if self.bulk:
            if source.id is None:
                self.session.flush()  # the source's id
            row = {**fields, "source_id": source.id}
            self.queued.append(row)
            self.known[(org_id, cluster_id)] = row
            return "created"
        membership = Membership(**fields, source=source)
        self.session.add(membership)
        self.known[(org_id, cluster_id)] = membership
        return "created"

    def flush(self) -> None:
        """Write the queued memberships and their change-log rows (bulk mode)."""
        rows, self.queued = self.queued, []
        if not rows:
            return
        connection = self.session.connection()
        insert_dicts(connection, Membership.__table__, rows)
        touched = {row["organisation_id"] for row in rows} | {row["cluster_id"] for row in rows}
        changes.record(connection, touched)
        for row in rows:  # written: loaded by key if the same membership comes again
            self.known[(row["organisation_id"], row["cluster_id"])] = WRITTEN


WRITTEN = object()  # a membership `MembershipBook.flush` wrote, its id not read back


def _fill_blank_values(row: dict[str, Any], **fields: Any) -> bool:
    """`fill_blanks` for a queued row (a dict)."""
    changed = False
    for name, value in fields.items():
        if value not in (None, "") and row.get(name) in (None, ""):
            row[name] = value
            changed = True
    return changed


def add_site(session: Session, org_id: int, site: dict[str, Any], source: Source) -> str:
    """Add a site to an organisation unless one with the same name exists."""
    org = session.get(Organisation, org_id)
    name = site["name"].casefold()
    stored = next((s for s in org.sites if s.name.casefold() == name), None)
    if stored is not None:
        fields = {k: v for k, v in site.items() if k != "name"}
        return "merged" if fill_blanks(stored, **fields) else "unchanged"
    org.sites.append(Site(**site, source=source))
    return "created"
