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
from functools import lru_cache

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
GERMAN_NOUN_SUFFIXES = tuple(words_of("german_noun_suffixes"))
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
    first_words: set[str] = field(default_factory=set)
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
            self.first_words.add(tokens[0])
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
    context = _context_mentions(text, all_words, lang, found)
    found = _longer_names_win(found, context)
    found = _merge(found, context)
    found = _merge(found, _acronym_mentions(text, all_words, found))
    found = _merge(found, _list_mentions(text, all_words, found))
    found = _merge(found, _short_forms(all_words, found))
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
    if keyed[i].key not in gazetteer.first_words or not keyed[i].capitalised:
        return None
    for size in range(min(gazetteer.longest, len(keyed) - i), 0, -1):
        span = keyed[i : i + size]
        entries = gazetteer.lookup(tuple(w.key for w in span))
        if not entries or not _contiguous(text, span):
            continue
        if _plausible(span, entries) and not _place_alias(text, span, entries):
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
        word = piece.group()
        if word.casefold().strip(".") in CONNECTORS:
            break
        if word.islower() and "." not in word and word not in LOWER_CASE_FORMS:
            break  # "Le Bourget, où": an ordinary word, not Estonian "OÜ"
        candidate = text[end : tail.start(1) + piece.end()]
        if _is_legal_form(candidate):
            best = tail.start(1) + piece.end()
    return best


LOWER_CASE_FORMS = frozenset({"mbh", "gmbh", "srl", "spa", "sas", "sarl", "asbl", "ltd", "plc"})


@lru_cache(maxsize=4096)
def _is_legal_form(words: str) -> bool:
    """ "S.p.A.", "GmbH & Co. KG": the words are a legal form and nothing else."""
    return bool(legal_form("X " + words)) and name_tokens("X " + words) == ["x"]


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
        head = HEAD_NOUNS.get(_head_key(text, all_words, i)) or (
            _head_kind(word.text, HEAD_NOUNS, lang) if lang == "de" else None
        )
        if LANGUAGE_OF_HEAD.get(word.text.casefold(), lang) != lang:
            head = None  # Italian "firma" is a signature, not a firm
        if head and (not word.text[:1].isupper() or lang == "de"):
            found.extend(_after_head(text, all_words, i, head, lang))
        if word.capitalised:
            found.extend(_phrase_with_head(text, all_words, i, lang))
    found.extend(_institutions(text, all_words))
    found.extend(_based_in(text, all_words))
    found.extend(_before_appositive(text, all_words))
    found.extend(_before_legal_form(text, all_words))
    return [f for f in found if not _names_a_thing(f.text)]


def _head_kind(word: str, table: dict[str, str], lang: str) -> str | None:
    """The kind a head word gives; German compounds count by their last part
    ("Rüstungskonzern", "Bundesagentur", "Wehrtechnik")."""
    folded = word.casefold()
    if folded in table:
        return table[folded]
    if lang == "de" and word[:1].isupper() and len(folded) > 6:
        for head, kind in table.items():
            if len(head) >= 4 and folded.endswith(head):
                return kind
    return None


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


def _name_run(
    text: str, all_words: list[Word], i: int, lang: str | None = None
) -> tuple[int, int] | None:
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
        if re.search(r"[,;:.!?()\[\]\"“”„«»‹›\n]", gap) or len(gap) > 3:
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
    # German capitalises nouns and place adjectives: "das Münchner Start-up Helsing",
    # "das Bundesamt für Ausrüstung"
    if lang != "de":
        return True
    return not word.text.endswith(("er", "sche", "schen", "ische")) and not _common_german_noun(
        word.text
    )


def _after_head(text: str, all_words: list[Word], i: int, kind: str, lang: str) -> list[Found]:
    """ "la società Roboze", "the German company Hensoldt", "das Start-up Helsing", "der
    Verband „NordSpace Allianz“", "le ministère des Armées"."""
    j = i + 1
    if j < len(all_words) and text[all_words[i].end : all_words[j].start] == "-":
        j += 1  # "Start-up"
    quoted = _QUOTED.match(text, all_words[j - 1].end)
    if quoted:
        start, end = quoted.span("name")
        return [_org(text, start, end, [Entry(None, text[start:end])], ["context"], kind)]
    # a nationality or quality adjective may sit between the noun and the name
    while j < len(all_words) and j <= i + 3 and not _may_start_name(all_words[j], lang):
        joiner = all_words[j].text.casefold() in NAME_JOINERS
        if (joiner and kind != "public_body") or (
            all_words[j].key in NOT_NAME_START and not joiner
        ):
            return []  # "das Werk in Schwarzheide": a preposition, not an adjective
        j += 1
    run = _name_run(text, all_words, j, lang)
    if run is None or j - i > 4:
        return []
    gap = text[all_words[i].end : all_words[run[0]].start]
    if re.search(r"[,;:.!?()\n]", gap):
        return []
    start, end = all_words[run[0]].start, _with_legal_form(text, all_words[run[1] - 1].end)
    if kind == "public_body" and gap.strip().casefold() in NAME_JOINERS | {"des", "de la"}:
        start = all_words[i].start  # the noun is part of the name: "ministère des Armées"
    return [_org(text, start, end, [Entry(None, text[start:end])], ["context"], kind)]


