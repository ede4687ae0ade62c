"""Organisations in news text: registry names and aliases, and new ones told by context.

Two ways to find one, both recorded in `found_by`:

- `registry`: a name or alias of a registry organisation (legal forms ignored, "Leonardo
  S.p.A." is "Leonardo"), longest match first; an acronym defined in the text ("Lombardia
  Aerospace Cluster (LAC)") then stands for the same organisation;
- `context`: what the words around say ("la società X", "the German company X", "X GmbH",
  "X, azienda leader ...", a capitalised name with "Cluster" or "Distretto" in it, or the
  other names in a list that holds an organisation: "Anduril, Mbda, McKinsey & Company").

Only capitalised spans count: organisation names are proper nouns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from filiera.news.found import Found
from filiera.news.lexicon import kinds_of, words_of
from filiera.news.people import FIRST_NAMES
from filiera.news.words import Word, name_key_words, words
from filiera.registry.names import CONNECTORS, legal_form, name_tokens, normalise_name
from filiera.registry.places import places_in

MAX_NAME_WORDS = 8

# Nouns that introduce an organisation ("la società X") -> the kind of organisation.
HEAD_NOUNS = kinds_of("head_nouns")
# Head nouns that mean something else in other languages.
LANGUAGE_OF_HEAD = {"firma": "de", "fonds": "de", "amt": "de", "gruppe": "de"}
# Capitalised words that make a capitalised phrase an organisation's name.
NAME_HEADS = kinds_of("name_heads")
# Lower-case words allowed inside a name ("Camera di Commercio", "Ministry of Defence").
NAME_JOINERS = words_of("name_joiners")
INSTITUTION_ADJECTIVES = words_of("institution_adjectives")
# Words that make a capitalised phrase an event, a document or a programme, not a body.
NOT_ORG_WORDS = words_of("not_org_words")
# Capitalised words that never start a name: articles, pronouns, sentence openers.
NOT_NAME_START = words_of("not_name_start")
_APPOSITIVE = re.compile(
    r"^\s*,\s*(?:(?:un|una|un'|uno|a|an|une|eine|ein|einem|einer|la|il|le|the|die|der|das)\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?P<head>[\w-]+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Entry:
    """A registry organisation as the gazetteer knows it."""

    registry_id: int | None
    name: str


@dataclass
class Gazetteer:
    """Registry names and aliases as word-key tuples -> the organisations they name."""

    names: dict[tuple[str, ...], list[Entry]] = field(default_factory=dict)
    longest: int = 1

    @classmethod
    def from_records(cls, records: Iterable[tuple[int | None, str, Sequence[str]]]) -> Gazetteer:
        """`records`: (registry id, name, aliases) of each organisation."""
        gazetteer = cls()
        for registry_id, name, aliases in records:
            entry = Entry(registry_id, name)
            for spelling in (name, *aliases):
                gazetteer.add(spelling, entry)
        return gazetteer

    def add(self, spelling: str, entry: Entry) -> None:
        variants = {normalise_name(spelling), normalise_name(re.sub(r"['’-]", " ", spelling))}
        for key in variants:
            tokens = tuple(key.split())
            if not tokens or (len(tokens) == 1 and len(tokens[0]) < 2):
                continue
            listed = self.names.setdefault(tokens, [])
            if entry not in listed:
                listed.append(entry)
            self.longest = max(self.longest, len(tokens))

    def lookup(self, tokens: tuple[str, ...]) -> list[Entry]:
        return self.names.get(tokens, [])


def find_organisations(text: str, lang: str, gazetteer: Gazetteer) -> list[Found]:
    """Every organisation mention in `text`, registry ones first, then context ones."""
    all_words = words(text)
    found = _registry_mentions(text, all_words, gazetteer)
    found = _merge(found, _context_mentions(text, all_words, lang, found))
    found = _merge(found, _acronym_mentions(text, all_words, found))
    found = _merge(found, _list_mentions(text, all_words, found))
    return sorted(found, key=lambda f: f.start)


# --- registry names ------------------------------------------------------------------------


def _registry_mentions(text: str, all_words: list[Word], gazetteer: Gazetteer) -> list[Found]:
    keyed = name_key_words(all_words)
    found: list[Found] = []
    i = 0
    while i < len(keyed):
        hit = _longest_hit(text, keyed, i, gazetteer)
        if hit is None:
            i += 1
            continue
        size, entries = hit
        start, end = keyed[i].start, _with_legal_form(text, keyed[i + size - 1].end)
        found.append(_org(text, start, end, entries, ["registry"]))
        i += size
    return found


def _longest_hit(
    text: str, keyed: list[Word], i: int, gazetteer: Gazetteer
) -> tuple[int, list[Entry]] | None:
    for size in range(min(gazetteer.longest, len(keyed) - i), 0, -1):
        span = keyed[i : i + size]
        if not _contiguous(text, span) or not span[0].capitalised:
            continue
        entries = gazetteer.lookup(tuple(w.key for w in span))
        if entries and _plausible(span, entries) and not _place_alias(text, span, entries):
            return size, entries
    return None


def _contiguous(text: str, span: list[Word]) -> bool:
    """Words of one name: separated by spaces, hyphens, apostrophes, '&' or lower-case
    joiners, never by punctuation that ends a phrase."""
    for left, right in zip(span, span[1:], strict=False):
        gap = text[left.end : right.start]
        if re.search(r"[,;:.!?()\[\]\"“”«»\n]", gap.replace("S.p.A.", "")):
            return False
        if len(gap) > 12:
            return False
    return True


def _plausible(span: list[Word], entries: list[Entry]) -> bool:
    """A one-word match must look like a name in the text: short keys ("SES", "LAC") only
    in capitals, and no all-lower-case word."""
    if len(span) > 1:
        return any(w.text[:1].isupper() for w in span)
    word = span[0]
    if len(word.key) <= 3:
        return word.text.isupper() or any(e.name.strip() == word.text for e in entries)
    return word.text[:1].isupper()


def _place_alias(text: str, span: list[Word], entries: list[Entry]) -> bool:
    """ "Lombardia" is the region, not the regional government whose alias it is: a span
    that is a place name and not the organisation's own name is a place."""
    spelled = normalise_name(text[span[0].start : span[-1].end])
    if any(normalise_name(e.name) == spelled for e in entries):
        return False
    return places_in(spelled) != {} and " ".join(places_in(spelled).values()) == spelled


