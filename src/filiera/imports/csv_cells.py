"""Parsing single CSV cells: dates, numbers, flags and code lists in English or Italian."""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache, lru_cache

from filiera.imports.csv_columns import (
    FALSE_WORDS,
    ORG_KIND_WORDS,
    SITE_KIND_WORDS,
    TRUE_WORDS,
    header_key,
)
from filiera.registry import taxonomy

DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
LEVEL_WORDS = {
    "claimed": "claimed",
    "dichiarata": "claimed",
    "evidenced": "evidenced",
    "comprovata": "evidenced",
    "documentata": "evidenced",
    "certified": "certified",
    "certificata": "certified",
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LIST_SEPARATOR = re.compile(r"[;,|\n]")
CAPABILITY_LEVEL = re.compile(r"(.+?)\s*(?:[:=]\s*|\()\s*([^()]+?)\)?")
EDITION = re.compile(r":\s*\d{4}$")
DAY_MONTH_YEAR = re.compile(r"\d+\D\d+\D\d+")
DISTINCT_ITEMS = 4096  # capability and certification items remembered (few recur)


def parse_date(raw: str) -> date | None:
    """ISO (2024-03-01) or day-first (01/03/2024, 01.03.2024, 01-03-2024) dates."""
    text = raw.strip()
    if not text:
        return None
    if ISO_DATE.fullmatch(text):  # the common case, without strptime's cost
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"invalid date {raw!r}: use YYYY-MM-DD or DD/MM/YYYY")


def parse_float(raw: str) -> float | None:
    """A decimal number; a decimal comma (45,07) is accepted."""
    text = raw.strip().replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"invalid number {raw!r}: expected e.g. 45.07") from None


def parse_bool(raw: str) -> bool:
    key = header_key(raw)
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise ValueError(f"invalid yes/no value {raw!r}: use true/false or sì/no")


def parse_email(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if not EMAIL.fullmatch(text):
        raise ValueError(f"invalid e-mail address {raw!r}")
    return text


def split_list(raw: str) -> list[str]:
    """Items of a list cell separated by `;`, `,`, `|` or new lines."""
    return [item.strip() for item in LIST_SEPARATOR.split(raw) if item.strip()]


def org_kind(raw: str) -> str | None:
    """An organisation kind from its code or an English/Italian word ("PMI" -> sme)."""
    text = raw.strip()
    if not text:
        return None
    key = header_key(text)
    return ORG_KIND_WORDS.get(key, text.lower().replace(" ", "_").replace("-", "_"))


def site_kind(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    return SITE_KIND_WORDS.get(header_key(text), text.lower())


@cache
def _capability_index() -> dict[str, str]:
    index = {}
    for code, node in taxonomy.capabilities().items():
        for name in (*node.labels.values(), code):
            index.setdefault(header_key(name), code)
    return index


@cache
def _certification_index() -> dict[str, str]:
    index = {}
    for code, cert in taxonomy.certifications().items():
        for name in (code, *cert.labels.values()):
            index.setdefault(header_key(name), code)
    return index


def capabilities(raw: str) -> list[dict[str, str]]:
    """`air.uas; space.satellites:evidenced` or labels (`Aerostrutture`) -> capability dicts."""
    return [dict(_capability(item)) for item in split_list(raw)]


@lru_cache(maxsize=DISTINCT_ITEMS)
def _capability(item: str) -> tuple[tuple[str, str], ...]:
    match = CAPABILITY_LEVEL.fullmatch(item)
    code, level = (match.group(1), match.group(2)) if match else (item, "")
    if level and header_key(level) not in LEVEL_WORDS:
        code, level = item, ""
    cap = (("code", _capability_index().get(header_key(code), code.strip().lower())),)
    return (*cap, ("level", LEVEL_WORDS[header_key(level)])) if level else cap


def certifications(raw: str) -> list[dict[str, str]]:
    """`EN 9100; ISO 9001:2015; aqap2110:2027-06-30` -> certification dicts.

    A year after a colon is the standard's edition and is dropped; a full date after a colon
    is the certificate's expiry (`valid_until`).
    """
    return [dict(_certification(item)) for item in split_list(raw)]


@lru_cache(maxsize=DISTINCT_ITEMS)
def _certification(item: str) -> tuple[tuple[str, str], ...]:
    bare, _, suffix = item.rpartition(":")
    until = _date_or_none(suffix) if bare else None
    if until is None:
        bare = EDITION.sub("", item)
    cert = (("code", _certification_index().get(header_key(bare), bare.strip().lower())),)
    return (*cert, ("valid_until", until.isoformat())) if until is not None else cert


def _date_or_none(text: str) -> date | None:
    try:
        return parse_date(text) if DAY_MONTH_YEAR.search(text) else None
    except ValueError:
        return None


def nace_codes(raw: str) -> list[str]:
    """NACE or ATECO codes; ATECO's six digits are cut to the NACE class (30.30.09 -> 30.30)."""
    codes = []
    for item in split_list(raw.replace(" ", ";")):
        digits = re.sub(r"\D", "", item)
        if not digits:
            codes.append(item)
            continue
        digits = digits[:4]
        codes.append(digits if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}")
    return codes
