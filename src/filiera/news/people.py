"""People in news text, with their role and organisation (it, en, fr, de).

A person is a capitalised name of two to four words next to a role ("André Wilmes,
Presidente di LuxDefence", "il segretario generale della Nato, Mark Rutte", "Airbus CEO
Guillaume Faury", "der Gründer Max Mustermann"), a name in the registry, or a name that
starts with a common first name. Later mentions by surname ("Rutte ha spiegato") are the
same person. The role's organisation is the organisation named right after the role ("di
LuxDefence"), right before it ("Airbus CEO"), or, for "il suo fondatore" / "its founder",
the organisation last named before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from filiera.news.found import Found
from filiera.news.lexicon import kinds_of, words_of

ROLES: dict[str, str] = {
    # role words (lower case, regex) -> normalised role
    r"vice[- ]?presidente|vice[- ]?president|vice[- ]?président|vizepräsident(?:in)?": (
        "vice president"
    ),
    r"president[ea]?|président(?:e)?|präsident(?:in)?|presidentessa": "president",
    r"amministrat(?:ore|rice) delegat[oa]|chief executive(?: officer)?|ceo|directeur général|"
    r"directrice générale|pdg|vorstandsvorsitzende[rn]?|vorstandschef(?:in)?|"
    r"geschäftsführer(?:in)?": "chief executive",
    r"co-?fondat(?:ore|rice)|co-?founder|co-?fondat(?:eur|rice)|mitgründer(?:in)?": "co-founder",
    r"fondat(?:ore|rice)|founder|fondat(?:eur|rice)|gründer(?:in)?": "founder",
    r"segretari[oa] generale|secretary[- ]general|secrétaire général(?:e)?|"
    r"generalsekretär(?:in)?": "secretary general",
    r"direttor[ei] generale|direttore|direttrice|director|directeur|directrice|direktor(?:in)?|"
    r"managing director|head|dirigeante?|responsabile tecnic[oa]|technical director": "director",
    r"chairman|chairwoman|chair|presidente del consiglio di amministrazione|"
    r"aufsichtsratsvorsitzende[rn]?": "chair",
    r"ministr[oa](?: della difesa| degli esteri| delle imprese)?|minister(?:in)?|ministre": (
        "minister"
    ),
    r"chief (?:technology|financial|operating|operations|commercial) officer|cto|cfo|coo": (
        "officer"
    ),
    r"portavoce|spokes(?:person|man|woman)|porte-parole|sprecher(?:in)?": "spokesperson",
    r"responsabile|capo|manager|leiter(?:in)?|responsable": "manager",
    r"partner|socio|managing partner|associé": "partner",
    r"premier|prime minister|première ministre|premierminister(?:in)?|cancelliere|"
    r"chancellor|bundeskanzler(?:in)?|chancelier": "head of government",
}
_ROLE = "(?:" + "|".join(ROLES) + ")"
_ROLE_RE = re.compile(rf"\b(?P<role>{_ROLE})\b", re.IGNORECASE)
_PARTICLE = r"(?:de|di|da|del|della|van|von|der|den|le|la|du|dos|das|ter|zu|mc|el|al)"
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿA-ZÀ-ÖØ-Þ'’-]+"
_NAME = rf"{_CAP}(?:[ \t]+(?:{_PARTICLE}[ \t]+)?{_CAP}){{1,3}}"
_NAME_RE = re.compile(rf"\b{_NAME}\b")
_OF = r"(?:\s+(?:di|del|della|dello|dell'|dei|degli|delle|of|of the|de|du|de la|des|d'|der|des|"
_OF += r"von|vom|at|at the|presso|al|alla|chez|bei|beim)\s*|\s+)"
_OF_PHRASE = re.compile(
    r"^\s*(?:dell['’]|della|dello|delle|degli|dei|del|di|of|of the|de|du|de la|des|d['’]|der|"
    r"von|vom)\s*(?P<org>[^,;:]{2,60}?)\s*,?\s*$",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(
    r"\b(?:il suo|la sua|suo|sua|its|their|his|her|son|sa|leur|sein|seine|ihr|ihre)\s*$",
    re.IGNORECASE,
)

FIRST_NAMES = words_of("first_names")
NOT_NAMES = words_of("not_names")
_ORG_WORDS = frozenset(kinds_of("name_heads")) | frozenset(kinds_of("head_nouns"))


def find_people(
    text: str, lang: str, orgs: list[Found], known_people: Iterable[str] = ()
) -> list[Found]:
    """Every mention of a person in `text`, given the organisation mentions in it."""
    taken = [(o.start, o.end) for o in orgs]
    known = {n.casefold() for n in known_people}
    people: dict[str, Found] = {}
    found: list[Found] = []
    for options in _candidate_names(text, taken):
        mention = _first_person(text, options, orgs, known)
        if mention is not None:
            found.append(mention)
            people.setdefault(mention.data["name"], mention)
    found.extend(_surname_with_organisation(text, orgs, taken + [(f.start, f.end) for f in found]))
    for mention in found:
        people.setdefault(mention.data["name"], mention)
    found.extend(_surname_mentions(text, people, taken + [(f.start, f.end) for f in found]))
    return sorted(_fill_roles(found), key=lambda f: f.start)


def _first_person(
    text: str, options: list[tuple[int, int]], orgs: list[Found], known: set[str]
) -> Found | None:
    """The longest of a capitalised run's endings ("L'analisi di Roberto Arditti" ->
    "Roberto Arditti") that is a person: next to a role, known, or with a first name."""
    for start, end in sorted(options, key=lambda o: not _starts_with_first_name(text, o)):
        name = text[start:end]
        if any(w.casefold() in _ORG_WORDS for w in name.split()):
            continue
        role = _role_near(text, start, end, orgs)
        if role is None and not _looks_like_person(name, known):
            continue
        data = {
            "name": name,
            "role": None,
            "role_key": None,
            "organization": None,
            "organization_id": None,
        }
        data.update(role or {})
        return Found("person", start, end, name, data)
    return None


def _starts_with_first_name(text: str, span: tuple[int, int]) -> bool:
    return text[span[0] : span[1]].split()[0].casefold() in FIRST_NAMES


def _candidate_names(text: str, taken: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Capitalised runs that may be a name, each as its possible spans, longest first,
    without a leading article, role or particle."""
    runs = []
    for match in _NAME_RE.finditer(text):
        pieces = [(m.start(), m.end()) for m in re.finditer(r"\S+", match.group())]
        pieces = [(match.start() + a, match.start() + b) for a, b in pieces]
        while pieces and _not_name_word(text[slice(*pieces[-1])], first=False):
            pieces = pieces[:-1]
        options = []
        for first in range(len(pieces) - 1):
            if _not_name_word(text[slice(*pieces[first])], first=True):
                continue
            start, end = pieces[first][0], pieces[-1][1]
            if not any(s < end and start < e for s, e in taken):
                options.append((start, end))
        if options:
            runs.append(options)
    return runs


