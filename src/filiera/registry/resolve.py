"""Entity resolution: is an incoming organisation one we already know?

Identifiers decide first (same PIC, VAT, LEI, NCAGE: same organisation; two different
PICs: two organisations). Then normalised names (legal forms, accents and case removed)
with country and city. Sure matches (same normalised name, same country, no conflicting
city) merge; near names, names contained in one another (garbled PDF prefixes, short
business names) and acronyms go to the review list. See docs/entity-resolution.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.registry.models import Alias, Identifier, Organisation
from filiera.registry.names import name_similarity, name_tokens, normalise_name

STRONG_SCHEMES = ("pic", "vat", "lei", "ncage", "source_key")
REVIEW_THRESHOLD = 0.88  # name similarity from which a pair goes to review
CONTAINED_SCORE = 0.9  # review score floor when one name's words sit inside the other's
MIN_CONTAINED_CHARS = 4  # shorter contained names ("ase", "bhe") are too ambiguous
CITY_SIMILARITY = 0.8  # "Munchen" / "Muenchen" are one city
MAX_BLOCK = 400
PREFIX_BLOCK = 3  # long tokens are also blocked on their first letters, to catch typos
# Short words skipped when spelling an acronym ("Institut National DE Cercetare" -> "incd").
ACRONYM_SKIP = frozenset(
    {"de", "des", "du", "di", "del", "della", "la", "le", "les", "of", "for", "the"}
    | {"van", "von", "zu", "fur", "i", "a", "al", "am", "an", "der", "den"}
)


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

    @cached_property
    def name_keys(self) -> set[str]:
        keys = {normalise_name(n) for n in (self.name, *self.aliases)}
        return {k for k in keys if k}


# English and other exonyms of cities, mapped to the local name used in EU registers.
CITY_EXONYMS = {
    "rome": "roma",
    "turin": "torino",
    "milan": "milano",
    "naples": "napoli",
    "florence": "firenze",
    "venice": "venezia",
    "genoa": "genova",
    "munich": "munchen",
    "muenchen": "munchen",
    "cologne": "koln",
    "koeln": "koln",
    "nuremberg": "nurnberg",
    "brussels": "bruxelles",
    "brussel": "bruxelles",
    "antwerp": "antwerpen",
    "ghent": "gent",
    "the hague": "den haag",
    "s gravenhage": "den haag",
    "lisbon": "lisboa",
    "athens": "athina",
    "athinai": "athina",
    "warsaw": "warszawa",
    "prague": "praha",
    "vienna": "wien",
    "bucharest": "bucuresti",
    "copenhagen": "kobenhavn",
    "gothenburg": "goteborg",
    "seville": "sevilla",
    "saragossa": "zaragoza",
    "luxemburg": "luxembourg",
    "nicosia": "lefkosia",
    "belgrade": "beograd",
}


def city_key(city: str | None) -> str:
    """A comparable city name: normalised, exonyms mapped to the local name."""
    key = normalise_name(city or "")
    return CITY_EXONYMS.get(key, key)


class Resolver:
    """An in-memory index of stored organisations, kept current as records arrive."""

    def __init__(self) -> None:
        self.by_identifier: dict[tuple[str, str], int] = {}
        self.by_name_key: dict[str, set[int]] = defaultdict(set)
        self.by_compact: dict[str, set[int]] = defaultdict(set)
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

    def only(self, keep: set[int]) -> Resolver:
        """A resolver over the candidates in `keep` only (e.g. those a writer may see)."""
        subset = type(self)()
        for org_id, candidate in self.candidates.items():
            if org_id in keep:
                subset.add(candidate)
        return subset

    def add(self, candidate: Candidate) -> None:
        """Index (or re-index) one stored organisation."""
        self.candidates[candidate.org_id] = candidate
        for ident in candidate.identifiers:
            self.by_identifier[ident] = candidate.org_id
        for key in candidate.name_keys:
            self.by_name_key[key].add(candidate.org_id)
            self.by_compact[compact(key)].add(candidate.org_id)
            for token in block_keys(key.split()):
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
        """Same normalised name (or the same letters, spaced differently) in the same country."""
        keys = incoming.name_keys
        ids = set().union(*(self.by_name_key.get(k, set()) for k in keys))
        ids |= set().union(*(self.by_compact.get(compact(k), set()) for k in keys))
        for org_id in sorted(ids):
            candidate = self.candidates[org_id]
            if candidate.country != incoming.country:
                continue
            exact = bool(keys & candidate.name_keys)
            reasons = [
                "same normalised name" if exact else "same name but for spacing",
                f"same country {incoming.country}",
            ]
            conflict = self._conflicting_identifier(incoming, candidate)
            if conflict:
                return Decision("review", org_id, 0.8, [*reasons, conflict])
            mine = city_key(incoming.city)
            if different_city(mine, candidate.city):
                return Decision("review", org_id, 0.85, [*reasons, "different city"])
            city_reason = (
                "same city" if mine and mine == candidate.city else "city not contradicted"
            )
            return Decision("same", org_id, 0.95 if exact else 0.93, [*reasons, city_reason])
        return None

    def _blocked(self, incoming: Incoming) -> set[int]:
        found: set[int] = set()
        for key in incoming.name_keys:
            for token in block_keys(name_tokens(key)):
                block = self.by_token.get((incoming.country, token), set())
                if len(block) <= MAX_BLOCK:
                    found |= block
        return found

    def _by_fuzzy_name(self, incoming: Incoming) -> Decision | None:
        """Near names and names contained in one another: never merged, sent to review."""
        best: tuple[float, int, str] | None = None
        for org_id in sorted(self._blocked(incoming)):
            candidate = self.candidates[org_id]
            if self._conflicting_identifier(incoming, candidate):
                continue  # two different PICs/VATs are two legal entities
            for mine in incoming.name_keys:
                for theirs in candidate.name_keys:
                    found = _compare(mine, theirs)
                    if found and (best is None or found[0] > best[0]):
                        best = (found[0], org_id, found[1])
        if best is None:
            return None
        score, org_id, why = best
        candidate = self.candidates[org_id]
        reasons = [why, f"same country {incoming.country}"]
        mine = city_key(incoming.city)
        if mine and candidate.city:
            reasons.append(
                "different city" if different_city(mine, candidate.city) else "same city"
            )
        return Decision("review", org_id, round(score * 0.9, 3), reasons)


def different_city(mine: str, theirs: str) -> bool:
    """Both cities known and not the same place ("Munchen"/"Muenchen" are the same)."""
    return bool(mine and theirs and mine != theirs) and (
        name_similarity(mine, theirs) < CITY_SIMILARITY
    )


def block_keys(tokens: list[str]) -> set[str]:
    """Blocking keys: tokens, first letters of long tokens (typos), initials (acronyms)."""
    keys = set(tokens) | {f"{t[:PREFIX_BLOCK]}*" for t in tokens if len(t) > PREFIX_BLOCK}
    keys |= {f"#{t}" for t in tokens if 2 <= len(t) <= 6}
    words = [t for t in tokens if t not in ACRONYM_SKIP]
    if len(words) >= 2:
        keys.add("#" + "".join(w[0] for w in words))
    return keys


def compact(key: str) -> str:
    """A name key without spaces: "optimus 3d" and "optimus3d" are one name."""
    return key.replace(" ", "")


def contained(short: list[str], long: list[str]) -> str | None:
    """How the shorter token list sits inside the longer one, if it does."""
    n = len(short)
    if n >= len(long):
        return None
    if len(compact(" ".join(short))) >= MIN_CONTAINED_CHARS:
        if long[-n:] == short:
            return "extra words before the name"
        if long[:n] == short:
            return "extra words after the name"
        rest = iter(long)
        if all(token in rest for token in short):
            return "name contained in the other"
    if acronym_of(short, long):
        return "acronym of the other name"
    return None


def acronym_of(short: list[str], long: list[str]) -> bool:
    """One token of `short` spells the initials of a run of `long`; its other tokens recur.

    "idv" / "iveco defence vehicles", "ku leuven" / "katholieke universiteit leuven".
    """
    words = [t for t in long if t not in ACRONYM_SKIP]
    for index, token in enumerate(short):
        others = short[:index] + short[index + 1 :]
        if not 2 <= len(token) <= 6 or len(token) + len(others) < 3:
            continue
        if any(other not in words for other in others):
            continue
        n = len(token)
        runs = ("".join(w[0] for w in words[i : i + n]) for i in range(len(words) - n + 1))
        if token in runs:
            return True
    return False


def _compare(a: str, b: str) -> tuple[float, str] | None:
    """(score, reason) when two name keys deserve a human look, else None."""
    score = name_similarity(a, b)
    short, long = sorted((a.split(), b.split()), key=len)
    relation = contained(short, long)
    if relation:
        return max(score, CONTAINED_SCORE), f"{relation} ({score:.2f})"
    if score >= REVIEW_THRESHOLD:
        return score, f"similar name ({score:.2f})"
    return None
