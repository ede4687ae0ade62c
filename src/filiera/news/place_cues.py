"""Towns no gazetteer knows, told by the words around them: "a new plant in Schwarzheide",
"il sito storico di Vestone", "l'usine de Salbris", "at its Lincoln site",
"Bristol-based"."""

from __future__ import annotations

import re

from filiera.news.found import Found
from filiera.news.lexicon import words_of

FACILITIES = (
    r"site|plant|factory|facility|works|line|headquarters|base|campus|shipyard|"
    r"stabilimento|sito|sede|fabbrica|impianto|linea|polo|cantiere|"
    r"usine|ligne|siège|établissement|chantier|"
    r"werk|standort|fertigung|fabrik|anlage|produktion|sitz|linie|werft"
)
_NAME = r"(?-i:(?P<name>[A-ZÀ-Þ][\w'’-]+(?:[ ][A-ZÀ-Þ][\w'’-]+)?))"
_AFTER_FACILITY = re.compile(
    rf"\b(?:{FACILITIES})\b(?:[ ][a-zà-ÿ]+){{0,2}}?[ ](?:in|at|near|a|ad|di|de|d['’]|à|en|"
    rf"bei|nahe)[ ]?{_NAME}",
    re.IGNORECASE,
)
_BEFORE_FACILITY = re.compile(
    rf"\b(?:at|in)[ ](?:its|their|the)[ ]{_NAME}[ ](?:{FACILITIES})\b", re.IGNORECASE
)
_BASED = re.compile(rf"{_NAME}-(?:based|basierte[nrs]?|headquartered)\b")
NOT_PLACES = words_of("not_name_start") | words_of("first_names")


def find_place_cues(text: str) -> list[Found]:
    """Capitalised names that the words around make places (country unknown)."""
    found = []
    for pattern in (_AFTER_FACILITY, _BEFORE_FACILITY, _BASED):
        for match in pattern.finditer(text):
            start, end = match.span("name")
            name = match.group("name")
            if not name[:1].isupper() or name.split()[0].casefold() in NOT_PLACES:
                continue
            found.append(
                Found(
                    "place",
                    start,
                    end,
                    name,
                    {"name": name, "country": None, "region": None, "found_by": ["context"]},
                )
            )
    return found
