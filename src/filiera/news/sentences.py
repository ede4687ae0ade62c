"""Sentences of an article with their character offsets (it, en, fr, de).

A sentence ends at ".", "!", "?" or "…" followed by a space and a capital or a quote, or at
a blank line; abbreviations ("Dr.", "S.p.A.", "Mio.", "z. B.") and initials ("M. Rutte")
do not end one. Headlines without a full stop are sentences of their own (one per line).
"""

from __future__ import annotations

import re

from filiera.news.found import Sentence
from filiera.news.lexicon import words_of

ABBREVIATIONS = words_of("abbreviations")
_END = re.compile(r"[.!?…]+[\"»”’)\]]*(?=\s+[\"«“‘(\[]?[A-ZÀ-ÖØ-Þ0-9])")
_BLANK = re.compile(r"\n\s*\n|\n(?=\s*[-*•])")


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text`, in order, with offsets into it (whitespace trimmed)."""
    spans: list[tuple[int, int]] = []
    for block_start, block_end in _blocks(text):
        for line_start, line_end in _lines(text, block_start, block_end):
            spans.extend(_split_block(text, line_start, line_end))
    return [
        Sentence(index=i, start=start, end=end, text=text[start:end])
        for i, (start, end) in enumerate(spans)
    ]


def _blocks(text: str) -> list[tuple[int, int]]:
    """Paragraphs: text between blank lines."""
    blocks, start = [], 0
    for gap in _BLANK.finditer(text):
        blocks.append((start, gap.start()))
        start = gap.end()
    blocks.append((start, len(text)))
    return blocks


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A paragraph's runs of text: a line break ends a run unless the text was wrapped
    mid-sentence (the line ends without punctuation and the next starts in lower case), so
    headlines and list items are sentences of their own."""
    runs: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start, pos = pos, pos + len(line) + 1
        stripped = line.strip()
        if runs and stripped and stripped[0].islower() and not _closed(text, *runs[-1]):
            runs[-1] = (runs[-1][0], line_start + len(line))
        else:
            runs.append((line_start, line_start + len(line)))
    return runs


def _closed(text: str, start: int, end: int) -> bool:
    return text[start:end].rstrip().endswith((".", "!", "?", ":", "”", '"', "»", ";"))


def _split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, begin = [], start
    for match in _END.finditer(text, start, end):
        if _is_abbreviation(text, begin, match.start()):
            continue
        spans.append((begin, match.end()))
        begin = match.end()
    spans.append((begin, end))
    return [trimmed for a, b in spans if (trimmed := _trim(text, a, b))]


def _is_abbreviation(text: str, begin: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", text[begin:dot])
    if not word:
        return False
    token = word.group(1).lower().strip(".")
    if token in ABBREVIATIONS:
        return True
    return len(token) == 1 and token.isalpha()  # an initial: "M. Rutte", "J. Doe"


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def sentence_at(sentences: list[Sentence], offset: int) -> Sentence | None:
    """The sentence containing character `offset`."""
    for sentence in sentences:
        if sentence.start <= offset < sentence.end:
            return sentence
    return None