_LEGAL_TAIL = re.compile(r"[\s,]*((?:[A-Za-zÀ-ÿ]{1,6}\.?\s?){1,4})")


def _with_legal_form(text: str, end: int) -> int:
    """Extend a name over a legal form that follows it ("Leonardo S.p.A.", "Hensoldt AG")."""
    tail = _LEGAL_TAIL.match(text, end)
    if not tail:
        return end
    pieces = re.finditer(r"[A-Za-zÀ-ÿ]{1,6}\.?", tail.group(1))
    best = end
    for piece in pieces:
        if piece.group().casefold().strip(".") in CONNECTORS:
            break
        candidate = text[end : tail.start(1) + piece.end()]
        if legal_form("X " + candidate) and name_tokens("X " + candidate) == ["x"]:
            best = tail.start(1) + piece.end()
    return best


def _org(
    text: str, start: int, end: int, entries: list[Entry], found_by: list[str], kind=None
) -> Found:
    ids = sorted({e.registry_id for e in entries if e.registry_id is not None})
    chosen = _most_likely(entries)
    return Found(
        "organization",
        start,
        end,
        text[start:end],
        {
            "name": chosen.name if chosen else text[start:end],
            "registry_id": chosen.registry_id if chosen else None,
            "candidates": ids,
            "found_by": found_by,
            "org_kind": kind,
        },
    )


def _most_likely(entries: list[Entry]) -> Entry | None:
    """The organisation a shared name most likely means: the one it names alone, else the one
    with the shortest full name ("Thales" is Thales S.A. rather than Thales Hellas ...);
    None when two are equally likely."""
    unique = {(e.registry_id, e.name) for e in entries}
    if len(unique) == 1:
        return entries[0]
    ranked = sorted(entries, key=lambda e: (len(e.name), e.name))
    if len(ranked[0].name) == len(ranked[1].name):
        return None
    return ranked[0]


