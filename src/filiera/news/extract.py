"""Read an article: organisations, people, places, amounts, quantities, dates and events,
each tied to the sentence it came from. Offline, rule-based, four languages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from filiera.news.dates import find_dates
from filiera.news.found import LANGUAGES, Found, Sentence
from filiera.news.numbers import find_money, find_quantities
from filiera.news.orgs import Gazetteer, find_organisations
from filiera.news.people import find_people
from filiera.news.place_cues import find_place_cues
from filiera.news.places import find_places
from filiera.news.sentences import sentence_at, split_sentences
from filiera.news.triggers import find_triggers

__all__ = ["Extraction", "Gazetteer", "extract_article"]


@dataclass
class Extraction:
    """What was read from one text: every mention (`found`, in text order) and its sentences."""

    text: str
    lang: str
    sentences: list[Sentence]
    found: list[Found] = field(default_factory=list)

    def of(self, kind: str) -> list[Found]:
        return [f for f in self.found if f.kind == kind]

    def sentence_of(self, mention: Found) -> Sentence | None:
        return sentence_at(self.sentences, mention.start)

    def summary(self) -> dict[str, Any]:
        """One entry per distinct fact (the first mention of each), in the CLI's shape."""
        return {
            "organizations": _unique(
                (
                    {"name": f.data["name"], "registry_id": f.data["registry_id"]}
                    for f in self.of("organization")
                ),
                ("name",),
            ),
            "people": _unique(
                (
                    {
                        "name": f.data["name"],
                        "role": f.data.get("role"),
                        "organization": f.data.get("organization"),
                    }
                    for f in self.of("person")
                ),
                ("name",),
            ),
            "places": _unique(
                (
                    {
                        "name": f.data["name"],
                        "country": f.data.get("country"),
                        "region": f.data.get("region"),
                    }
                    for f in self.of("place")
                ),
                ("name",),
            ),
            "money": _unique(
                ({"text": f.text, **f.data} for f in self.of("money")), ("amount", "currency")
            ),
            "quantities": _unique(
                ({"text": f.text, **f.data} for f in self.of("quantity")), ("value", "unit")
            ),
            "dates": _unique(({"text": f.text, **f.data} for f in self.of("date")), ("date",)),
            "events": [
                {
                    **{
                        k: f.data.get(k)
                        for k in ("type", "participants", "people", "places", "date", "modality")
                    },
                    "sentence": s.text if (s := self.sentence_of(f)) else None,
                }
                for f in self.of("event")
            ],
        }


