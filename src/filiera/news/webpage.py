"""The article in a web page: trafilatura's main text and metadata, lxml for broken pages.

`Extracted` is what every reader (page, feed entry, text file) hands back to `ingest`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.etree
import lxml.html
import trafilatura

from filiera.news.datelines import find_published
from filiera.news.fetch import InputError
from filiera.news.language import detect_language

MIN_WORDS = 3  # fewer readable words than this is a page without an article
# Below this many characters trafilatura falls back to its baseline, which keeps menus:
# lxml with menus and link lists left out reads such short pages better.
SHORT_TEXT_CHARS = 250
# Publication date from the page's metadata and date markup only: htmldate's extensive
# search turns a "Copyright 2025" footer into 2025-01-01. Datelines in the text come next.
DATE_SEARCH = {"extensive_search": False, "original_date": True}
LINK_TEXT_SHARE = 0.8  # a block whose text is mostly links is a menu, not prose
NOISE_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
)
BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "table"}
    | {"tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "figure", "figcaption"}
    | {"address", "hr", "body"}
)
_LINK_START, _LINK_END = "\ue000", "\ue001"  # private-use marks around link text
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Extracted:
    """An article's text and what its container said about it; `lang` is a hint or None."""

    text: str
    title: str | None = None
    url: str | None = None
    published: datetime.date | None = None
    lang: str | None = None


def read_html(html: str, source: str, *, url: str | None = None) -> Extracted:
    """Main text, title, date and canonical URL of a page; "no_text" when none is left."""
    html = _XML_DECLARATION.sub("", html, count=1)
    found = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=DATE_SEARCH,
    )
    root = _parse_page(html)
    title = (found.title if found is not None else None) or _page_title(root)
    canonical = _canonical_url(root, url) or (found.url if found is not None else None) or url
    text = _trafilatura_text(found) if found is not None else ""
    if len(text) < SHORT_TEXT_CHARS and root is not None:
        text = _short_page_text(root, text)
    if not has_words(text):
        raise InputError(
            f"{source} has no readable text (only markup, scripts or menus); "
            "give the article's own page or its text.",
            reason="no_text",
            source=source,
        )
    published = _iso_date(found.date if found is not None else None)
    if published is None:
        published = find_published(text.split("\n\n"), detect_language(text))
    return Extracted(text=text, title=_clean(title), url=canonical, published=published)


def fragment_text(html: str) -> str:
    """Text of an HTML fragment (a feed entry's content), paragraphs kept."""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _clean(html) or ""
    return element_text(root)


def element_text(element: lxml.html.HtmlElement) -> str:
    """Readable text of an element: noise tags dropped, one paragraph per block, link-only
    blocks (menus, tag lists) left out."""
    for noise in element.xpath(" | ".join(f".//{tag}" for tag in NOISE_TAGS)):
        noise.drop_tree()
    _mark_links(element)
    _mark_blocks(element)
    blocks = (_clean(block) for block in _BLANK_LINES.split(element.text_content()))
    return "\n\n".join(_unmark(block) for block in blocks if block and not _mostly_links(block))


def _short_page_text(root: lxml.html.HtmlElement, found: str) -> str:
    """lxml's reading of a page where trafilatura found little: kept when it is short too
    (a small or broken page), else trafilatura found the article in a page full of other
    text and its few lines stay."""
    body = root.find("body")
    whole = element_text(body if body is not None else root)
    return whole if len(whole) <= 4 * SHORT_TEXT_CHARS or not has_words(found) else found


def has_words(text: str) -> bool:
    return len(_WORD.findall(text)) >= MIN_WORDS


def _trafilatura_text(found: trafilatura.settings.Document) -> str:
    """trafilatura's main text with one paragraph per element (it joins them with "\n")."""
    if found.body is None:
        return found.text or ""
    paragraphs = []
    for element in found.body:
        items = element.findall(".//item") or element.findall(".//row") or [element]
        paragraphs.extend(" ".join(" ".join(item.itertext()).split()) for item in items)
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def _parse_page(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _mark_links(element: lxml.html.HtmlElement) -> None:
    for link in element.iter("a"):
        link.text = _LINK_START + (link.text or "")
        if len(link):
            link[-1].tail = (link[-1].tail or "") + _LINK_END
        else:
            link.text += _LINK_END


def _mark_blocks(element: lxml.html.HtmlElement) -> None:
    """Blank lines around blocks, a line break for <br>; source line breaks are spaces."""
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        node.text = _SPACES.sub(" ", node.text) if node.text else node.text
        node.tail = _SPACES.sub(" ", node.tail) if node.tail else node.tail
        if node.tag in BLOCK_TAGS:
            node.text = "\n\n" + (node.text or "")
            node.tail = "\n\n" + (node.tail or "")
        elif node.tag == "br":
            node.tail = "\n" + (node.tail or "")
        elif node.tag in ("td", "th"):
            node.tail = " | " + (node.tail or "")


def _mostly_links(block: str) -> bool:
    linked = sum(len(part.split(_LINK_END)[0]) for part in block.split(_LINK_START)[1:])
    visible = len(_unmark(block))
    return visible > 0 and linked / visible >= LINK_TEXT_SHARE


def _unmark(text: str) -> str:
    return _clean(text.replace(_LINK_START, "").replace(_LINK_END, "")) or ""


def _clean(text: str | None) -> str | None:
    """Whitespace collapsed within lines, blank-line-free; None for nothing."""
    if text is None:
        return None
    lines = (" ".join(line.split()) for line in text.splitlines())
    cleaned = "\n".join(line for line in lines if line.strip(" |"))
    return cleaned or None


def _page_title(root: lxml.html.HtmlElement | None) -> str | None:
    if root is None:
        return None
    for path in ("//meta[@property='og:title']/@content", "//h1", "//title"):
        found = root.xpath(path)
        if found:
            value = found[0] if isinstance(found[0], str) else found[0].text_content()
            if value.strip():
                return value
    return None


def _canonical_url(root: lxml.html.HtmlElement | None, base: str | None) -> str | None:
    if root is None:
        return None
    for path in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        found = [value.strip() for value in root.xpath(path) if value.strip()]
        if found and (found[0].startswith(("http://", "https://")) or base):
            return urljoin(base or "", found[0])
    return None


def _iso_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None
