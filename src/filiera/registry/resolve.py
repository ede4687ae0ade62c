"""Entity resolution: is an incoming organisation one we already know?

Identifiers decide first (same PIC, VAT, LEI, NCAGE: same organisation; two different
PICs: two organisations). Then normalised names (legal forms, accents and case removed)
with country and city. Sure matches (same normalised name, same country, no conflicting
city) merge; near names, names contained in one another (garbled PDF prefixes, short
business names) and acronyms go to the review list, unless the two names name different
places ("Università di Torino" / "Università di Trento"). See docs/entity-resolution.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.registry.models import Alias, Identifier, Organisation
from filiera.registry.names import name_similarity, name_tokens, normalise_name
from filiera.registry.places import different_places, place_key

STRONG_SCHEMES = ("pic", "vat", "lei", "ncage", "source_key")
REVIEW_THRESHOLD = 0.88  # name similarity from which a pair goes to review
CONTAINED_SCORE = 0.9  # review score floor when one name's words sit inside the other's
MIN_CONTAINED_CHARS = 4  # shorter contained names ("ase", "bhe") are too ambiguous
CITY_SIMILARITY = 0.8  # "Munchen" / "Muenchen" are one city
PLACE_PENALTY = 0.5  # similar names naming different places ("... di Torino" / "... di Trento")
MAX_BLOCK = 400
RECENT_NAMES = 8192  # names whose blocking keys are remembered (a batch reads them 2-3 times)
PREFIX_BLOCK = 3  # long tokens are also blocked on their first letters, to catch typos
# Short words skipped when spelling an acronym ("Institut National DE Cercetare" -> "incd").
ACRONYM_SKIP = frozenset(
    {"de", "des", "du", "di", "del", "della", "la", "le", "les", "of", "for", "the"}
    | {"van", "von", "zu", "fur", "i", "a", "al", "am", "an", "der", "den"}
)


# Every reason the resolver gives, by code, as English text; pages translate the codes.
REASONS: dict[str, str] = {
    "same_identifier": "same {scheme} {value}",
    "different_identifier": "different {scheme}: {mine} vs {theirs}",
    "same_name": "same normalised name",
    "same_name_but_spacing": "same name but for spacing",
    "same_country": "same country {country}",
    "same_city": "same city",
    "different_city": "different city",
    "city_not_contradicted": "city not contradicted",
    "words_before": "extra words before the name ({score})",
    "words_after": "extra words after the name ({score})",
    "name_contained": "name contained in the other ({score})",
    "acronym": "acronym of the other name ({score})",
    "similar_name": "similar name ({score})",
    "different_places": "different places: {mine} / {theirs}",
    "no_match": "no organisation with this identifier or a similar name",
}
# What a value in a reason looks like, so a stored reason can be read back.
REASON_VALUES = {"scheme": "[A-Z_]+", "country": "[A-Z]{2}", "score": "[0-9.]+"}


def reason(code: str, **values: object) -> str:
    """The English text of a reason: `reason("same_country", country="IT")`."""
    return REASONS[code].format(**values)


def _reason_pattern(template: str) -> re.Pattern[str]:
    """A regex reading a reason's text back: each `{value}` becomes a named group."""
    regex = re.sub(
        r"\\\{(\w+)\\\}",
        lambda m: f"(?P<{m[1]}>{REASON_VALUES.get(m[1], '.+?')})",
        re.escape(template),
    )
    return re.compile(f"^{regex}$")


REASON_PATTERNS = {code: _reason_pattern(text) for code, text in REASONS.items()}


def read_reason(text: str) -> tuple[str, dict[str, str]] | None:
    """(code, values) of a reason's text, or None for a text the resolver does not write."""
    for code, pattern in REASON_PATTERNS.items():
        found = pattern.match(text)
        if found:
            return code, found.groupdict()
    return None


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