def _unique(items: Iterable[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    seen, kept = set(), []
    for item in items:
        key = tuple(item.get(k) for k in keys)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def extract_article(
    text: str,
    lang: str,
    gazetteer: Gazetteer,
    reference: date | None = None,
    known_people: Iterable[str] = (),
) -> Extraction:
    """Everything read from `text` (language `lang`; unknown ones are read as English),
    with dates relative to `reference` (the publication date when known)."""
    lang = lang if lang in LANGUAGES else "en"
    sentences = split_sentences(text)
    orgs = find_organisations(text, lang, gazetteer)
    places = _outside(find_places(text, lang), orgs)
    people = find_people(text, lang, orgs, known_people)
    orgs += _outside(_organisations_of_roles(text, people), orgs + people)
    places = _outside(places, orgs)
    places += _outside(find_place_cues(text), orgs + people + places)
    orgs = _outside(orgs, [p for p in people if p.data.get("role")])
    places = _outside(places, people)
    money = find_money(text, lang)
    quantities = _outside(find_quantities(text, lang), money)
    dates = _outside(find_dates(text, lang, reference), money + quantities)
    found = orgs + people + places + money + quantities + dates
    events = _events(text, lang, sentences, found)
    return Extraction(text, lang, sentences, sorted(found + events, key=_order))


def _organisations_of_roles(text: str, people: list[Found]) -> list[Found]:
    """ "amministratrice delegata di Secondo Mona": the organisation a role names."""
    found = []
    for person in people:
        span = person.data.get("organization_span")
        if span and person.data.get("organization") is None:
            start, end = span
            name = text[start:end]
            data = {
                "name": name,
                "registry_id": None,
                "candidates": [],
                "found_by": ["context"],
                "org_kind": None,
            }
            found.append(Found("organization", start, end, name, data))
            person.data["organization"] = name
    return found


def _order(found: Found) -> tuple[int, int, str]:
    return found.start, -found.end, found.kind


def _outside(mentions: list[Found], others: list[Found]) -> list[Found]:
    """The mentions that overlap none of `others` (those win)."""
    return [m for m in mentions if not any(m.start < o.end and o.start < m.end for o in others)]


# --- events --------------------------------------------------------------------------------


def _events(text: str, lang: str, sentences: list[Sentence], found: list[Found]) -> list[Found]:
    events: list[Found] = []
    for sentence in sentences:
        inside = [f for f in found if sentence.start <= f.start < sentence.end]
        seen_types: set[str] = set()
        for trigger in find_triggers(sentence.text, lang):
            kind = trigger.data["type"]
            if kind in seen_types:
                continue
            seen_types.add(kind)
            carried = _carried_over(sentences, sentence, found, inside)
            events.append(_event(text, sentence, trigger, inside + carried))
    return events


def _carried_over(
    sentences: list[Sentence], sentence: Sentence, found: list[Found], inside: list[Found]
) -> list[Found]:
    """A sentence that names no organisation is about those of the sentence before ("X won
    the contract. The order is worth …"), up to two sentences back; a public body named
    there is the customer, not the subject."""
    if any(f.kind == "organization" for f in inside):
        return []
    for back in (1, 2):
        index = sentence.index - back
        if index < 0:
            break
        earlier = sentences[index]
        orgs = [
            f
            for f in found
            if f.kind == "organization"
            and earlier.start <= f.start < earlier.end
            and f.data.get("org_kind") != "public_body"  # the customer, rarely the subject
        ]
        if orgs:
            return orgs
    return []


def _event(text: str, sentence: Sentence, trigger: Found, inside: list[Found]) -> Found:
    def names(kind: str) -> list[str]:
        return list(dict.fromkeys(f.data["name"] for f in inside if f.kind == kind))

    orgs = list({f.data["name"]: f for f in inside if f.kind == "organization"}.values())
    dates = [f.data["date"] for f in inside if f.kind == "date"]
    start, end = sentence.start + trigger.start, sentence.start + trigger.end
    return Found(
        "event",
        start,
        end,
        text[start:end],
        {
            "type": trigger.data["type"],
            "modality": trigger.data.get("modality", "reported"),
            "participants": [o.data["name"] for o in orgs],
            "organization_ids": [o.data.get("registry_id") for o in orgs],
            "people": names("person"),
            "places": names("place"),
            "date": dates[0] if dates else None,
            "name": _event_name(text, start, end, trigger.data["type"]),
        },
    )


_NAME_AFTER = re.compile(
    r"\s*(?:del|della|dello|dell['’]|di|of the|of|de la|du|des|de|der|the)?\s*"
    r"(?P<name>[A-Z][\w-]*(?:[ ][A-Z0-9][\w-]*){0,4})"
)
_NAME_BEFORE = re.compile(r"(?P<name>(?:[A-Z][\w-]*[ ]){1,4})$")


def _event_name(text: str, start: int, end: int, kind: str) -> str | None:
    """A forum's own name: "il vertice del Mission 2044", "the Defense Investment Forum"."""
    if kind != "forum_meeting":
        return None
    trigger = text[start:end]
    if trigger[:1].isupper():
        before = _NAME_BEFORE.search(text[max(0, start - 80) : start])
        if before:
            return (before.group("name") + trigger).strip()
    after = _NAME_AFTER.match(text, end)
    if after and not after.group("name").casefold().startswith(("il ", "la ", "the ")):
        return after.group("name").strip()
    return None
