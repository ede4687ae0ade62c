"""The need and thesis forms: reading the posted fields, and each error next to its field.

The services validate; this module only turns form fields into their input and their
errors into messages in the page's language, chosen by the field an error names (the
English message of a detail is never shown).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData

from filiera.errors import FilieraError
from filiera.needs.models import STAGES
from filiera.registry import taxonomy
from filiera.registry.fields import CONTENT_LANGUAGES, VISIBILITY_LEVELS
from filiera.registry.markings import markings
from filiera.web.i18n import strings
from filiera.web.messages import error_text

NEED_FIELDS = (
    "kind",
    "title",
    "text",
    "lang",
    "owner_id",
    "capabilities",
    "trl_min",
    "trl_max",
    "countries",
    "deadline",
    "status",
    "visibility",
    "markings",
)
THESIS_FIELDS = (
    "title",
    "text",
    "lang",
    "owner_id",
    "sectors",
    "stages",
    "ticket_min",
    "ticket_max",
    "countries",
    "status",
    "visibility",
)
CHOICES = {"capabilities", "sectors", "stages", "markings"}  # fields posted as several values
KEPT_WHEN_BLANK = {"lang"}  # a blank language in an edit keeps the stored one


def posted(form: FormData, names: tuple[str, ...]) -> dict[str, Any]:
    """The fields as the user gave them (lists for multi-choice fields), to refill the form."""
    return {
        name: [str(v) for v in form.getlist(name)] if name in CHOICES else _text(form, name)
        for name in names
        if name in CHOICES or name in form
    }


def _text(form: FormData, name: str) -> str:
    return str(form.get(name, "")).strip()


def as_input(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as input for a new record: blank fields are left out (their defaults)."""
    return {name: value for name, value in _typed(values).items() if value not in ("", None)}


def as_patch(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as a patch: a blank field clears the stored value (the service refuses
    clearing a required one, naming it), except the language, which is then kept."""
    patch = {}
    for name, value in _typed(values).items():
        if value == "" and name in KEPT_WHEN_BLANK:
            continue
        patch[name] = None if value == "" else value
    patch.pop("owner_id", None)  # the owner is chosen when publishing only
    return patch


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """Countries typed as `IT FR, de` become a list of codes; the rest stays as typed."""
    out = dict(values)
    if "countries" in out:
        out["countries"] = out["countries"].replace(",", " ").upper().split()
    return out


def field_messages(error: FilieraError, lang: str, names: tuple[str, ...]) -> dict[str, str]:
    """field -> what is wrong with it, in `lang`; errors naming no field of the form go
    under "" (shown above the form)."""
    table = strings(lang)
    messages: dict[str, str] = {}
    for detail in error.errors:
        field = str(detail.get("field", "")).split(".")[0]
        field = field if field in names else ""
        key = f"need_forms.invalid.{field or 'other'}"
        messages[field] = table.get(key) or table["need_forms.invalid.other"]
    if not messages:
        messages[""] = error_text(error, lang)
    return messages


def choices(lang: str) -> dict[str, Any]:
    """The options of the forms' select fields and check boxes."""
    tree = [
        (root, [(code, taxonomy.label(code, lang)) for code in taxonomy.children(root)])
        for root in taxonomy.roots()
    ]
    return {
        "capabilities": tree,
        "languages": list(CONTENT_LANGUAGES),
        "levels": list(VISIBILITY_LEVELS),
        "markings": list(markings()),
        "stages": list(STAGES),
    }