# --- context -------------------------------------------------------------------------------


def _context_mentions(
    text: str, all_words: list[Word], lang: str, known: list[Found]
) -> list[Found]:
    found: list[Found] = []
    for i, word in enumerate(all_words):
        head = HEAD_NOUNS.get(_head_key(text, all_words, i))
        if LANGUAGE_OF_HEAD.get(word.text.casefold(), lang) != lang:
            head = None  # Italian "firma" is a signature, not a firm
        if head and (not word.text[:1].isupper() or lang == "de"):
            found.extend(_after_head(text, all_words, i, head, lang))
        if word.capitalised:
            found.extend(_phrase_with_head(text, all_words, i, found))
    found.extend(_institutions(text, all_words))
    found.extend(_before_appositive(text, all_words))
    found.extend(_before_legal_form(text, all_words))
    return [f for f in found if not _names_a_thing(f.text)]


def _head_key(text: str, all_words: list[Word], i: int) -> str:
    """The word as a head noun; "Start-up" and "scale-up" are one word."""
    word = all_words[i].text.casefold()
    if i + 1 < len(all_words) and text[all_words[i].end : all_words[i + 1].start] == "-":
        joined = word + all_words[i + 1].text.casefold()
        if joined in HEAD_NOUNS:
            return joined
    return word


def _names_a_thing(name: str) -> bool:
    """An event, a document or a programme ("Memorandum of Understanding")."""
    return any(w.casefold() in NOT_ORG_WORDS for w in re.findall(r"\w+", name))


def _name_run(text: str, all_words: list[Word], i: int) -> tuple[int, int] | None:
    """The capitalised name that starts at word i: (index of its first word, past its last)."""
    if i >= len(all_words) or not all_words[i].capitalised:
        return None
    if all_words[i].key in NOT_NAME_START or all_words[i].text.isdigit():
        return None
    head = HEAD_NOUNS.get(_head_key(text, all_words, i))
    if (
        head in ("company", "startup", "investor")
        and all_words[i].text.casefold() not in NAME_HEADS
    ):
        return None  # "Firma Quantum Systems": the name starts after the noun
    j = i + 1
    while j < len(all_words) and j - i < MAX_NAME_WORDS:
        gap = text[all_words[j - 1].end : all_words[j].start]
        if re.search(r"[,;:.!?()\[\]\"“”«»\n]", gap) or len(gap) > 3:
            break
        word = all_words[j]
        if (
            word.capitalised
            and word.key not in NOT_NAME_START
            or word.text.casefold() in NAME_JOINERS
            and _next_capitalised(all_words, j, text)
        ):
            j += 1
        else:
            break
    return i, j


def _next_capitalised(all_words: list[Word], j: int, text: str) -> bool:
    k = j + 1
    while k < len(all_words) and all_words[k].text.casefold() in NAME_JOINERS:
        k += 1
    if k >= len(all_words) or k - j > 2:
        return False
    gap = text[all_words[j].end : all_words[k].start]
    return all_words[k].capitalised and not re.search(r"[,;:.!?()\n]", gap)


def _may_start_name(word: Word, lang: str) -> bool:
    if not word.capitalised:
        return False
    # German capitalises nouns and place adjectives: "das Münchner Start-up Helsing"
    return lang != "de" or not word.text.endswith(("er", "sche", "schen", "ische"))


def _after_head(text: str, all_words: list[Word], i: int, kind: str, lang: str) -> list[Found]:
    """ "la società Roboze", "the German company Hensoldt", "das Start-up Helsing"."""
    j = i + 1
    if j < len(all_words) and text[all_words[i].end : all_words[j].start] == "-":
        j += 1  # "Start-up"
    # a nationality or quality adjective may sit between the noun and the name
    while j < len(all_words) and j <= i + 3 and not _may_start_name(all_words[j], lang):
        j += 1
    if j < len(all_words) and not text[all_words[i].end : all_words[j].start].strip(" '’"):
        pass
    run = _name_run(text, all_words, j)
    if run is None or j - i > 4:
        return []
    gap = text[all_words[i].end : all_words[run[0]].start]
    if re.search(r"[,;:.!?()\n]", gap):
        return []
    start, end = all_words[run[0]].start, _with_legal_form(text, all_words[run[1] - 1].end)
    return [_org(text, start, end, [Entry(None, text[start:end])], ["context"], kind)]


