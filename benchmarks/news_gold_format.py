"""Gold annotations of news articles for `news_extraction.py`: loading and checking.

One YAML file per article (see `benchmarks/news_gold/README.md` for the format). Entity and
value kinds (organizations, people, places, money, quantities, dates) list each distinct
thing once per article; events list one item per mention per sentence. Any item may say
`optional: true`: finding it is neither rewarded nor penalised (ambiguous cases).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from filiera.news.found import LANGUAGES
from filiera.news.sentences import split_sentences
from filiera.registry.names import normalise_name

EVENT_TYPES = (
    "association_launch",
    "partnership",
    "funding_award",
    "capacity_expansion",
    "contract",
    "investment_round",
    "forum_meeting",
)
UNIT_NAMES = """companies employees members shells tonnes percent regions production_lines
projects years countries people"""
UNITS = frozenset(UNIT_NAMES.split())
GOLD_KINDS = {  # YAML key -> Found kind
    "organizations": "organization",
    "people": "person",
    "places": "place",
    "money": "money",
    "quantities": "quantity",
    "dates": "date",
    "events": "event",
}


class GoldError(ValueError):
    """A gold file that does not follow the format."""


@dataclass(frozen=True)
class GoldItem:
    """One annotated fact; `spec` holds its normalised fields (depending on `kind`)."""

    kind: str
    label: str
    spec: dict[str, Any]
    optional: bool = False


@dataclass
class GoldArticle:
    """An article's text and its gold facts, by Found kind."""

    name: str
    lang: str
    date: dt.date
    text: str
    items: dict[str, list[GoldItem]] = field(default_factory=dict)


def load_gold(path: Path, article_dirs: list[Path]) -> GoldArticle:
    """Read one gold file and the article it annotates (first found in `article_dirs`)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    text = _article_text(raw.get("article"), article_dirs, path)
    lang = raw.get("lang")
    if lang not in LANGUAGES:
        raise GoldError(f"{path.name}: lang must be one of {LANGUAGES}, not {lang!r}")
    if not isinstance(raw.get("date"), dt.date):
        raise GoldError(f"{path.name}: date must be an ISO date (yyyy-mm-dd)")
    article = GoldArticle(path.stem, lang, raw["date"], text)
    for key, kind in GOLD_KINDS.items():
        entries = raw.get(key) or []
        try:
            article.items[kind] = [_item(kind, entry, text) for entry in entries]
        except (KeyError, TypeError, ValueError) as error:
            raise GoldError(f"{path.name}: {key}: {error}") from error
    return article


def _article_text(name: str | None, article_dirs: list[Path], gold_path: Path) -> str:
    if not name:
        raise GoldError(f"{gold_path.name}: no article file named")
    for folder in article_dirs:
        if (folder / name).is_file():
            return (folder / name).read_text(encoding="utf-8")
    raise GoldError(f"{gold_path.name}: article {name} not found in {article_dirs}")


def _item(kind: str, entry: Any, text: str) -> GoldItem:
    spec = {"name": entry} if isinstance(entry, str) else dict(entry)
    optional = bool(spec.pop("optional", False))
    if "text" in spec and str(spec["text"]) not in text:
        raise ValueError(f"text not found in the article: {spec['text']!r}")
    label, fields = _BUILDERS[kind](spec, text)
    return GoldItem(kind, label, fields, optional)


def _names(spec: dict[str, Any]) -> tuple[str, ...]:
    name = spec["name"]
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"a name is required: {spec}")
    return (name, *[str(alias) for alias in spec.get("aliases") or []])


def _choices(value: Any) -> tuple[str, ...]:
    """A field given as one value or a list of acceptable ones; () when absent."""
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list) else [value]))


def _organization(spec: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    names = _names(spec)
    return names[0], {"names": names, "keys": frozenset(normalise_name(n) for n in names)}


def _person(spec: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    names = _names(spec)
    return names[0], {
        "names": names,
        "roles": _choices(spec.get("role")),
        "organizations": _choices(spec.get("organization")),
    }


def _place(spec: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    country = spec.get("country")
    if country is not None and not (isinstance(country, str) and len(country) == 2):
        raise ValueError(f"country must be an ISO 3166 alpha-2 code: {spec}")
    return spec["name"], {"names": _names(spec), "country": country}


def _money(spec: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    currency = str(spec["currency"])
    if len(currency) != 3 or not currency.isupper():
        raise ValueError(f"currency must be an ISO 4217 code: {spec}")
    return spec["text"], {"amount": float(spec["amount"]), "currency": currency}


def _quantity(spec: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    units = _choices(spec["unit"])
    unknown = set(units) - UNITS
    if not units or unknown:
        raise ValueError(f"unknown unit {sorted(unknown)}: use one of {sorted(UNITS)}")
    return spec["text"], {"value": float(spec["value"]), "units": units}


def _date(spec: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    value = spec["date"]
    iso = value.isoformat() if isinstance(value, dt.date) else str(value)
    if not _is_iso(iso):
        raise ValueError(f"date must be yyyy-mm-dd, yyyy-mm or yyyy: {spec}")
    return spec["text"], {"date": iso}


def _is_iso(value: str) -> bool:
    for pattern in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
        return True
    return False


def _event(spec: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    if spec["type"] not in EVENT_TYPES:
        raise ValueError(f"unknown event type {spec['type']!r}: use one of {EVENT_TYPES}")
    participants = tuple(str(p) for p in spec.get("participants") or [])
    start, end = sentence_span(text, spec["sentence"])
    label = f"{spec['type']} {list(participants)} in {text[start : start + 60]!r}"
    return label, {"type": spec["type"], "participants": participants, "span": (start, end)}


def sentence_span(text: str, fragment: str) -> tuple[int, int]:
    """Offsets of the sentence(s) containing `fragment`, which must occur once in `text`."""
    at = text.find(fragment)
    if at < 0 or text.find(fragment, at + 1) >= 0:
        where = "not found" if at < 0 else "found more than once"
        raise ValueError(f"sentence fragment {where} in the article: {fragment!r}")
    end = at + len(fragment)
    covering = [s for s in split_sentences(text) if s.start < end and at < s.end]
    return min(s.start for s in covering), max(s.end for s in covering)


_BUILDERS = {
    "organization": _organization,
    "person": _person,
    "place": _place,
    "money": _money,
    "quantity": _quantity,
    "date": _date,
    "event": _event,
}
