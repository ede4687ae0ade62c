"""UI strings in English and Italian, and choosing the language of a request.

The language comes from `?lang=` (which also sets a cookie), then the cookie, then the
browser's Accept-Language, then `settings.default_language`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import yaml
from starlette.requests import Request

from filiera.web import LOCALES_DIR

LANGUAGES = ("en", "it")
COOKIE = "filiera_lang"


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The nested string table of `lang` as read from `locales/<lang>.yaml`."""
    with (LOCALES_DIR / f"{lang}.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


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
    """
    table, english = strings(lang), strings("en")

    def t(key: str, **values: Any) -> str:
        text = table.get(key) or english.get(key) or key
        return text.format(**values) if values else text

    return t


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
