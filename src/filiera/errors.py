"""Filiera's exception tree: every class carries the HTTP status it maps to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from filiera import yamlfile


class FilieraError(Exception):
    """Base of every error Filiera raises on purpose."""

    status: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        key: str | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        # `key` names the message in the web UI's locale files (`errors.<key>`), so a page
        # in another language can say it; `params` fill its placeholders.
        self.key = key
        self.params = params or {}

    def to_body(self) -> dict[str, Any]:
        """The one JSON error shape used by the API and `--json` CLI output."""
        return {"error": {"code": self.code, "message": self.message, "details": self.errors}}


class ValidationFailed(FilieraError):
    """Input broke one or more rules; `errors` lists each {record, field, message}."""

    status = 422
    code = "validation_failed"


class NotFound(FilieraError):
    status = 404
    code = "not_found"


class Conflict(FilieraError):
    status = 409
    code = "conflict"


class ImportFailed(ValidationFailed):
    """An import was rejected as a whole; nothing was written."""

    code = "import_failed"


class Unauthorized(FilieraError):
    """Not signed in, or the credentials are wrong (never says which)."""

    status = 401
    code = "unauthorized"


class Forbidden(FilieraError):
    """Signed in, but this role or organisation may not do that."""

    status = 403
    code = "forbidden"


class PayloadTooLarge(FilieraError):
    status = 413
    code = "payload_too_large"


class TooManyRequests(FilieraError):
    """A rate limit was hit; `retry_after` says how many seconds to wait."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int = 60, **named: Any) -> None:
        super().__init__(message, **named)
        self.retry_after = retry_after


class ConfigurationError(FilieraError):
    status = 500
    code = "configuration_error"


def field_error(record: str, field: str, message: str) -> dict[str, str]:
    """One entry of `FilieraError.errors`."""
    return {"record": record, "field": field, "message": message}


def read_yaml(path: Path) -> Any:
    """A YAML file's content; a missing file or invalid YAML is refused naming the file."""
    try:
        return yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationFailed(
            f"{path}: file not found", errors=[field_error(str(path), "file", "file not found")]
        ) from None
    except yaml.YAMLError as error:
        raise ValidationFailed(
            f"{path}: not valid YAML ({error})",
            errors=[field_error(str(path), "file", "not valid YAML")],
        ) from None


class Problems:
    """Collects every problem of an input file, each naming its record and field, then
    raises them together (the first five in the message, all of them in `errors`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[dict[str, str]] = []

    def add(self, record: str, name: str, message: str) -> None:
        self.errors.append(field_error(record, name, message))

    def raise_any(self) -> None:
        if not self.errors:
            return
        shown = "; ".join(f"{e['record']}.{e['field']}: {e['message']}" for e in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        raise ValidationFailed(f"{self.source}: {shown}{more}", errors=self.errors)
