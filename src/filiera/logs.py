"""Logging set-up: text or JSON lines, with secrets redacted before anything is written.

`configure_logging` puts one handler on the root logger (replacing the one it put there
before). Every handler made here carries `Redactor`, which rewrites each record before it
is formatted: values of secret-looking keys (password, token, secret, authorization,
cookie, session, csrf, api key), bearer tokens, Filiera API tokens and argon2 hashes
anywhere in a message, its arguments, its extra fields or its traceback. `request_id`
(set by the HTTP middleware) is added to every record logged while a request runs.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import IO, Any, Literal

from pythonjsonlogger.json import JsonFormatter

LogFormat = Literal["text", "json"]
REDACTED = "[REDACTED]"
REQUEST_ID: ContextVar[str | None] = ContextVar("filiera_request_id", default=None)
SECRET_KEY = re.compile(
    r"pass(word|wd|phrase)?|token|secret|authori[sz]ation|cookie|session|csrf|api[-_ ]?key",
    re.IGNORECASE,
)
_KEY = r"[\w-]*(?:password|passwd|token|secret|authorization|cookie|session|csrf|api[-_]?key)[\w-]*"
_VALUE = r"(?:bearer|basic)\s+\S+|\"[^\"]*\"|'[^']*'|[^\s\"'&,;}]+"  # scheme, quoted, bare
SECRET_TEXT = (
    re.compile(r"\$argon2(?:id|i|d)\$[^\s\"';)\]}]+"),  # a password hash
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),  # an Authorization value
    re.compile(r"\bfil_[A-Za-z0-9_-]{8,}"),  # a Filiera API token, wherever it appears
    # key=value, key: value, "key": "value" (a query string, a header dump, a dict's repr)
    re.compile(rf"(?i)(\b{_KEY}[\"']?\s*[=:]\s*)({_VALUE})"),
)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
JSON_FIELDS = ("asctime", "levelname", "name", "message")
JSON_RENAMED = {"asctime": "time", "levelname": "level", "name": "logger"}
STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
}
NOT_REDACTED = STANDARD_ATTRS | {"request_id"}
_OWN = "_filiera_handler"  # marks the root handler `configure_logging` installed
_pinned = False


def redact_text(text: str) -> str:
    """`text` with every secret-looking value replaced by REDACTED."""
    for pattern in SECRET_TEXT[:3]:
        text = pattern.sub(_keep_scheme, text)
    return SECRET_TEXT[3].sub(_keep_key, text)


def _keep_key(match: re.Match[str]) -> str:
    quote = match.group(2)[0] if match.group(2)[0] in "\"'" else ""
    return f"{match.group(1)}{quote}{REDACTED}{quote}"


def _keep_scheme(match: re.Match[str]) -> str:
    scheme = match.group(1) if match.re.groups else None
    return f"{scheme} {REDACTED}" if scheme else REDACTED


def redact_value(key: str, value: Any) -> Any:
    """A field's value as it may be logged: gone when its key names a secret."""
    if SECRET_KEY.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value


class Redactor(logging.Filter):
    """Rewrite a record so no handler sees a secret; add the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        record.msg, record.args = redact_text(record.getMessage()), ()
        for key, value in list(vars(record).items()):
            if key not in NOT_REDACTED and not key.startswith("_"):
                setattr(record, key, redact_value(key, value))
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = redact_text(text), None
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        record._redacted = True
        return True


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record arrives (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> IO[str]:  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value: IO[str]) -> None:
        pass


def formatter(fmt: LogFormat) -> logging.Formatter:
    """JSON lines (time, level, logger, message, request_id and any extra field) or text."""
    if fmt == "json":
        return JsonFormatter(
            list(JSON_FIELDS),
            rename_fields=JSON_RENAMED,
            reserved_attrs=[a for a in STANDARD_ATTRS if a not in JSON_FIELDS] + ["_redacted"],
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def make_handler(
    fmt: LogFormat, level: int | str, stream: IO[str] | None = None
) -> logging.Handler:
    """A handler writing `fmt` to `stream` (default: standard error), secrets redacted."""
    handler = StderrHandler() if stream is None else logging.StreamHandler(stream)
    handler.setFormatter(formatter(fmt))
    handler.setLevel(_level(level))
    handler.addFilter(Redactor())
    return handler


def _level(level: int | str) -> int:
    if isinstance(level, int):
        return level
    value = logging.getLevelName(level.upper())
    if not isinstance(value, int):
        raise ValueError(f"unknown log level {level!r}")
    return value


def configure_logging(
    fmt: LogFormat = "text", level: int | str = "INFO", stream: IO[str] | None = None
) -> logging.Handler | None:
    """Log `level` and above of every logger to `stream` as `fmt`; returns the handler.

    Replaces the handler it installed before, so calling it again (one app per test) does
    not pile handlers up. Does nothing after `pin_logging`: the process's host decided.
    """
    if _pinned:
        return None
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OWN, False)]:
        root.removeHandler(old)
        old.close()
    handler = make_handler(fmt, level, stream)
    setattr(handler, _OWN, True)
    root.addHandler(handler)
    root.setLevel(_level(level))
    return handler


def pin_logging(handler: logging.Handler, logger: str = "filiera", level: int | str = "DEBUG"):
    """Send `logger` at `level` to `handler` for the rest of the process, and make later
    `configure_logging` calls (each app factory's) do nothing. For hosts such as a test
    run that collect the logs themselves."""
    global _pinned
    _pinned = True
    target = logging.getLogger(logger)
    target.setLevel(_level(level))
    if not any(isinstance(f, Redactor) for f in handler.filters):
        handler.addFilter(Redactor())
    target.addHandler(handler)
    return handler


def pinned() -> bool:
    return _pinned
