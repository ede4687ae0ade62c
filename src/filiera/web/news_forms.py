"""News forms read into the services' input: a reviewer's edits of a fact (the fields
`news.review.EDITABLE` allows, only those changed), a watch, and the files and URLs given
to ingest. The services validate; a value that cannot be read at all (a number that is not
one) is refused here naming the fact and the field."""

from __future__ import annotations

import math
from typing import Any

from starlette.datastructures import FormData, UploadFile

from filiera.errors import ValidationFailed, field_error
from filiera.news.review import EDITABLE

NO_ID = "-"  # an entry of a list of registry ids that names no record
FIELD_PREFIX = "data."
URLS_MAX = 50


def id_list_text(values: list[Any] | None) -> str:
    """`[12, None, 7]` -> `12, -, 7` (how the review form shows a list of registry ids)."""
    return ", ".join(NO_ID if v is None else str(v) for v in values or [])


def lines_text(values: list[Any] | None) -> str:
    return "\n".join(str(v) for v in values or [])


def is_id_list(name: str) -> bool:
    return name.endswith("_ids")


def _number(text: str) -> int | float:
    """`1500`, `1500.5` or `1500,5` (a decimal comma); ValueError otherwise."""
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise ValueError(text)
    return int(value) if value.is_integer() else value


def _read(name: str, expected: Any, raw: str) -> Any:
    """One submitted field as the type EDITABLE names; ValueError when it cannot be."""
    allowed = expected if isinstance(expected, tuple) else (expected,)
    text = raw.strip()
    if list in allowed:
        if is_id_list(name):
            tokens = [t.strip() for t in text.replace("\n", ",").split(",")] if text else []
            return [None if t in ("", NO_ID) else int(t) for t in tokens]
        return [line.strip() for line in text.splitlines() if line.strip()]
    if not text and type(None) in allowed:
        return None
    if int in allowed and float not in allowed:
        return int(text)
    if float in allowed:
        return _number(text)
    return text


def _shown(name: str, current: Any) -> Any:
    """The current value as the form would send it back unchanged."""
    if isinstance(current, list) and is_id_list(name):
        return [None if v is None else int(v) for v in current]
    return current


def fact_changes(form: FormData, fact_id: int, kind: str, current: dict[str, Any]) -> dict:
    """The reviewer's edits: each editable field sent and different from what was shown."""
    changes, errors = {}, []
    for name, expected in EDITABLE.get(kind, {}).items():
        raw = form.get(FIELD_PREFIX + name)
        if raw is None:
            continue
        try:
            value = _read(name, expected, str(raw))
        except ValueError:
            message = f"{str(raw)!r} is not a valid {name}"
            errors.append(field_error(f"news fact {fact_id}", f"data.{name}", message))
            continue
        if value != _shown(name, current.get(name)) and not (value == [] and not current.get(name)):
            changes[name] = value
    if errors:
        raise ValidationFailed(
            f"news fact {fact_id}: {len(errors)} invalid value(s)", errors=errors
        )
    return changes


def watch_input(form: FormData) -> dict[str, Any]:
    """The add-a-watch form as `alerts.add_watch` arguments."""
    raw_org = str(form.get("organisation_id") or "").strip()
    try:
        organisation_id = int(raw_org) if raw_org else None
    except ValueError as error:
        message = f"{raw_org!r} is not a registry number"
        raise ValidationFailed(
            "the watch is not valid", errors=[field_error("watch", "organisation_id", message)]
        ) from error
    return {
        "name": str(form.get("name") or ""),
        "query": str(form.get("query") or "").strip() or None,
        "organisation_id": organisation_id,
        "kinds": [str(k) for k in form.getlist("kinds") if str(k).strip()],
    }


def watch_values(form: FormData) -> dict[str, Any]:
    """What the form held, to show it again beside its errors."""
    return {
        "name": str(form.get("name") or ""),
        "query": str(form.get("query") or ""),
        "organisation_id": str(form.get("organisation_id") or ""),
        "kinds": [str(k) for k in form.getlist("kinds")],
    }


def urls_of(form: FormData) -> list[str]:
    """The URLs pasted, one a line (blank lines left out)."""
    text = str(form.get("urls") or "")
    return [line.strip() for line in text.splitlines() if line.strip()]


def uploads_of(form: FormData) -> list[tuple[str, bytes]]:
    """(file name, bytes) of each file chosen; an input left without a file gives none."""
    files = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile):
            item.file.seek(0)
            content = item.file.read()
            if item.filename or content:
                files.append((item.filename or "upload", content))
    return files


def too_many_urls(urls: list[str]) -> ValidationFailed | None:
    if len(urls) <= URLS_MAX:
        return None
    message = f"{len(urls)} URLs given; at most {URLS_MAX} at a time"
    return ValidationFailed(message, errors=[field_error("ingest", "urls", message)])
