"""Capacity scenarios said in the page's language: each problem of a scenario's YAML with
the record it is about ("item tnt", "line no. 2") and the field's label.

`capacity.scenario` words its problems in English (the API's and the CLI's messages); the
editor recognises each of them and says it in the page's language with the same values
(item ids and units are data). A message it does not know gets the generic sentence.
"""

from __future__ import annotations

import re
from typing import Any

from filiera.web.i18n import translator
from filiera.web.messages import detail_text, field_label
from filiera.web.render import data

# English message of capacity.scenario -> key under capacity.errors.messages
MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"\Z", re.S), key)
    for pattern, key in (
        (r"a number is required", "number_required"),
        (r"(?P<value>.+?) is not a number.*", "not_number"),
        (
            r"unit mismatch: (?P<item>\S+) is counted in (?P<unit>\S+), not (?P<other>\S+) .*",
            "unit_mismatch",
        ),
        (r"(?P<value>\S+) is negative", "negative"),
        (r"too small", "negative"),
        (r"start is a month like 2026-01, not (?P<value>.*)", "month_start"),
        (r"a month index or YYYY-MM, not (?P<value>.*)", "month_index"),
        (r"a list of items, each .*", "items_list"),
        (r"each item has an id and a unit", "item_shape"),
        (r"(?:item|line) (?P<id>\S+) is listed twice", "listed_twice"),
        (r"bom maps each output to .*", "bom_shape"),
        (r"bom names unknown item (?P<value>.*)", "bom_unknown"),
        (r"inputs are .*", "bom_shape"),
        (r"input (?P<value>.+) is not an item", "bom_input"),
        (r"the bill of materials loops: (?P<cycle>.*)", "bom_cycle"),
        (r"a capacity per month \(or per year\)", "capacity_missing"),
        (r"utilisation is a share from 0 to 1", "utilisation"),
        (r"each line has an id, an item and a capacity", "line_shape"),
        (r"unknown item (?P<value>.*)", "unknown_item"),
        (r"unknown line (?P<value>.*)", "unknown_line"),
        (r"line (?P<value>\S+) exists already", "line_exists"),
        (r"each expansion has an id", "expansion_shape"),
        (r"\w+ is a whole number of months ≥ 0", "whole_months"),
        (r"a list of demands, each .*", "demand_list"),
        (r"demand names a known item", "demand_item"),
        (r"give one value per month \((?P<months>\d+)\)", "monthly_count"),
        (r"stock of unknown item (?P<value>.*)", "stock_unknown"),
        (r"months is a whole number from 1 to 240", "horizon_months"),
        (r"a scenario is a mapping of sections", "mapping"),
        (r"nothing can produce (?P<item>[^:]+):.*", "unreachable"),
        (r"not valid YAML", "not_yaml"),
    )
)
NAMED = re.compile(r"^(item|line|expansion) (.+)$")  # "item tnt"
LISTED = re.compile(r"^(items|lines|expansions|demand)\[(\d+)\]$")  # "lines[2]"
SECTIONS = ("horizon", "scenario")


def record_label(record: str | None, lang: str) -> str | None:  # Markup: ids are data
    """`item tnt` -> "articolo tnt", `lines[2]` -> "linea n. 3"; None for other records."""
    t = translator(lang)
    if not record:
        return None
    if match := NAMED.match(record):
        what = t(f"capacity.errors.records.{match.group(1)}")
        return t("capacity.errors.record", what=what, id=data(match.group(2)))
    if match := LISTED.match(record):
        return t(f"capacity.errors.records.{match.group(1)}", n=int(match.group(2)) + 1)
    if record in SECTIONS:
        return t(f"capacity.errors.records.{record}")
    return None


def message_text(detail: dict[str, Any], lang: str) -> str:
    """The problem in `lang`: the scenario's English message recognised and translated."""
    message = str(detail.get("message", ""))
    if lang == "en" or detail.get("key"):
        return detail_text(detail, lang)
    for pattern, key in MESSAGES:
        if match := pattern.match(message):
            values = {k: data(v.strip("'\"")) for k, v in match.groupdict().items()}
            return translator(lang)(f"capacity.errors.messages.{key}", **values)
    return detail_text(detail, lang)


def problem_lines(details: list[dict[str, Any]], lang: str) -> list[dict[str, str | None]]:
    """Each problem as {record, field, text} in `lang` (`field` and `record` are labels)."""
    lines = []
    for detail in details:
        name = str(detail.get("field") or "")
        lines.append(
            {
                "record": record_label(detail.get("record"), lang),
                "field": field_label(name.split(".")[0], lang) if name else None,
                "name": name,
                "text": message_text(detail, lang),
            }
        )
    return lines