_SURNAME_ORG = re.compile(r"\b(?P<name>[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’-]{2,})\s*\((?=[^)]{2,60}\))")


def _surname_with_organisation(
    text: str, orgs: list[Found], taken: list[tuple[int, int]]
) -> list[Found]:
    """ "spiega Milani (UniBo)": a surname with its organisation in brackets."""
    found = []
    for match in _SURNAME_ORG.finditer(text):
        start, end = match.span("name")
        org = next((o for o in orgs if o.start == match.end()), None)
        if org is None or any(s < end and start < e for s, e in taken):
            continue
        if match.group("name").casefold() in NOT_NAMES | _ROLE_WORDS:
            continue
        data = {"name": match.group("name"), **_role("", org), "role": None, "role_key": None}
        found.append(Found("person", start, end, match.group("name"), data))
    return found


def _not_name_word(word: str, first: bool) -> bool:
    folded = word.casefold()
    if folded in NOT_NAMES or folded in _ROLE_WORDS:
        return True
    return (first or not word[:1].isupper()) and re.fullmatch(_PARTICLE, folded) is not None


_ROLE_WORDS = frozenset(
    w for pattern in ROLES for w in re.findall(r"[a-zà-ÿ]+", pattern) if len(w) > 3
)


def _looks_like_person(name: str, known: set[str]) -> bool:
    return name.casefold() in known or name.split()[0].casefold() in FIRST_NAMES


def _role_near(text: str, start: int, end: int, orgs: list[Found]) -> dict | None:
    """The role written next to the name at text[start:end], with its organisation."""
    return (
        _role_after(text, end, orgs)
        or _role_before(text, start, orgs)
        or _led_by(text, start, orgs)
    )


def _role_after(text: str, end: int, orgs: list[Found]) -> dict | None:
    """ "Giulia Ferraris, amministratrice delegata di Secondo Mona"."""
    after = re.match(
        rf"\s*[,(–-]\s*(?:(?:il|la|the|le|der|die)\s+)?(?P<role>{_ROLE})\b",
        text[end:],
        re.IGNORECASE,
    )
    if not after:
        return None
    role_end = end + after.end()
    org = _org_after(text, role_end, orgs)
    found = _role(after.group("role"), org)
    if org is None:
        named = _NAMED_AFTER.match(text, role_end)
        if named:
            found["organization_text"] = named.group("org")
            found["organization_span"] = list(named.span("org"))
    return found


