"""Entity resolution: is an incoming organisation one we already know?

Identifiers decide first (same PIC, VAT, LEI, NCAGE: same organisation; two different
PICs: two organisations). Then normalised names (legal forms, accents and case removed)
with country and city. Sure matches merge; near matches go to the review list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.registry.models import Alias, Identifier, Organisation
from filiera.registry.names import name_similarity, name_tokens, normalise_name

STRONG_SCHEMES = ("pic", "vat", "lei", "ncage", "source_key")
REVIEW_THRESHOLD = 0.88
MAX_BLOCK = 400


@dataclass(frozen=True)
class Candidate:
    """What the resolver knows of one organisation already stored."""

    org_id: int
    name_keys: frozenset[str]
    country: str
    city: str
    identifiers: frozenset[tuple[str, str]]


@dataclass
class Decision:
    """The resolver's verdict on one incoming record, with its reasons."""

    action: str  # "same", "review" or "new"
    org_id: int | None = None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


@dataclass
class Incoming:
    name: str
    country: str
    city: str | None = None
    aliases: tuple[str, ...] = ()
    identifiers: dict[str, str] = field(default_factory=dict)

    @property
    def name_keys(self) -> set[str]:
        keys = {normalise_name(n) for n in (self.name, *self.aliases)}
        return {k for k in keys if k}


def city_key(city: str | None) -> str:
    return normalise_name(city or "")


class Resolver:
    """An in-memory index of stored organisations, kept current as records arrive."""

    def __init__(self) -> None:
        self.by_identifier: dict[tuple[str, str], int] = {}
        self.by_name_key: dict[str, set[int]] = defaultdict(set)
        self.by_token: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.candidates: dict[int, Candidate] = {}

    @classmethod
    def from_session(cls, session: Session) -> Resolver:
        """Index every organisation in the database (one pass per table)."""
        resolver = cls()
        names: dict[int, set[str]] = defaultdict(set)
        idents: dict[int, set[tuple[str, str]]] = defaultdict(set)
        for org_id, key in session.execute(select(Alias.organisation_id, Alias.name_key)):
            names[org_id].add(key)
        for org_id, scheme, value in session.execute(
            select(Identifier.organisation_id, Identifier.scheme, Identifier.value)
        ):
            idents[org_id].add((scheme, value))
        rows = session.execute(
            select(Organisation.id, Organisation.name_key, Organisation.country, Organisation.city)
        )
        for org_id, key, country, city in rows:
            keys = frozenset({key, *names.get(org_id, ())} - {""})
            resolver.add(
                Candidate(org_id, keys, country, city_key(city), frozenset(idents.get(org_id, ())))
            )
        return resolver

    def add(self, candidate: Candidate) -> None:
        """Index (or re-index) one stored organisation."""
        self.candidates[candidate.org_id] = candidate
        for ident in candidate.identifiers:
            self.by_identifier[ident] = candidate.org_id
        for key in candidate.name_keys:
            self.by_name_key[key].add(candidate.org_id)
            for token in key.split():
                self.by_token[(candidate.country, token)].add(candidate.org_id)

    def decide(self, incoming: Incoming) -> Decision:
        """Match by identifier, then exact name key, then fuzzy name."""
        return (
            self._by_identifier(incoming)
            or self._by_exact_name(incoming)
            or self._by_fuzzy_name(incoming)
            or Decision("new", reasons=["no organisation with this identifier or a similar name"])
        )

    def _by_identifier(self, incoming: Incoming) -> Decision | None:
        for scheme in STRONG_SCHEMES:
            value = incoming.identifiers.get(scheme)
            org_id = self.by_identifier.get((scheme, value)) if value else None
            if org_id is not None:
                return Decision("same", org_id, 1.0, [f"same {scheme.upper()} {value}"])
        return None

    def _conflicting_identifier(self, incoming: Incoming, candidate: Candidate) -> str | None:
        theirs = dict(candidate.identifiers)
        for scheme in ("pic", "vat", "lei"):
            mine = incoming.identifiers.get(scheme)
            if mine and theirs.get(scheme) and theirs[scheme] != mine:
                return f"different {scheme.upper()}: {mine} vs {theirs[scheme]}"
        return None

    def _by_exact_name(self, incoming: Incoming) -> Decision | None:
        ids = set().union(*(self.by_name_key.get(k, set()) for k in incoming.name_keys))
        for org_id in sorted(ids):
            candidate = self.candidates[org_id]
            if candidate.country != incoming.country:
                continue
            reasons = ["same normalised name", f"same country {incoming.country}"]
            conflict = self._conflicting_identifier(incoming, candidate)
            if conflict:
                return Decision("review", org_id, 0.8, [*reasons, conflict])
            mine = city_key(incoming.city)
            if mine and candidate.city and mine != candidate.city:
                if name_similarity(mine, candidate.city) < 0.8:
                    return Decision("review", org_id, 0.85, [*reasons, "different city"])
            city_reason = "same city" if mine and mine == candidate.city else "city not contradicted"
            return Decision("same", org_id, 0.95, [*reasons, city_reason])
        return None

    def _blocked(self, incoming: Incoming) -> set[int]:
        found: set[int] = set()
        for key in incoming.name_keys:
            for token in name_tokens(key):
                block = self.by_token.get((incoming.country, token), set())
                if len(block) <= MAX_BLOCK:
                    found |= block
        return found

    def _by_fuzzy_name(self, incoming: Incoming) -> Decision | None:
        best: tuple[float, int] | None = None
        for org_id in self._blocked(incoming):
            candidate = self.candidates[org_id]
            if self._conflicting_identifier(incoming, candidate):
                continue  # two different PICs/VATs are two legal entities
            score = max(
                name_similarity(a, b) for a in incoming.name_keys for b in candidate.name_keys
            )
            if best is None or score > best[0]:
                best = (score, org_id)
        if best is None or best[0] < REVIEW_THRESHOLD:
            return None
        score, org_id = best
        candidate = self.candidates[org_id]
        reasons = [f"similar name ({score:.2f})", f"same country {incoming.country}"]
        if city_key(incoming.city) and city_key(incoming.city) == candidate.city:
            reasons.append("same city")
        return Decision("review", org_id, round(score * 0.9, 3), reasons)
