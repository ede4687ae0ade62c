"""Scoring found facts against gold facts: precision, recall and F1 per kind.

Matching rules (each gold item is counted at most once, by a maximum bipartite matching):
organizations by normalised name, any alias, or registry id; people by name (a found
surname alone matches the full name); places by `place_key` (exonyms count) or, for a
country, by the found place's country; money by currency and amount within 0.5 %;
quantities by value and unit; dates by ISO value; events by type plus one participant in
common (organisations or people), or the same sentence when the gold names none.
"event_sentence" scores events by type and sentence only. Entity and value kinds are sets
per article: found items are grouped by what they say (organisations and places by their
normalised text, people by name, values by value), and a group that only repeats a matched
fact is no false positive. Events are per mention: every found event counts. Found items
matching an optional gold item are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from anyascii import anyascii
from news_gold_format import EVENT_TYPES, GoldArticle, GoldItem

from filiera.news.found import KINDS, Found
from filiera.registry.names import normalise_name
from filiera.registry.places import gazetteer, place_key

MONEY_TOLERANCE = 0.005
ENTITY_KINDS = ("organization", "person", "place", "money", "quantity", "date")
TITLE_WORDS = "dr dott dottssa prof ing avv sig mr mrs ms mme m herr frau sir"
TITLES = frozenset(TITLE_WORDS.split())  # dropped in front of people's names
# Other English names of the gold units (news_gold_format.UNITS).
UNIT_SYNONYMS = {
    **dict.fromkeys(("jobs", "staff", "workers", "employee", "job"), "employees"),
    **dict.fromkeys(("firms", "enterprises", "businesses", "smes", "company"), "companies"),
    **dict.fromkeys(("participants", "delegates", "attendees", "persons", "person"), "people"),
    **dict.fromkeys(("lines", "production_line", "assembly_lines"), "production_lines"),
    **dict.fromkeys(("percentage", "per_cent", "%"), "percent"),
    **dict.fromkeys(("rounds", "shell", "projectiles", "munitions"), "shells"),
    **dict.fromkeys(("tons", "tonne", "t"), "tonnes"),
    **dict.fromkeys(("member", "member_companies"), "members"),
    "year": "years",
    "project": "projects",
    "country": "countries",
    "region": "regions",
}


@dataclass(frozen=True)
class Registry:
    """Organisation records (id, name, aliases) and the ids each normalised name points to."""

    records: tuple[tuple[int, str, tuple[str, ...]], ...]
    ids_by_key: dict[str, frozenset[int]]

    @classmethod
    def from_records(cls, records: Iterable[tuple[int, str, Iterable[str]]]) -> Registry:
        kept = tuple((rid, name, tuple(aliases)) for rid, name, aliases in records)
        index: dict[str, set[int]] = {}
        for rid, name, aliases in kept:
            for spelling in (name, *aliases):
                index.setdefault(normalise_name(spelling), set()).add(rid)
        return cls(kept, {key: frozenset(ids) for key, ids in index.items() if key})

    @classmethod
    def from_demo_yaml(cls, path: Path) -> Registry:
        """Records of the demo dataset's organisations, numbered from 1 in file order."""
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        organisations = data["organisations"]
        return cls.from_records(
            (i, o["name"], o.get("aliases") or []) for i, o in enumerate(organisations, 1)
        )

    def ids_of(self, names: Iterable[str]) -> frozenset[int]:
        found: set[int] = set()
        for name in names:
            found |= self.ids_by_key.get(normalise_name(name), frozenset())
        return frozenset(found)


@dataclass
class Tally:
    """Counts for one kind: gold items, found items, true positives, and what went wrong."""

    gold: int = 0
    found: int = 0
    correct: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.gold += other.gold
        self.found += other.found
        self.correct += other.correct
        self.misses += other.misses
        self.false_positives += other.false_positives

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


Matcher = Callable[[GoldItem, Found], bool]


