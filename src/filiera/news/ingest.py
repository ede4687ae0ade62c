"""News inputs to documents: files, URLs, web pages, RSS/Atom feeds and text dumps.

`read_inputs` reads each source (a path, "-" for standard input, or an http(s) URL),
tells a feed from a page from plain text, and returns one `Document` per article (a feed
gives one per entry) or an `InputProblem` saying why a source was left out, in input
order: one bad input never stops the others. Within one call, the same URL, the same text
or the same story lightly edited is kept once.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from filiera.errors import ValidationFailed, field_error
from filiera.news.decoding import decode_bytes
from filiera.news.feeds import looks_like_feed, read_feed
from filiera.news.fetch import (
    Fetched,
    InputError,
    fetch_public_url,
    fetch_url,
    is_url,
    read_path,
)
from filiera.news.language import UNKNOWN, detect_language
from filiera.news.plaintext import read_plain_text
from filiera.news.stories import (
    SAME_STORY,
    fingerprint,
    is_story_length,
    story_signature,
    story_similarity,
)
from filiera.news.webpage import Extracted, has_words, read_html

__all__ = [
    "fetch_public_url",
    "is_url",
    "SAME_STORY",
    "Document",
    "Fetched",
    "InputError",
    "InputProblem",
    "detect_language",
    "read_bytes",
    "read_inputs",
    "story_similarity",
]

KINDS = ("text", "html", "feed")
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".xhtml", ".shtml"})
TRACKING_PARAMETERS = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid)$", re.IGNORECASE)
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title"
    r"|div|p|article|section|h[1-6]|table|span|a)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_LANGUAGE_CODE = re.compile(r"^(?:[a-z]{2}|und)$")


@dataclasses.dataclass(frozen=True)
class Document:
    """One article read from a source; see the module docstring."""

    source: str
    url: str | None
    title: str | None
    published: datetime.date | None
    text: str
    lang: str
    fingerprint: str
    signature: tuple[int, ...]
    kind: str


@dataclasses.dataclass(frozen=True)
class InputProblem:
    """A source left out, why (`InputError.reason`) and what to do about it."""

    source: str
    reason: str
    message: str


def read_inputs(
    sources: Sequence[str],
    *,
    lang: str = "auto",
    fetch: Callable[[str], Fetched] | None = None,
) -> list[Document | InputProblem]:
    """Every source read in order; duplicates within the call become problems."""
    lang = _checked_language(lang)
    seen = _Seen()
    results: list[Document | InputProblem] = []
    for source in sources:
        if source in seen.sources:
            results.append(_duplicate(source, "was given twice"))
            continue
        seen.sources.add(source)
        try:
            documents = _read_source(source, lang=lang, fetch=fetch or fetch_url)
        except InputError as error:
            results.append(InputProblem(source, error.reason, error.message))
            continue
        results.extend(seen.keep_or_report(document) for document in documents)
    return results


def read_bytes(
    data: bytes,
    source: str,
    *,
    content_type: str | None = None,
    url: str | None = None,
    lang: str = "auto",
) -> list[Document]:
    """The articles in `data` (one, or one per feed entry); raises `InputError`."""
    lang = _checked_language(lang)
    text = decode_bytes(data, source, content_type=content_type)
    kind = detect_kind(text, source, content_type)
    if kind == "feed":
        entries = read_feed(text, source)
        return [_document(f"{source} #{n}", entry, kind, lang) for n, entry in entries]
    if kind == "html":
        return [_document(source, read_html(text, source, url=url), kind, lang)]
    extracted = read_plain_text(text, lang=lang)
    if not has_words(extracted.text):
        raise InputError(
            f"{source} has no readable text (only links or symbols); give the article's text.",
            reason="no_text",
            source=source,
        )
    if url and not extracted.url:
        extracted = dataclasses.replace(extracted, url=url)
    return [_document(source, extracted, kind, lang)]


def detect_kind(text: str, source: str, content_type: str | None = None) -> str:
    """The kind of input ("feed", "html" or "text"): by content type, sniffing, extension."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in FEED_TYPES or looks_like_feed(text):
        return "feed"
    if media_type in HTML_TYPES or _HTML_START.match(text[:4096]):
        return "html"
    if media_type == "text/plain":
        return "text"
    extension = PurePosixPath(urlsplit(source).path if is_url(source) else source).suffix
    return "html" if extension.lower() in HTML_EXTENSIONS else "text"


