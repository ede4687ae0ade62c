"""Errors and field names in the page's language.

Services raise errors with an English `message` (the API's) and, where a page shows it, a
`key` into the locale files (`errors.<key>`). A page in English falls back to the message;
a page in another language falls back to a generic sentence for the error's code, so no
English text and no internal field name ever reaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from filiera.errors import FilieraError
from filiera.match.usable import NothingToMatch
from filiera.registry.fields import declaration
from filiera.web.i18n import strings, translator


@cache
def field_labels(lang: str) -> dict[str, str]:
    """`{"email": "E-mail", ...}`: the registry's field labels, then the UI's own."""
    labels: dict[str, str] = {}
    for fields in declaration().values():
        for field in fields:
            label = field.labels.get(lang) or field.labels.get("en")
            if label:
                labels.setdefault(field.name, label)
    prefix = "fields."
    labels.update({k[len(prefix) :]: v for k, v in strings(lang).items() if k.startswith(prefix)})
    return labels


def field_label(field: str | None, lang: str) -> str:
    """`people.email`, `people[2].email` or `country.0` -> "E-mail", "Paese" (never the
    internal name)."""
    if not field:
        return ""
    parts = [part.split("[")[0] for part in field.split(".") if not part.isdigit()]
    name = parts[-1] if parts else ""
    return field_labels(lang).get(name) or translator(lang)("errors.this_field")


def error_text(error: FilieraError, lang: str) -> str:
    """The error's sentence in `lang`."""
    t, table = translator(lang), strings(lang)
    if error.key and f"errors.{error.key}" in table:
        return t(f"errors.{error.key}", **error.params)
    if lang == "en":
        return error.message
    return (
        t(f"errors.code.{error.code}")
        if f"errors.code.{error.code}" in table
        else t("errors.code.internal_error")
    )


def detail_text(detail: dict[str, Any], lang: str) -> str:
    """One field error's sentence in `lang` (the field's label is shown beside it)."""
    key = detail.get("key")
    if key and f"errors.{key}" in strings(lang):
        return translator(lang)(f"errors.{key}", **detail.get("params", {}))
    if lang == "en":
        return str(detail.get("message", ""))
    return translator(lang)("errors.invalid_value")


def ranked_or_reason(rank: Callable[[], Any], lang: str) -> tuple[Any, str | None]:
    """`(result, None)`, or `(None, why)` when the record's text has nothing to match: a
    saved need or thesis still shows, with the reason where its candidates would be."""
    try:
        return rank(), None
    except NothingToMatch as refused:
        return None, error_text(refused, lang)