def _role_before(text: str, start: int, orgs: list[Found]) -> dict | None:
    """ "il segretario generale della Nato, Mark Rutte", "Airbus CEO Guillaume Faury"."""
    before = _last_role(text[max(0, start - 120) : start])
    if not before:
        return None
    base = max(0, start - 120)
    role_start, role_end = base + before.start("role"), base + before.end("role")
    org = _org_between(orgs, role_end, start) or _org_just_before(text, orgs, role_start)
    if org is None and _POSSESSIVE.search(text[max(0, role_start - 12) : role_start]):
        org = _last_org_before(orgs, role_start)
    rest = before.group("rest")
    if org is None and rest.strip(" ,") and not _OF_PHRASE.match(rest):
        return None  # other words between role and name: not this name's role
    found = _role(before.group("role"), org)
    if org is None and rest.strip(" ,"):
        found["organization_text"] = _OF_PHRASE.match(rest).group("org").strip()
    return found


def _led_by(text: str, start: int, orgs: list[Found]) -> dict | None:
    """ "L'association, présidée par Sophie Lecoeur": the chair of the subject before."""
    match = _LED_BY.search(text[max(0, start - 40) : start])
    if not match:
        return None
    org = _last_org_before(orgs, start)
    role = _role(match.group("verb"), org)
    role["role_key"] = (
        "president" if match.group("verb")[:4].lower() in ("pres", "prés", "chai") else "director"
    )
    return role


_NAMED_AFTER = re.compile(
    r"\s+(?:di|del|della|dell['’]|of|of the|at|de|du|de la|d['’]|bei|von|der|des)\s*"
    r"(?P<org>[A-ZÀ-Þ][\w&'’-]*(?:[ ](?:[A-ZÀ-Þ0-9][\w&'’-]*))*)"
)
_LED_BY = re.compile(
    r"\b(?P<verb>presieduta da|presieduto da|présidée par|présidé par|chaired by|"
    r"geleitet von|guidata da|guidato da|dirigée par|dirigé par|led by)\s*$",
    re.IGNORECASE,
)


_ROLE_BEFORE = re.compile(rf"\b(?P<role>{_ROLE})\b(?P<rest>[^.;:!?\n]{{0,80}}?)[\s,]*$", re.I)


def _last_role(window: str) -> re.Match | None:
    """The role word nearest before a name, with the words between them."""
    starts = [m.start() for m in re.finditer(rf"\b(?:{_ROLE})\b", window, re.IGNORECASE)]
    for position in reversed(starts):
        match = _ROLE_BEFORE.match(window, position)
        if match:
            return match
    return None


def _role(word: str, org: Found | None) -> dict:
    key = next((v for k, v in ROLES.items() if re.fullmatch(k, word, re.IGNORECASE)), None)
    return {
        "role": word,
        "role_key": key,
        "organization": org.data["name"] if org else None,
        "organization_id": org.data.get("registry_id") if org else None,
        "organization_text": org.text if org else None,
    }


def _org_after(text: str, position: int, orgs: list[Found]) -> Found | None:
    for org in orgs:
        if org.start >= position and re.fullmatch(_OF, text[position : org.start] or " "):
            return org
        if org.start >= position and not text[position : org.start].strip():
            return org
    return None


def _org_between(orgs: list[Found], start: int, end: int) -> Found | None:
    inside = [o for o in orgs if start <= o.start and o.end <= end]
    return inside[-1] if inside else None


def _org_just_before(text: str, orgs: list[Found], position: int) -> Found | None:
    """ "Airbus CEO Guillaume Faury", "Airbus' CEO"."""
    for org in orgs:
        if org.end <= position and re.fullmatch(r"\s*(?:'s|’s|')?\s*", text[org.end : position]):
            return org
    return None


def _last_org_before(orgs: list[Found], position: int) -> Found | None:
    before = [o for o in orgs if o.end <= position and position - o.end < 600]
    return before[-1] if before else None


def _surname_mentions(
    text: str, people: dict[str, Found], taken: list[tuple[int, int]]
) -> list[Found]:
    found = []
    for name, first in people.items():
        surname = name.split()[-1]
        if len(surname) < 3:
            continue
        for match in re.finditer(rf"\b{re.escape(surname)}\b", text):
            if match.start() < first.start or any(s <= match.start() < e for s, e in taken):
                continue
            found.append(Found("person", match.start(), match.end(), surname, {**first.data}))
    return found


def _fill_roles(found: list[Found]) -> list[Found]:
    """A person's role stated once holds for their other mentions."""
    roles: dict[str, dict] = {}
    for f in found:
        if f.data.get("role") and f.data["name"] not in roles:
            roles[f.data["name"]] = {k: f.data[k] for k in _ROLE_FIELDS if k in f.data}
    return [
        f
        if f.data.get("role") or f.data["name"] not in roles
        else Found(f.kind, f.start, f.end, f.text, {**f.data, **roles[f.data["name"]]})
        for f in found
    ]


_ROLE_FIELDS = ("role", "role_key", "organization", "organization_id", "organization_text")
