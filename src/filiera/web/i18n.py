"""UI strings in English and Italian, and choosing the language of a request.

The language comes from `?lang=` (which also sets a cookie), then the cookie, then the
browser's Accept-Language, then `settings.default_language`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup
from starlette.requests import Request

from filiera import yamlfile
from filiera.web import LOCALES_DIR

LANGUAGES = ("en", "it")
COOKIE = "filiera_lang"


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The nested string table of `lang`: `locales/<lang>.yaml` merged with every feature's
    `locales/<lang>.<feature>.yaml`. A key defined twice is an error, not a silent override."""
    table: dict[str, Any] = {}
    for path in locale_files(lang):
        with path.open(encoding="utf-8") as handle:
            merge_strings(table, yamlfile.safe_load(handle) or {}, path.name)
    return table


def locale_files(lang: str) -> list[Path]:
    """The main file of `lang` first, then its feature files in name order."""
    return [LOCALES_DIR / f"{lang}.yaml", *sorted(LOCALES_DIR.glob(f"{lang}.*.yaml"))]


def merge_strings(into: dict[str, Any], extra: dict[str, Any], origin: str, at: str = "") -> None:
    """Merge the nested table `extra` into `into`; a leaf key defined twice raises."""
    for key, value in extra.items():
        name = f"{at}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            merge_strings(into[key], value, origin, f"{name}.")
        elif key in into:
            raise ValueError(f"locale key {name!r} in {origin} is already defined")
        else:
            into[key] = value


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """`{"nav": {"home": "Home"}}` -> `{"nav.home": "Home"}`."""
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def strings(lang: str) -> dict[str, str]:
    return flatten(catalogue(lang))


def translator(lang: str) -> Callable[..., str]:
    """`t(key, **values)`: the string for `key` in `lang`, formatted with `values`.

    A missing key falls back to English, then to the key itself (so it shows up in review).
    With `count=` and a key that has `one`/`other` forms, the form follows the count.
    """
    table, english = strings(lang), strings("en")

    def t(key: str, **values: Any) -> str:
        if "count" in values and f"{key}.other" in english:
            key = f"{key}.{plural_form(values['count'])}"
        text = table.get(key) or english.get(key) or key
        if any(isinstance(value, Markup) for value in values.values()):
            return Markup.escape(text).format(**values)  # a marked data value stays marked
        return text.format(**values) if values else text

    return t


def plural_form(count: Any) -> str:
    """`one` for exactly 1, `other` otherwise (the rule of both English and Italian).

    A key with forms is written `{one: "1 member", other: "{count} members"}` and called
    as `t("key", count=n)`.
    """
    return "one" if count == 1 else "other"


def parse_accept_language(header: str) -> list[str]:
    """Primary language tags of an Accept-Language header, best first."""
    weighted = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [tag for _, _, tag in sorted(weighted)]


def choose_language(request: Request, default: str = "en") -> tuple[str, bool]:
    """The request's UI language and whether it was asked for explicitly (set the cookie)."""
    asked = request.query_params.get("lang", "").lower()
    if asked in LANGUAGES:
        return asked, True
    cookie = request.cookies.get(COOKIE, "").lower()
    if cookie in LANGUAGES:
        return cookie, False
    for tag in parse_accept_language(request.headers.get("accept-language", "")):
        if tag in LANGUAGES:
            return tag, False
    return (default if default in LANGUAGES else "en"), False