def city_key(city: str | None) -> str:
    """A comparable city name: normalised, other languages' names mapped to the local one."""
    return place_key(city or "")


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
        self.index_for_lookups(candidate)
        for key in candidate.name_keys:
            self._index_blocks(candidate, stored_blocks(key))

    def index_for_lookups(self, candidate: Candidate) -> None:
        """What identifier and exact-name lookups read: the candidate, its identifiers, its
        name keys with and without spaces."""
        self.candidates[candidate.org_id] = candidate
        for ident in candidate.identifiers:
            self.by_identifier[ident] = candidate.org_id
        for key in candidate.name_keys:
            self.by_name_key[key].add(candidate.org_id)
            self.by_compact[compact(key)].add(candidate.org_id)

    def _index_blocks(self, candidate: Candidate, tokens: frozenset[str]) -> None:
        """File the organisation under one name's blocking keys, in its country."""
        for token in tokens:
            self.by_token[(candidate.country, token)].add(candidate.org_id)

    def decide(self, incoming: Incoming) -> Decision:
        """Match by identifier, then exact name key, then fuzzy name."""
        return (
            self._by_identifier(incoming)
            or self._by_exact_name(incoming)
            or self._by_fuzzy_name(incoming)
            or Decision("new", reasons=[reason("no_match")])
        )

    def exact_name(self, incoming: Incoming) -> Decision | None:
        """`decide`'s exact-name step alone (same normalised name in the same country)."""
        return self._by_exact_name(incoming)

    def _by_identifier(self, incoming: Incoming) -> Decision | None:
        for scheme in STRONG_SCHEMES:
            value = incoming.identifiers.get(scheme)
            org_id = self.by_identifier.get((scheme, value)) if value else None
            if org_id is not None:
                found = reason("same_identifier", scheme=scheme.upper(), value=value)
                return Decision("same", org_id, 1.0, [found])
        return None

    def _conflicting_identifier(self, incoming: Incoming, candidate: Candidate) -> str | None:
        theirs = dict(candidate.identifiers)
        for scheme in ("pic", "vat", "lei"):
            mine = incoming.identifiers.get(scheme)
            if mine and theirs.get(scheme) and theirs[scheme] != mine:
                return reason(
                    "different_identifier", scheme=scheme.upper(), mine=mine, theirs=theirs[scheme]
                )
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
                reason("same_name" if exact else "same_name_but_spacing"),
                reason("same_country", country=incoming.country),
            ]
            conflict = self._conflicting_identifier(incoming, candidate)
            if conflict:
                return Decision("review", org_id, 0.8, [*reasons, conflict])
            mine = city_key(incoming.city)
            if different_city(mine, candidate.city):
                return Decision("review", org_id, 0.85, [*reasons, reason("different_city")])
            city_reason = reason(
                "same_city" if mine and mine == candidate.city else "city_not_contradicted"
            )
            return Decision("same", org_id, 0.95 if exact else 0.93, [*reasons, city_reason])
        return None

    def _blocked(self, incoming: Incoming) -> set[int]:
        found: set[int] = set()
        for key in incoming.name_keys:
            for token in name_blocks(key):
                block = self.by_token.get((incoming.country, token), set())
                if len(block) <= MAX_BLOCK:
                    found |= block
        return found

    def _by_fuzzy_name(self, incoming: Incoming) -> Decision | None:
        """Near names and names contained in one another: never merged, sent to review.

        A near name of a record that names another place ("... di Trento" for "... di
        Torino", in any of the two records' names) is a different organisation: the decision
        is "new", with the places as its reason.
        """
        return self._fuzzy_among(incoming, self._fuzzy_candidates(incoming))

    def _fuzzy_candidates(self, incoming: Incoming) -> list[int]:
        """Stored organisations worth a fuzzy comparison, in id order (a batch resolver
        narrows this list; it may only drop those `_compare` would reject anyway)."""
        return sorted(self._blocked(incoming))

    def _fuzzy_among(self, incoming: Incoming, org_ids: list[int]) -> Decision | None:
        """The fuzzy verdict over `org_ids` (in id order): best review pair, else places."""
        best: tuple[float, int, str] | None = None
        apart: tuple[float, tuple[str, str], str] | None = None
        for org_id in org_ids:
            candidate = self.candidates[org_id]
            if self._conflicting_identifier(incoming, candidate):
                continue  # two different PICs/VATs are two legal entities
            places = different_places(incoming.name_keys, candidate.name_keys)
            for mine in incoming.name_keys:
                for theirs in candidate.name_keys:
                    found = _compare(mine, theirs)
                    if found and places and (apart is None or found[0] > apart[0]):
                        apart = (found[0], places, found[1])
                    elif found and not places and (best is None or found[0] > best[0]):
                        best = (found[0], org_id, found[1])
        if best is None:
            return _different_places(*apart) if apart else None
        score, org_id, why = best
        candidate = self.candidates[org_id]
        reasons = [why, reason("same_country", country=incoming.country)]
        mine = city_key(incoming.city)
        if mine and candidate.city:
            city = "different_city" if different_city(mine, candidate.city) else "same_city"
            reasons.append(reason(city))
        return Decision("review", org_id, round(score * 0.9, 3), reasons)


def _different_places(score: float, places: tuple[str, str], why: str) -> Decision:
    """A near name of another place: a new organisation, scored below review."""
    mine, theirs = places
    reasons = [reason("different_places", mine=mine, theirs=theirs), why]
    return Decision("new", None, round(score * PLACE_PENALTY, 3), reasons)


def different_city(mine: str, theirs: str) -> bool:
    """Both cities known and not the same place ("Munchen"/"Muenchen" are the same)."""
    return bool(mine and theirs and mine != theirs) and (
        name_similarity(mine, theirs) < CITY_SIMILARITY
    )


def block_keys(tokens: list[str]) -> set[str]:
    """Blocking keys: tokens, first letters of long tokens (typos), initials (acronyms)."""
    keys = set(tokens)
    for token in tokens:
        if len(token) > PREFIX_BLOCK:
            keys.add(token[:PREFIX_BLOCK] + "*")
        if 2 <= len(token) <= 6:
            keys.add("#" + token)
    words = [t for t in tokens if t not in ACRONYM_SKIP]
    if len(words) >= 2:
        keys.add("#" + "".join(w[0] for w in words))
    return keys


@lru_cache(maxsize=RECENT_NAMES)
def stored_blocks(key: str) -> frozenset[str]:
    """The blocking keys a stored name key is filed under."""
    return frozenset(block_keys(key.split()))


@lru_cache(maxsize=RECENT_NAMES)
def name_blocks(key: str) -> frozenset[str]:
    """The blocking keys an incoming name key is looked up under."""
    return frozenset(block_keys(name_tokens(key)))


def compact(key: str) -> str:
    """A name key without spaces: "optimus 3d" and "optimus3d" are one name."""
    return key.replace(" ", "")


def contained(short: list[str], long: list[str]) -> str | None:
    """How the shorter token list sits inside the longer one (a reason code), if it does."""
    n = len(short)
    if n >= len(long):
        return None
    if len(compact(" ".join(short))) >= MIN_CONTAINED_CHARS:
        if long[-n:] == short:
            return "words_before"
        if long[:n] == short:
            return "words_after"
        rest = iter(long)
        if all(token in rest for token in short):
            return "name_contained"
    if acronym_of(short, long):
        return "acronym"
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
        return max(score, CONTAINED_SCORE), reason(relation, score=f"{score:.2f}")
    if score >= REVIEW_THRESHOLD:
        return score, reason("similar_name", score=f"{score:.2f}")
    return None