_QUOTED = re.compile(r"\s*[„“\"«‹]\s*(?P<name>[^„“”\"«»‹›\n]{2,60}?)\s*[“”\"»›]")
_BASED = re.compile(r"\b[A-ZÀ-Þ][\w]+-(?:based|basierte[nrs]?|headquartered)\s+", re.UNICODE)


def _based_in(text: str, all_words: list[Word]) -> list[Found]:
    """ "Bristol-based Skyloom Robotics": the name after a place-based adjective."""
    found = []
    starts = {w.start: i for i, w in enumerate(all_words)}
    for match in _BASED.finditer(text):
        i = starts.get(match.end())
        run = _name_run(text, all_words, i) if i is not None else None
        if run:
            start, end = all_words[run[0]].start, _with_legal_form(text, all_words[run[1] - 1].end)
            found.append(_org(text, start, end, [Entry(None, text[start:end])], ["context"]))
    return found


def _phrase_with_head(text: str, all_words: list[Word], i: int, lang: str) -> list[Found]:
    """A capitalised name with an organisation noun in it: "Lombardia Aerospace Cluster"."""
    if i > 0 and _joined(text, all_words, i):
        return []  # not the start of the name
    if lang == "de" and _common_german_noun(all_words[i].text):
        return []  # "Förderung der Bundesagentur …": the name starts later
    run = _name_run(text, all_words, i, lang)
    if run is None or run[1] - run[0] < 2:
        return []
    span = all_words[run[0] : run[1]]
    if any(w.text.casefold() in NOT_ORG_WORDS for w in span):
        return []
    kinds = [k for w in span if (k := _head_kind(w.text, NAME_HEADS, lang))]
    if not kinds or all(_head_kind(w.text, NAME_HEADS, lang) for w in span):
        return []
    start, end = span[0].start, _with_legal_form(text, span[-1].end)
    return [_org(text, start, end, [Entry(None, text[start:end])], ["context"], kinds[-1])]


def _common_german_noun(word: str) -> bool:
    return word.casefold().endswith(GERMAN_NOUN_SUFFIXES)


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


def _short_forms(all_words: list[Word], known: list[Found]) -> list[Found]:
    """ "Ardent Munitions … Ardent inaugurated a plant": a name's distinctive first word
    stands for it after its first mention."""
    forms: dict[str, Found] = {}
    for org in sorted(known, key=lambda f: f.start):
        first = org.text.split()[0]
        if len(org.text.split()) > 1 and _distinctive(first) and first not in forms:
            forms[first] = org
    found = []
    for word in all_words:
        org = forms.get(word.text)
        if org is not None and word.start >= org.end:
            found.append(Found("organization", word.start, word.end, word.text, {**org.data}))
    return found


def _distinctive(word: str) -> bool:
    folded = word.casefold()
    return (
        len(word) >= 4
        and word[:1].isupper()
        and folded not in NAME_HEADS
        and folded not in HEAD_NOUNS
        and folded not in NOT_NAME_START
        and folded not in FIRST_NAMES
        and not places_in(normalise_name(word))
    )


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


_LIST_GAP = re.compile(
    r"^\s*(?:,\s*(?:(?:e|ed|and|und|et|sowie)\s+)?|(?:e|ed|and|und|et|sowie)\s+)"
    r"(?:(?:il|la|lo|l['’]|the|die|der|das|le|les)\s*)?$"
)


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


def _longer_names_win(registry: list[Found], context: list[Found]) -> list[Found]:
    """ "NATO Innovation Fund" is not NATO: a name with an organisation noun of its own
    replaces the registry names inside it."""
    wider = [c for c in context if c.data.get("org_kind") and len(c.text.split()) > 1]
    return [
        r
        for r in registry
        if not any(
            c.start <= r.start
            and r.end <= c.end
            and c.end - c.start > r.end - r.start
            and not _is_legal_form(text_after(c, r))
            for c in wider
        )
    ]


def text_after(outer: Found, inner: Found) -> str:
    """The words of `outer` after `inner` ("S.p.A." in "Leonardo S.p.A.")."""
    return outer.text[inner.end - outer.start :].strip() or "-"


def _merge(found: list[Found], more: list[Found]) -> list[Found]:
    """Add mentions that do not overlap those already found (earlier ones win)."""
    kept = list(found)
    for mention in sorted(more, key=lambda f: (f.start, -(f.end - f.start))):
        if not any(mention.start < k.end and k.start < mention.end for k in kept):
            kept.append(mention)
    return kept
