"""Plain-text articles, often text dumps of web pages (the seeds are such dumps).

The text is kept as written, except: a "Source URL: <...>" line becomes the URL, markdown
links "[text](#) [1]" become their text, reference lists ("[1] https://...") and their
"Links" heading go, and lines broken inside a sentence (hard-wrapped text) are joined.
The title is the line above the article's first paragraph that reads like a headline (one
with lower-case words before a menu of capitalised ones); a dump that starts with the body
has its headline, if anywhere, further down as a teaser card restating the lead (the
headline, then a paragraph sharing word pairs with the lead), as sites list their own
article among "related" ones.
"""

from __future__ import annotations

import re

from filiera.news.datelines import date_in_line, find_published
from filiera.news.language import detect_language
from filiera.news.webpage import Extracted

SOURCE_URL = re.compile(
    r"^\s*(?:source\s+url|url|source|fonte|quelle|origine)\s*:\s*<?(?P<url>https?://[^\s>]+)>?\s*$",
    re.IGNORECASE,
)
REFERENCE = re.compile(r"^\s*\[\d+\]\s*<?(?:https?://|mailto:|#)\S*>?\s*$")
# Headings of a reference list, in the languages of the news.
LINK_HEADINGS = frozenset(
    {"links", "collegamenti", "link", "liens", "verweise", "enlaces", "ligações", "references"}
)
# Page furniture that is never a title.
NOT_TITLES = re.compile(
    r"skip to (?:main )?content|jump to (?:main )?content|vai al contenuto|passa al contenuto"
    r"|salta al contenuto|aller au contenu|zum inhalt|direkt zum inhalt|saltar al contenido"
    r"|ir para o conteúdo|naar de inhoud|cookie|newsletter|javascript",
    re.IGNORECASE,
)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)(?:\s*\[\d+\])?")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'»”’)\]]*$")
_BREADCRUMB = re.compile(r"\s[>»›/|]\s.*\s[>»›/|]\s")

MIN_TITLE_WORDS, GOOD_TITLE_WORDS, MAX_TITLE_WORDS = 3, 5, 30  # a good one has 5 or more
MAX_TITLE_CHARS = 200
MIN_BODY_WORDS = 30  # a line this long is a paragraph of the article, not a heading
MIN_SENTENCE_WORDS = 12  # ...and so is a shorter one ending with a full stop
TEASER_WORDS = 40  # a teaser's opening compared with the lead
MIN_TEASER_OVERLAP = 0.18  # measured: teaser of seed 001 0.26, other paragraphs <= 0.08
WRAP_MAX_CHARS = 100  # hard-wrapped text has lines no longer than this


def read_plain_text(text: str, *, lang: str = "auto") -> Extracted:
    """The article in a plain-text file: text, title, publication date, URL and language."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    url = next((m.group("url") for m in map(SOURCE_URL.match, lines) if m), None)
    lines = _without_references([line for line in lines if not SOURCE_URL.match(line)])
    title = find_title(lines)
    cleaned = [clean_markdown(line) for line in lines]
    body = join_paragraphs(cleaned)
    language = detect_language(body) if lang == "auto" else lang
    return Extracted(
        text=body,
        title=title,
        url=url,
        published=find_published(cleaned, language),
        lang=language,
    )


def clean_markdown(line: str) -> str:
    """Markdown links to their text, images and emphasis marks removed."""
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    return _EMPHASIS.sub(r"\2", line).rstrip()


def join_paragraphs(lines: list[str]) -> str:
    """One paragraph per line, blank lines between; lines broken inside a sentence joined."""
    paragraphs: list[str] = []
    for block in _blocks(lines):
        if _hard_wrapped(block):
            paragraphs.append(" ".join(block))
            continue
        start = len(paragraphs)
        for line in block:
            if len(paragraphs) > start and _continues(paragraphs[-1], line):
                paragraphs[-1] = f"{paragraphs[-1]} {line}"
            else:
                paragraphs.append(line)
    return "\n\n".join(paragraphs)


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines, stripped."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _hard_wrapped(block: list[str]) -> bool:
    """Lines of a paragraph broken at a fixed width: short lines, most of them followed by
    one that goes on in lower case."""
    if len(block) < 2 or max(map(len, block)) > WRAP_MAX_CHARS:
        return False
    continued = sum(line[0].islower() for line in block[1:])
    return continued * 2 > len(block) - 1


def _continues(previous: str, line: str) -> bool:
    """Whether `line` goes on with the sentence `previous` left open."""
    return line[0].islower() and not _SENTENCE_END.search(previous)


def find_title(lines: list[str]) -> str | None:
    """The headline of a text dump, or None when it has none."""
    rows = [line.strip() for line in lines if line.strip()]
    first_body = next((i for i, row in enumerate(rows) if _is_body(row)), len(rows))
    above = [clean_markdown(row) for row in rows[:first_body] if is_headline(row)]
    if above:  # a sentence-like line first: a menu ("Home Notizie Difesa ...") is all capitals
        return min(
            above, key=lambda row: (not _has_lowercase_word(row), _words(row) < GOOD_TITLE_WORDS)
        )
    return _teaser_title(rows, first_body)


def is_headline(line: str) -> bool:
    """A line that reads like a headline: a few words, no full stop, not a date or dateline, a link,
    a breadcrumb or page furniture."""
    text = clean_markdown(line).strip()
    words = _words(text)
    return (
        MIN_TITLE_WORDS <= words <= MAX_TITLE_WORDS
        and len(text) <= MAX_TITLE_CHARS
        and not text.endswith((".", ",", ";", ":"))
        and not _is_link_line(line)
        and date_in_line(text) is None
        and not _BREADCRUMB.search(f" {text} ")
        and not NOT_TITLES.search(text)
    )


def _teaser_title(rows: list[str], first_body: int) -> str | None:
    """A headline below the body whose next paragraph restates the lead."""
    if first_body >= len(rows):
        return None
    lead = _word_pairs(rows[first_body])
    for i in range(first_body + 1, len(rows) - 1):
        teaser = rows[i + 1]
        if is_headline(rows[i]) and _is_body(teaser):
            pairs = _word_pairs(teaser, limit=TEASER_WORDS)
            if pairs and len(pairs & lead) / len(pairs) >= MIN_TEASER_OVERLAP:
                return clean_markdown(rows[i])
    return None


def _without_references(lines: list[str]) -> list[str]:
    """Lines without reference-list entries and the heading right above such a list."""
    kept: list[str] = []
    for line in lines:
        if REFERENCE.match(line):
            while kept and not kept[-1].strip():
                kept.pop()
            if kept and kept[-1].strip().casefold() in LINK_HEADINGS:
                kept.pop()
            continue
        kept.append(line)
    return kept


def _is_body(row: str) -> bool:
    words = _words(row)
    return words > MIN_BODY_WORDS or (words >= MIN_SENTENCE_WORDS and row.endswith("."))


def _is_link_line(line: str) -> bool:
    """A line made only of markdown links and reference markers."""
    rest = _LINK.sub("", _IMAGE.sub("", line))
    return rest != line and not _WORD.search(re.sub(r"\[\d+\]", "", rest))


def _has_lowercase_word(text: str) -> bool:
    return any(word[0].islower() for word in _WORD.findall(text))


def _word_pairs(text: str, limit: int | None = None) -> set[tuple[str, str]]:
    words = _WORD.findall(text.casefold())[:limit]
    return set(zip(words, words[1:], strict=False))


def _words(text: str) -> int:
    return len(_WORD.findall(text))