def _read_source(source: str, *, lang: str, fetch: Callable[[str], Fetched]) -> list[Document]:
    if not is_url(source):
        return read_bytes(read_path(source), source, lang=lang)
    try:
        fetched = fetch(source)
    except OSError as error:  # an injected fetcher that does not speak InputError
        raise InputError(
            f"could not fetch {source}: {error}; check the address or save the page as a file.",
            reason="unreachable",
            source=source,
        ) from None
    return read_bytes(
        fetched.data, source, content_type=fetched.content_type, url=fetched.url, lang=lang
    )


def _document(source: str, extracted: Extracted, kind: str, lang: str) -> Document:
    return Document(
        source=source,
        url=extracted.url,
        title=extracted.title,
        published=extracted.published,
        text=extracted.text,
        lang=lang if lang != "auto" else _language(extracted),
        fingerprint=fingerprint(extracted.text),
        signature=story_signature(extracted.text),
        kind=kind,
    )


def _language(extracted: Extracted) -> str:
    """The text's language; a feed's declared language when the text is too short."""
    detected = detect_language(extracted.text)
    return extracted.lang if detected == UNKNOWN and extracted.lang else detected


def _checked_language(lang: str) -> str:
    lang = (lang or "auto").strip().lower()
    if lang != "auto" and not _LANGUAGE_CODE.match(lang):
        message = f"language {lang!r} is not an ISO 639-1 code (e.g. 'it') or 'auto'"
        raise ValidationFailed(message, errors=[field_error("options", "lang", message)])
    return lang


def canonical_url(url: str) -> str:
    """The URL for comparison: lower-case scheme and host, no fragment, no tracking
    parameters, no trailing slash."""
    parts = urlsplit(url.strip())
    kept = [
        (key, value) for key, value in parse_qsl(parts.query) if not TRACKING_PARAMETERS.match(key)
    ]
    query = urlencode(kept)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, query, ""))


class _Seen:
    """The documents kept so far in one `read_inputs` call, to spot duplicates."""

    def __init__(self) -> None:
        self.sources: set[str] = set()
        self.by_url: dict[str, str] = {}
        self.by_fingerprint: dict[str, str] = {}
        self.stories: list[Document] = []

    def keep_or_report(self, document: Document) -> Document | InputProblem:
        problem = self._duplicate(document)
        if problem:
            return problem
        if document.url:
            self.by_url[canonical_url(document.url)] = document.source
        self.by_fingerprint[document.fingerprint] = document.source
        if is_story_length(document.text):
            self.stories.append(document)
        return document

    def _duplicate(self, document: Document) -> InputProblem | None:
        source = document.source
        earlier = self.by_url.get(canonical_url(document.url)) if document.url else None
        if earlier:
            return _duplicate(source, f"has the same URL as {earlier}")
        earlier = self.by_fingerprint.get(document.fingerprint)
        if earlier:
            return _duplicate(source, f"has the same text as {earlier}")
        if not is_story_length(document.text):
            return None
        for kept in self.stories:
            similarity = story_similarity(document.signature, kept.signature)
            if similarity >= SAME_STORY:
                how = f"tells the same story as {kept.source} (similarity {similarity:.2f})"
                return _duplicate(source, how)
        return None


def _duplicate(source: str, how: str) -> InputProblem:
    return InputProblem(source, "duplicate", f"{source} {how}; it was read only once.")
