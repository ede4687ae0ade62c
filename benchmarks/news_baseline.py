"""A naive extractor, the baseline of `news_extraction.py`.

organizations: registry names and aliases found verbatim; people: two consecutive
capitalised words; places: capitalised words (or runs of them) the registry's place
gazetteer knows; money and quantities: digits in English format followed by a currency or
an English unit word, without scale words; dates: `dateparser.search.search_dates`;
events: English keywords, with the registry names of their sentence as participants.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings

from dateparser.search import search_dates
from news_scoring import Registry

from filiera.news.found import Found
from filiera.news.sentences import split_sentences
from filiera.registry.names import normalise_name
from filiera.registry.places import gazetteer

NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
CURRENCIES = {"€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD"}
CURRENCIES |= {"usd": "USD", "dollars": "USD", "£": "GBP", "gbp": "GBP", "pounds": "GBP"}
UNITS = {
    "%": "percent",
    "percent": "percent",
    "per cent": "percent",
    "companies": "companies",
    "employees": "employees",
    "jobs": "employees",
    "members": "members",
    "shells": "shells",
    "tonnes": "tonnes",
    "tons": "tonnes",
    "regions": "regions",
    "production lines": "production_lines",
    "projects": "projects",
    "years": "years",
    "countries": "countries",
    "people": "people",
}
EVENT_KEYWORDS = {
    "association_launch": ("launch", "launched", "inaugurated"),
    "partnership": ("joint venture", "partnership", "memorandum", "merger", "alliance"),
    "funding_award": ("grant", "awarded funding", "funding award", "subsidy"),
    "capacity_expansion": ("new plant", "factory", "production line", "expansion"),
    "contract": ("contract", "order"),
    "investment_round": ("funding round", "raised", "series a", "series b", "seed round"),
    "forum_meeting": ("forum", "summit", "conference"),
}
PERSON = re.compile(r"\b[A-ZÀ-Þ][a-zß-ÿ]+ [A-ZÀ-Þ][a-zß-ÿ]+\b")
CAPITALISED_RUN = re.compile(r"\b[A-ZÀ-Þ][\w'-]*(?: [A-ZÀ-Þ][\w'-]*)*")


def _alternation(words: dict[str, str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


MONEY = re.compile(rf"{NUMBER} ?({_alternation(CURRENCIES)})(?!\w)", re.IGNORECASE)
QUANTITY = re.compile(rf"{NUMBER} ?({_alternation(UNITS)})(?!\w)", re.IGNORECASE)


def baseline_extract(text: str, lang: str, registry: Registry, reference: dt.date) -> list[Found]:
    """Everything the naive rules find in `text`."""
    organizations = find_organizations(text, registry)
    return [
        *organizations,
        *find_people(text),
        *find_places(text),
        *find_numbers(text, MONEY, "money"),
        *find_numbers(text, QUANTITY, "quantity"),
        *find_dates(text, lang, reference),
        *find_events(text, organizations),
    ]


def find_organizations(text: str, registry: Registry) -> list[Found]:
    found = []
    for registry_id, name, aliases in registry.records:
        for spelling in {name, *aliases}:
            for match in re.finditer(rf"(?<!\w){re.escape(spelling)}(?!\w)", text):
                data = {"name": name, "registry_id": registry_id, "found_by": ["registry"]}
                found.append(Found("organization", match.start(), match.end(), spelling, data))
    return sorted(found, key=lambda f: f.start)


def find_people(text: str) -> list[Found]:
    return [
        Found("person", m.start(), m.end(), m.group(), {"name": m.group(), "role": None})
        for m in PERSON.finditer(text)
    ]


def find_places(text: str) -> list[Found]:
    """A capitalised run, or else each of its words, that names a known place."""
    found = []
    for run in CAPITALISED_RUN.finditer(text):
        words = [(m.start(), m.group()) for m in re.finditer(r"\S+", run.group())]
        candidates = [(0, run.group())] if len(words) > 1 else []
        for offset, spelling in candidates + words:
            key = gazetteer().get(tuple(normalise_name(spelling).split()))
            if key and len(spelling) >= 4:
                country = key.removeprefix("country ") if key.startswith("country ") else None
                data = {"name": spelling, "country": country, "region": None}
                start = run.start() + offset
                found.append(Found("place", start, start + len(spelling), spelling, data))
                break
    return found


def find_numbers(text: str, pattern: re.Pattern[str], kind: str) -> list[Found]:
    found = []
    for match in pattern.finditer(text):
        value = float(match.group(1).replace(",", ""))
        word = match.group(2).lower()
        if kind == "money":
            data = {"amount": value, "currency": CURRENCIES[word]}
        else:
            data = {"value": value, "unit": UNITS[word], "qualifier": None}
        found.append(Found(kind, match.start(), match.end(), match.group(), data))
    return found


def find_dates(text: str, lang: str, reference: dt.date) -> list[Found]:
    settings = {"RELATIVE_BASE": dt.datetime.combine(reference, dt.time())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser's own deprecation warnings
        results = search_dates(text, languages=[lang], settings=settings) or []
    found, cursor = [], 0
    for phrase, when in results:
        start = text.find(phrase, cursor)
        start = start if start >= 0 else text.find(phrase)
        cursor = max(cursor, start + len(phrase))
        data = {"date": when.date().isoformat(), "precision": "day"}
        found.append(Found("date", max(start, 0), max(start, 0) + len(phrase), phrase, data))
    return found


def find_events(text: str, organizations: list[Found]) -> list[Found]:
    found = []
    for sentence in split_sentences(text):
        lowered = sentence.text.lower()
        inside = [o for o in organizations if sentence.start <= o.start < sentence.end]
        for event_type, keywords in EVENT_KEYWORDS.items():
            if any(re.search(rf"\b{re.escape(k)}\b", lowered) for k in keywords):
                data = {
                    "type": event_type,
                    "participants": [o.data["name"] for o in inside],
                    "organization_ids": [o.data["registry_id"] for o in inside],
                    "people": [],
                    "places": [],
                    "date": None,
                }
                found.append(Found("event", sentence.start, sentence.end, sentence.text, data))
    return found