def _phrase_with_head(text: str, all_words: list[Word], i: int, found: list[Found]) -> list[Found]:
    """A capitalised name with an organisation noun in it: "Lombardia Aerospace Cluster"."""
    if i > 0 and _joined(text, all_words, i):
        return []  # not the start of the name
    run = _name_run(text, all_words, i)
    if run is None or run[1] - run[0] < 2:
        return []
    span = all_words[run[0] : run[1]]
    kinds = [NAME_HEADS[w.text.casefold()] for w in span if w.text.casefold() in NAME_HEADS]
    if any(w.text.casefold() in NOT_ORG_WORDS for w in span):
        return []
    if not kinds or all(w.text.casefold() in NAME_HEADS for w in span):
        return []
    start, end = span[0].start, _with_legal_form(text, span[-1].end)
    return [_org(text, start, end, [Entry(None, text[start:end])], ["context"], kinds[-1])]


def _institutions(text: str, all_words: list[Word]) -> list[Found]:
    """ "Parlamento europeo", "Comunità economica europea", "Commission européenne": a
    capitalised institution noun and the lower-case adjectives that end its name."""
    found = []
    for i, word in enumerate(all_words):
        kind = NAME_HEADS.get(word.text.casefold())
        if (
            kind != "public_body"
            or not word.text[:1].isupper()
            or (i and _joined(text, all_words, i))
        ):
            continue
        j = i + 1
        while j < len(all_words) and j - i <= 3 and _adjective_after(text, all_words, j):
            j += 1
        if j > i + 1:
            start, end = word.start, all_words[j - 1].end
            found.append(_org(text, start, end, [Entry(None, text[start:end])], ["context"], kind))
    return found


def _adjective_after(text: str, all_words: list[Word], j: int) -> bool:
    word = all_words[j]
    gap = text[all_words[j - 1].end : word.start]
    return gap == " " and word.text.islower() and word.text in INSTITUTION_ADJECTIVES


def _before_appositive(text: str, all_words: list[Word]) -> list[Found]:
    """ "Roboze, azienda leader nel settore ..." -> Roboze."""
    found = []
    for i in range(len(all_words)):
        run = _name_run(text, all_words, i)
        if run is None or (i > 0 and _joined(text, all_words, i)):
            continue
        match = _APPOSITIVE.match(text, all_words[run[1] - 1].end)
        if not match:
            continue
        kind = HEAD_NOUNS.get(match.group("head").casefold())
        if kind and not match.group("head")[:1].isupper():
            start, end = all_words[run[0]].start, all_words[run[1] - 1].end
            found.append(_org(text, start, end, [Entry(None, text[start:end])], ["context"], kind))
    return found


def _joined(text: str, all_words: list[Word], i: int) -> bool:
    """Word i continues a capitalised name that started before it."""
    gap = text[all_words[i - 1].end : all_words[i].start]
    return (
        all_words[i - 1].capitalised and gap == " " and all_words[i - 1].key not in NOT_NAME_START
    )


def _before_legal_form(text: str, all_words: list[Word]) -> list[Found]:
    """ "Nammo Raufoss AS", "Diehl Defence GmbH & Co. KG", "Avio S.p.A."."""
    found = []
    for i in range(len(all_words)):
        if i > 0 and _joined(text, all_words, i):
            continue
        run = _name_run(text, all_words, i)
        if run is None:
            continue
        for last in range(run[1] - 1, run[0], -1):
            end = all_words[last].end
            extended = _with_legal_form(text, all_words[last - 1].end)
            if extended >= end:
                start = all_words[run[0]].start
                entry = Entry(None, text[start:extended])
                found.append(_org(text, start, extended, [entry], ["context"], "company"))
                break
        else:
            end = _with_legal_form(text, all_words[run[1] - 1].end)
            if end > all_words[run[1] - 1].end:
                start = all_words[run[0]].start
                entry = Entry(None, text[start:end])
                found.append(_org(text, start, end, [entry], ["context"], "company"))
    return found


