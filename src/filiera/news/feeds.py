"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds: one `Extracted` article per entry."""

from __future__ import annotations

import datetime
import email.utils
import io
import re
import time
from typing import Any

import feedparser

from filiera.news.fetch import InputError
from filiera.news.webpage import Extracted, fragment_text, has_words

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_FEED_START = re.compile(r"<(rss|feed|rdf:rdf)[\s>]", re.IGNORECASE)
_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")


def looks_like_feed(text: str) -> bool:
    """Whether the first element of `text` is <rss>, <feed> or <rdf:RDF>."""
    head = _XML_DECLARATION.sub("", text[:4096], count=1)
    head = re.sub(r"<!--.*?-->|<!DOCTYPE[^>]*>|<\?[^>]*\?>", "", head, flags=re.DOTALL).lstrip()
    return _FEED_START.match(head) is not None


def read_feed(text: str, source: str) -> list[tuple[int, Extracted]]:
    """The feed's entries with text (content, else summary, else title) and their position
    in the feed (1 for the first), in feed order; entries with neither are left out."""
    # A stream, never a string: feedparser fetches strings that look like URLs or paths.
    # The text is already decoded, so its XML declaration must not re-decode it.
    data = _XML_DECLARATION.sub("", text, count=1).encode("utf-8")
    parsed = feedparser.parse(io.BytesIO(data))
    if not parsed.entries:
        raise _feed_error(source, parsed)
    language = _language_hint(parsed.feed.get("language"))
    entries = [(number, _entry(entry, language)) for number, entry in enumerate(parsed.entries, 1)]
    readable = [(number, entry) for number, entry in entries if entry is not None]
    if not readable:
        raise InputError(
            f"no entry of the feed {source} has a title or text; check the feed address.",
            reason="feed_error",
            source=source,
        )
    return readable


def _entry(entry: Any, language: str | None) -> Extracted | None:
    title = _plain(entry.get("title"))
    text = _entry_text(entry) or title
    if not text or not has_words(text):
        return None
    return Extracted(
        text=text,
        title=title,
        url=(entry.get("link") or "").strip() or None,
        published=_entry_date(entry),
        lang=language,
    )


def _entry_text(entry: Any) -> str | None:
    """The longest of the entry's contents, else its summary, as plain text."""
    contents = [content.get("value", "") for content in entry.get("content", [])]
    best = max(contents, key=len, default="") or entry.get("summary", "")
    return _plain(best)


def _plain(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    return (fragment_text(value) if _TAG.search(value) else value.strip()) or None


def _entry_date(entry: Any) -> datetime.date | None:
    """The day of publication (else update) as the feed wrote it, in its own time zone."""
    for key in ("published", "updated", "created"):
        local = _written_date(entry.get(key))
        moment: time.struct_time | None = entry.get(f"{key}_parsed")
        if local or moment:
            return local or datetime.date(moment.tm_year, moment.tm_mon, moment.tm_mday)
    return None


def _written_date(value: str | None) -> datetime.date | None:
    """The date of an RFC 822 (RSS) or ISO 8601 (Atom) timestamp, before any UTC shift."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _language_hint(value: str | None) -> str | None:
    """The language of a tag ("it-IT" -> "it"); None for anything else."""
    match = re.match(r"^\s*([a-zA-Z]{2})(?:[-_][a-zA-Z]{2,})?\s*$", value or "")
    return match.group(1).lower() if match else None


def _feed_error(source: str, parsed: Any) -> InputError:
    problem = parsed.get("bozo_exception")
    detail = f"it is not valid XML ({problem})" if problem else "it has no entries"
    return InputError(
        f"cannot read the feed {source}: {detail}; check the feed address.",
        reason="feed_error",
        source=source,
    )