@dataclass(frozen=True)
class Context:
    """What matching needs besides the two items: the registry and the article's gold orgs."""

    registry: Registry
    org_names: dict[str, tuple[str, ...]]  # normalised gold org spelling -> all its spellings

    def org_spellings(self, name: str) -> tuple[str, ...]:
        return self.org_names.get(normalise_name(name), (name,))


# --- scoring an article -------------------------------------------------------------------


def score_article(article: GoldArticle, found: list[Found], registry: Registry) -> dict[str, Tally]:
    """Tallies of one article by kind, plus "event_sentence", "person_role",
    "person_organization" and "event:<type>" for each event type."""
    context = _context(article, registry)
    by_kind = {kind: [f for f in found if f.kind == kind] for kind in KINDS}
    tallies: dict[str, Tally] = {}
    for kind in ENTITY_KINDS:
        match = _entity_matcher(kind, context)
        tallies[kind] = match_items(article.items[kind], by_kind[kind], match, _dedupe(kind))
    people, found_people = article.items["person"], by_kind["person"]
    tallies["person_role"] = _attribute_tally(people, found_people, context, "roles")
    tallies["person_organization"] = _attribute_tally(
        people, found_people, context, "organizations"
    )
    tallies["event"], tallies["event_sentence"] = Tally(), Tally()
    for event_type in EVENT_TYPES:
        golds = [g for g in article.items["event"] if g.spec["type"] == event_type]
        events = [f for f in by_kind["event"] if f.data.get("type") == event_type]
        strict = match_items(golds, events, lambda g, f: _same_event(g, f, context))
        tallies[f"event:{event_type}"] = strict
        tallies["event"].add(strict)
        tallies["event_sentence"].add(match_items(golds, events, _same_sentence))
    return tallies


def _context(article: GoldArticle, registry: Registry) -> Context:
    names: dict[str, tuple[str, ...]] = {}
    for item in article.items["organization"]:
        for spelling in item.spec["names"]:
            names[normalise_name(spelling)] = item.spec["names"]
    return Context(registry, names)


def match_items(
    golds: list[GoldItem],
    founds: list[Found],
    match: Matcher,
    dedupe: Callable[[Found], Any] | None = None,
) -> Tally:
    """Count matches one to one. With `dedupe` (entity kinds) found items with the same key
    are one item, and one that only repeats a matched gold item is no false positive."""
    units = _group(founds, dedupe) if dedupe else [[f] for f in founds]

    def unit_match(gold: GoldItem, unit: list[Found]) -> bool:
        return any(match(gold, f) for f in unit)

    required = [g for g in golds if not g.optional]
    optional = [g for g in golds if g.optional]
    pairs = _max_matching(units, required, unit_match)
    left = [u for i, u in enumerate(units) if i not in pairs]
    absorbed = _max_matching(left, optional, unit_match)
    left = [u for i, u in enumerate(left) if i not in absorbed]
    if dedupe is not None:
        left = [u for u in left if not any(unit_match(g, u) for g in golds)]
    matched_gold = {id(required[j]) for j in pairs.values()}
    return Tally(
        gold=len(required),
        found=len(pairs) + len(left),
        correct=len(pairs),
        misses=[g.label for g in required if id(g) not in matched_gold],
        false_positives=[_describe(u[0]) for u in left],
    )


def _group(founds: list[Found], key: Callable[[Found], Any]) -> list[list[Found]]:
    groups: dict[Any, list[Found]] = {}
    for item in founds:
        groups.setdefault(key(item), []).append(item)
    return list(groups.values())