# --- acronyms and lists ----------------------------------------------------------------------


_ACRONYM = re.compile(r"\s*(?:\]\([^)]*\)\s*)?\((?P<acr>[A-Z][A-Za-z0-9&]{1,9})\)")


def _acronym_mentions(text: str, all_words: list[Word], known: list[Found]) -> list[Found]:
    """ "Lombardia Aerospace Cluster (LAC)": later "LAC" is that organisation."""
    defined: dict[str, Found] = {}
    by_start = {k.start: k for k in known}
    for org in known:
        after = _ACRONYM.match(text, org.end)
        if after:
            defined[after.group("acr")] = org
            acronym = by_start.get(after.start("acr"))
            if acronym is not None and org.data["registry_id"] is None:
                org.data.update(
                    registry_id=acronym.data["registry_id"],
                    candidates=acronym.data["candidates"],
                    name=acronym.data["name"],
                )
    found = []
    for word in all_words:
        org = defined.get(word.text)
        if org is not None and not (org.start <= word.start < org.end):
            found.append(Found("organization", word.start, word.end, word.text, {**org.data}))
    return found


def _list_mentions(text: str, all_words: list[Word], known: list[Found]) -> list[Found]:
    """Capitalised names listed with an organisation ("Anduril, Mbda, McKinsey & Company"):
    a list has three items or more, or an "and"; a comma alone may be an apposition."""
    found = []
    for org in known:
        items, gaps = [], []
        for direction in (1, -1):
            walked, walked_gaps = _walk_list(text, all_words, org, direction)
            items.extend(walked)
            gaps.extend(walked_gaps)
        is_list = len(gaps) >= 2 or any(g.strip(" ,") for g in gaps)
        if is_list:
            found.extend(
                _org(text, a, b, [Entry(None, text[a:b])], ["context"])
                for a, b in items
                if not any(k.start <= a < k.end for k in known) and not _person_like(text[a:b])
            )
    return found


_LIST_GAP = re.compile(r"^\s*(?:,|e|ed|and|und|et|sowie)\s*$|^\s*,\s*(?:e|and|und|et)\s+$")


def _person_like(name: str) -> bool:
    return name.split()[0].casefold() in FIRST_NAMES and len(name.split()) > 1


def _walk_list(
    text: str, all_words: list[Word], org: Found, direction: int
) -> tuple[list[tuple[int, int]], list[str]]:
    items, gaps, edge = [], [], (org.end if direction == 1 else org.start)
    for _ in range(6):
        item = _neighbour_name(text, all_words, edge, direction)
        if item is None:
            break
        start, end = item
        gaps.append(text[edge:start] if direction == 1 else text[end:edge])
        items.append(item)
        edge = end if direction == 1 else start
    return items, gaps


def _neighbour_name(
    text: str, all_words: list[Word], edge: int, direction: int
) -> tuple[int, int] | None:
    """The capitalised name next to `edge` across a list separator, as (start, end)."""
    if direction == 1:
        nxt = next((i for i, w in enumerate(all_words) if w.start >= edge), None)
        if nxt is None or not _LIST_GAP.match(text[edge : all_words[nxt].start]):
            return None
        run = _name_run(text, all_words, nxt)
        if run is None:
            return None
        return all_words[run[0]].start, _with_legal_form(text, all_words[run[1] - 1].end)
    prev = next((i for i in range(len(all_words) - 1, -1, -1) if all_words[i].end <= edge), None)
    if prev is None or not _LIST_GAP.match(text[all_words[prev].end : edge]):
        return None
    first = prev
    while first > 0 and _joined(text, all_words, first):
        first -= 1
    run = _name_run(text, all_words, first)
    if run is None or run[1] - 1 != prev:
        return None
    return all_words[run[0]].start, all_words[prev].end


def _merge(found: list[Found], more: list[Found]) -> list[Found]:
    """Add mentions that do not overlap those already found (earlier ones win)."""
    kept = list(found)
    for mention in sorted(more, key=lambda f: (f.start, -(f.end - f.start))):
        if not any(mention.start < k.end and k.start < mention.end for k in kept):
            kept.append(mention)
    return kept
