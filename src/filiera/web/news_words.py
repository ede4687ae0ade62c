"""News facts said in the page's language: what each fact means in words (the tooltip and
the table's value), and an article's text with its facts highlighted.

Templates get fact *views* (`news.store.fact_view`), never raw fact data: a view has
already replaced links to records the viewer may not see by the article's plain text.
Names, roles and sentences are the article's words (marked as data); units, qualifiers,
event types and kinds of organisation are said in the page's language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from filiera.web.i18n import strings, translator
from filiera.web.render import country_name, data, number, region_name

KINDS = ("organization", "person", "place", "money", "quantity", "date", "event")
MARKED_STATUSES = ("accepted", "proposed")  # rejected facts are listed, not highlighted


def key_of(word: str) -> str:
    """`production lines` -> `production_lines`, `start-ups` -> `start_ups` (locale keys)."""
    return re.sub(r"[^a-z0-9]+", "_", word.casefold()).strip("_")


@dataclass(frozen=True)
class FactWords:
    """Fact views said in one language (bound to a page's `lang`)."""

    lang: str

    def _t(self, key: str, **values: Any) -> str:
        return translator(self.lang)(key, **values)

    def _known(self, group: str, word: str | None) -> str | None:
        """The page's word for a vocabulary entry, or None when the locale lacks it."""
        if not word:
            return None
        return strings(self.lang).get(f"news.{group}.{key_of(word)}")

    def kind(self, kind: str) -> str:
        return self._t(f"news.kinds.{kind}")

    def event_type(self, event_type: str | None) -> str:
        return self._known("event_types", event_type) or self._t("news.event_types.other")

    def word(self, group: str, value: str | None) -> Markup | str:
        """A unit, qualifier or kind of organisation in the page's language; a word the
        locale does not know is the article's own (marked as data)."""
        if not value:
            return ""
        return self._known(group, value) or data(value)

    def amount(self, value: float | int | None) -> str:
        if value is None:
            return "–"
        digits = 0 if float(value).is_integer() else 2
        return number(value, self.lang, digits)

    def value(self, view: dict[str, Any]) -> Markup:
        """The fact's normalised meaning as HTML (its data escaped and marked)."""
        d, kind = view["data"], view["kind"]
        if kind == "money":
            return Markup("{} {}").format(self.amount(d.get("amount")), data(d.get("currency")))
        if kind == "quantity":
            parts = [self.word("qualifiers", d.get("qualifier")), self.amount(d.get("value"))]
            return Markup(" ").join([*[p for p in parts if p], self.word("units", d.get("unit"))])
        if kind == "date":
            precision = self._t(f"news.precision.{d.get('precision') or 'day'}")
            return Markup("{} <span class='muted small'>({})</span>").format(
                data(d.get("date")), precision
            )
        if kind == "place":
            return self._place(d)
        if kind == "person":
            return self._person(d)
        if kind == "organization":
            kind_word = self.word("org_kinds", d.get("org_kind"))
            if kind_word:
                return Markup("{} <span class='muted small'>({})</span>").format(
                    data(d.get("name")), kind_word
                )
            return data(d.get("name"))
        return Markup("{}").format(self.event_type(d.get("type")))

    def _place(self, d: dict[str, Any]) -> Markup:
        where = [country_name(d["country"], self.lang)] if d.get("country") else []
        if d.get("region"):
            where.insert(0, region_name(d["region"]))
        if not where:
            return data(d.get("name"))
        return Markup("{} <span class='muted small'>({})</span>").format(
            data(d.get("name")), ", ".join(where)
        )

    def _person(self, d: dict[str, Any]) -> Markup:
        extra = [data(v) for v in (d.get("role"), d.get("organization")) if v]
        if not extra:
            return data(d.get("name"))
        return Markup("{} <span class='muted small'>({})</span>").format(
            data(d.get("name")), Markup(", ").join(extra)
        )

    def title(self, view: dict[str, Any]) -> str:
        """Plain words for a tooltip: the kind and the normalised value."""
        text = re.sub(r"<[^>]+>", "", str(self.value(view)))
        if view["kind"] == "event" and view["data"].get("participants"):
            text += ": " + ", ".join(view["data"]["participants"])
        plain = Markup(text).unescape()
        label = f"{self.kind(view['kind'])}: {plain}"
        if view.get("status") == "proposed":
            label += f" ({self._t('news.status.proposed')})"
        return label


# --- highlighting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    view: dict[str, Any]


def spans_of(views: Iterable[dict[str, Any]], length: int) -> list[Span]:
    """The facts to highlight, in text order: inside the text, nested or apart (a span
    crossing one already kept, or repeating its exact place, is left out)."""
    candidates = sorted(
        (
            Span(v["start"], v["end"], v)
            for v in views
            if v.get("status") in MARKED_STATUSES
            and isinstance(v.get("start"), int)
            and isinstance(v.get("end"), int)
            and 0 <= v["start"] < v["end"] <= length
        ),
        key=lambda s: (s.start, -s.end, s.view["id"] or 0),
    )
    kept: list[Span] = []
    for span in candidates:
        clash = any(
            (k.start, k.end) == (span.start, span.end) or k.start < span.start < k.end < span.end
            for k in kept
        )
        if not clash:
            kept.append(span)
    return kept


def marked_text(
    text: str, views: Sequence[dict[str, Any]], words: FactWords, offset: int = 0
) -> Markup:
    """`text` (starting at `offset` in the article) with each fact in a `<mark>`: one colour
    per kind, the normalised value as its title, organisations linked to the registry."""
    shifted = [
        {**v, "start": v["start"] - offset, "end": v["end"] - offset}
        for v in views
        if isinstance(v.get("start"), int) and isinstance(v.get("end"), int)
    ]
    return _marked(text, 0, len(text), spans_of(shifted, len(text)), words, linked=False)


def _marked(
    text: str, low: int, high: int, spans: list[Span], words: FactWords, linked: bool
) -> Markup:
    parts: list[Markup] = []
    position, index = low, 0
    while index < len(spans):
        span = spans[index]
        inner_end = index + 1
        while inner_end < len(spans) and spans[inner_end].start < span.end:
            inner_end += 1
        parts.append(escape(text[position : span.start]))
        parts.append(_mark(text, span, spans[index + 1 : inner_end], words, linked))
        position, index = span.end, inner_end
    parts.append(escape(text[position:high]))
    return Markup("").join(parts)


def _mark(text: str, span: Span, inner: list[Span], words: FactWords, linked: bool) -> Markup:
    view = span.view
    registry_id = view["data"].get("registry_id") if view["kind"] == "organization" else None
    link = registry_id is not None and not linked
    body = _marked(text, span.start, span.end, inner, words, linked or link)
    if link:
        body = Markup('<a href="/organisations/{}">{}</a>').format(registry_id, body)
    return Markup(
        '<mark class="news-mark kind-{kind} status-{status}" data-fact="{id}" '
        'data-kind="{kind}" data-status="{status}" title="{title}">{body}</mark>'
    ).format(
        kind=view["kind"], status=view["status"], id=view["id"], title=words.title(view), body=body
    )


def sentence_offset(article_text: str, view: dict[str, Any]) -> int | None:
    """Where the fact's sentence starts in the article (the occurrence holding the fact)."""
    sentence, start, end = view.get("sentence"), view.get("start"), view.get("end")
    if not sentence or not isinstance(start, int) or not isinstance(end, int):
        return None
    found = article_text.find(sentence, max(0, end - len(sentence)))
    return found if 0 <= found <= start else None


def marked_sentence(
    view: dict[str, Any], words: FactWords, article_text: str | None = None
) -> Markup:
    """The fact's sentence with the fact highlighted (placed by offsets when the article's
    text is known, else at the first occurrence of the fact's words)."""
    sentence = view.get("sentence") or view["text"]
    offset = sentence_offset(article_text, view) if article_text else None
    if offset is None:
        found = sentence.find(view["text"])
        if found < 0:
            return escape(sentence)
        view, offset = {**view, "start": found, "end": found + len(view["text"])}, 0
    return marked_text(sentence, [view], words, offset)