def _max_matching(
    units: list[list[Found]], golds: list[GoldItem], match: Callable[[GoldItem, list[Found]], bool]
) -> dict[int, int]:
    """Unit index -> gold index, as many pairs as possible (augmenting paths)."""
    edges = [[j for j, g in enumerate(golds) if match(g, unit)] for unit in units]
    owner: dict[int, int] = {}  # gold index -> found index

    def augment(i: int, seen: set[int]) -> bool:
        for j in edges[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in range(len(units)):
        augment(i, set())
    return {i: j for j, i in owner.items()}


def _describe(found: Found) -> str:
    shown = {k: v for k, v in found.data.items() if v not in (None, [], "")}
    return f"{found.text!r} {shown}"


# --- entity and value matchers ---------------------------------------------------------------


def _entity_matcher(kind: str, context: Context) -> Matcher:
    matchers: dict[str, Matcher] = {
        "organization": lambda g, f: any(
            org_matches(g.spec["names"], name, f, context) for name in _found_names(f)
        ),
        "person": lambda g, f: any(person_matches(g.spec["names"], n) for n in _found_names(f)),
        "place": place_matches,
        "money": money_matches,
        "quantity": quantity_matches,
        "date": lambda g, f: str(f.data.get("date")) == g.spec["date"],
    }
    return matchers[kind]


def _found_name(found: Found) -> str:
    return str(found.data.get("name") or found.text)


def _found_names(found: Found) -> tuple[str, ...]:
    """The name the finder gave and the text it found: either may match."""
    return (_found_name(found), found.text)


def org_matches(
    names: tuple[str, ...], found_name: str, found: Found | None, context: Context
) -> bool:
    """Does an organisation found as `found_name` (registry id in `found`) match `names`?"""
    spellings = tuple(s for n in names for s in context.org_spellings(n))
    keys = {normalise_name(s) for s in spellings} - {""}
    if normalise_name(found_name) in keys:
        return True
    gold_ids = context.registry.ids_of(spellings)
    found_ids = context.registry.ids_of([found_name])
    registry_id = found.data.get("registry_id") if found is not None else None
    if registry_id is not None:
        found_ids = found_ids | {registry_id}
    return bool(gold_ids & found_ids)


def person_tokens(name: str) -> tuple[str, ...]:
    """Lower-case ASCII words of a person's name, titles ("Dr.", "Mme") dropped."""
    words = re.findall(r"[a-z0-9]+", anyascii(name).casefold().replace("'", ""))
    while words and words[0] in TITLES and len(words) > 1:
        words = words[1:]
    return tuple(words)


def person_matches(names: tuple[str, ...], found_name: str) -> bool:
    """The same name, or the surname alone ("Rutte" for "Mark Rutte")."""
    found = person_tokens(found_name)
    if not found:
        return False
    for name in names:
        gold = person_tokens(name)
        if found == gold or (len(found) < len(gold) and gold[-len(found) :] == found):
            return True
    return False


def place_matches(gold: GoldItem, found: Found) -> bool:
    """Same place key (exonyms and normalised spellings), or the same country."""
    found_names = set(_found_names(found))
    found_keys = {place_key(n) for n in found_names}
    gold_keys = {place_key(n) for n in gold.spec["names"]}
    if found_keys & gold_keys:
        return True
    country = gold.spec["country"] or _country_of(gold_keys)
    if country is None or found.data.get("country") != country or found.data.get("region"):
        return False
    return not any(_is_known_non_country(n) for n in found_names)


def _country_of(keys: set[str]) -> str | None:
    countries = [k.removeprefix("country ") for k in keys if k.startswith("country ")]
    return countries[0] if countries else None


def _is_known_non_country(name: str) -> bool:
    key = gazetteer().get(tuple(normalise_name(name).split()))
    return key is not None and not key.startswith("country ")


def money_matches(gold: GoldItem, found: Found) -> bool:
    amount = found.data.get("amount")
    if found.data.get("currency") != gold.spec["currency"] or amount is None:
        return False
    expected = gold.spec["amount"]
    return abs(float(amount) - expected) <= MONEY_TOLERANCE * abs(expected)


def unit_key(unit: object) -> str:
    """A unit in the gold vocabulary: "production lines" -> "production_lines", "jobs" ->
    "employees"; units outside it stay as they are."""
    key = re.sub(r"[\s-]+", "_", str(unit or "").strip().casefold())
    return UNIT_SYNONYMS.get(key, key)


def quantity_matches(gold: GoldItem, found: Found) -> bool:
    value = found.data.get("value")
    if unit_key(found.data.get("unit")) not in gold.spec["units"] or value is None:
        return False
    return abs(float(value) - gold.spec["value"]) <= 1e-9 * max(1.0, abs(gold.spec["value"]))


def _dedupe(kind: str) -> Callable[[Found], Any]:
    keys: dict[str, Callable[[Found], Any]] = {
        "organization": lambda f: normalise_name(f.text) or f.text,
        "person": lambda f: person_tokens(_found_name(f)),
        "place": lambda f: place_key(f.text) or f.text,
        "money": lambda f: (f.data.get("currency"), round(float(f.data.get("amount") or 0), 2)),
        "quantity": lambda f: (unit_key(f.data.get("unit")), f.data.get("value")),
        "date": lambda f: str(f.data.get("date")),
    }
    return keys[kind]


# --- people's roles and organisations ---------------------------------------------------------


def _attribute_tally(
    golds: list[GoldItem], founds: list[Found], context: Context, attribute: str
) -> Tally:
    """Gold people with the attribute ("roles" or "organizations"); found: a mention of them
    carries one; correct: one of those mentions carries a right one."""
    carries, agrees = ATTRIBUTES[attribute]
    tally = Tally()
    for gold in (g for g in golds if g.spec[attribute] and not g.optional):
        tally.gold += 1
        mentions = [
            f for f in founds if any(person_matches(gold.spec["names"], n) for n in _found_names(f))
        ]
        given = [f for f in mentions if carries(f)]
        tally.found += bool(given)
        if any(agrees(gold, f, context) for f in given):
            tally.correct += 1
        else:
            shown = [_describe(f) for f in given]
            tally.misses.append(f"{gold.label}: {list(gold.spec[attribute])} (found {shown})")
    return tally


def role_key(role: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", anyascii(role).casefold()))


def _role_agrees(gold: GoldItem, found: Found, context: Context) -> bool:
    """Roles agree when one contains the other ("segretario generale della nato")."""
    found_role = role_key(str(found.data.get("role") or ""))
    if not found_role:
        return False
    return any(
        (key := role_key(r)) and (key in found_role or found_role in key)
        for r in gold.spec["roles"]
    )


def _org_agrees(gold: GoldItem, found: Found, context: Context) -> bool:
    name = found.data.get("organization")
    org_id = found.data.get("organization_id")
    for wanted in gold.spec["organizations"]:
        if name and org_matches((wanted,), str(name), None, context):
            return True
        spellings = context.org_spellings(wanted)
        if org_id is not None and org_id in context.registry.ids_of(spellings):
            return True
    return False


# --- events ------------------------------------------------------------------------------------


def _same_sentence(gold: GoldItem, found: Found) -> bool:
    start, end = gold.spec["span"]
    return found.start < end and start < max(found.end, found.start + 1)


def _same_event(gold: GoldItem, found: Found, context: Context) -> bool:
    """Type (already equal) plus one participant in common; the sentence when none is named."""
    participants = gold.spec["participants"]
    if not participants:
        return _same_sentence(gold, found)
    return any(_takes_part(p, found, context) for p in participants)


def _takes_part(participant: str, found: Found, context: Context) -> bool:
    names = found.data.get("participants") or []
    ids = found.data.get("organization_ids") or []
    for i, name in enumerate(names):
        registry_id = ids[i] if i < len(ids) else None
        stand_in = Found("organization", 0, 0, name, {"name": name, "registry_id": registry_id})
        if org_matches((participant,), name, stand_in, context):
            return True
    people = found.data.get("people") or []
    if any(person_matches((participant,), person) for person in people):
        return True
    name = found.data.get("name")  # a forum's own name ("Mission 2044")
    return bool(name) and normalise_name(name) == normalise_name(participant)


Agrees = Callable[[GoldItem, Found, Context], bool]
ATTRIBUTES: dict[str, tuple[Callable[[Found], bool], Agrees]] = {  # carries one, agrees
    "roles": (lambda f: bool(f.data.get("role")), _role_agrees),
    "organizations": (
        lambda f: bool(f.data.get("organization")) or f.data.get("organization_id") is not None,
        _org_agrees,
    ),
}
