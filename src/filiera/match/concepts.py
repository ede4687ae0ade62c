"""A language-independent concept layer: taxonomy capabilities and glossary terms.

Every surface form (in en/it/fr/de) of a capability node or a glossary term is stemmed in
its own language; text in any of the four languages is then scanned for those phrases and
yields concept ids (`cap:munitions.ammunition`, `g:air defence`, `country:FI`). A query
in Italian and a project text in English meet on the concepts they share.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from filiera import yamlfile
from filiera.match.text import LANGUAGES, stem_words, stopwords, words
from filiera.registry import taxonomy, values

GLOSSARY = Path(__file__).parent / "data" / "glossary.yaml"
MAX_PHRASE = 4


@dataclass(frozen=True)
class Concept:
    id: str
    labels: dict[str, str]  # a display label per language


def _phrase(text: str, lang: str) -> tuple[str, ...]:
    stop = stopwords(lang)
    kept = [w for w in words(text) if w not in stop]
    return tuple(stem_words(kept, lang)) if kept else ()


@dataclass
class Lexicon:
    """phrase (stems) -> concept ids, per language; and the concepts by id."""

    phrases: dict[str, dict[tuple[str, ...], set[str]]]
    concepts: dict[str, Concept]

    def add(self, concept: Concept, forms: dict[str, list[str]]) -> None:
        self.concepts.setdefault(concept.id, concept)
        for lang, texts in forms.items():
            for text in texts:
                key = _phrase(text, lang)
                if key and len(key) <= MAX_PHRASE:
                    self.phrases[lang].setdefault(key, set()).add(concept.id)

    def find(self, stems: list[str], lang: str) -> dict[str, int]:
        """Concept id -> occurrences in a stemmed text; phrases of every length count, so
        `artillery ammunition` yields both that term and `ammunition`."""
        table = self.phrases[lang]
        found: dict[str, int] = {}
        for i in range(len(stems)):
            for size in range(1, min(MAX_PHRASE, len(stems) - i) + 1):
                for concept in table.get(tuple(stems[i : i + size]), ()):
                    found[concept] = found.get(concept, 0) + 1
        return found


def _glossary_entries() -> dict[str, dict[str, list[str]]]:
    if not GLOSSARY.exists():
        return {}
    data = yamlfile.base_load(GLOSSARY.read_text(encoding="utf-8")) or {}
    return {
        str(k): {lang: [str(x) for x in v.get(lang, [])] for lang in LANGUAGES}
        for k, v in data.items()
    }


@cache
def lexicon() -> Lexicon:
    """The lexicon of the capability taxonomy plus the glossary (built once)."""
    lex = Lexicon({lang: {} for lang in LANGUAGES}, {})
    for code, node in taxonomy.capabilities().items():
        forms = {
            lang: [node.labels.get(lang, ""), *node.keywords.get(lang, ())] for lang in LANGUAGES
        }
        lex.add(Concept(f"cap:{code}", dict(node.labels)), forms)
    for code, cert in taxonomy.certifications().items():
        spaced = "".join(
            f" {ch}" if ch.isdigit() and i and not code[i - 1].isdigit() else ch
            for i, ch in enumerate(code)
        )  # en9100 -> "en 9100"
        forms = {lang: [code, spaced, cert.labels.get(lang, "")] for lang in LANGUAGES}
        lex.add(Concept(f"cert:{code}", dict(cert.labels)), forms)
    for code, names in values.COUNTRY_NAMES.items():
        spelled = [n for n in names if not (len(n) == 3 and n.isupper())]  # not ALB, AUT
        lex.add(
            Concept(f"country:{code}", {lang: spelled[0] for lang in LANGUAGES}),
            {lang: spelled for lang in LANGUAGES},
        )
    for term, forms in _glossary_entries().items():
        labels = {lang: (forms[lang] or [term])[0] for lang in LANGUAGES}
        forms["en"] = [term, *forms.get("en", [])]
        lex.add(Concept(f"g:{term}", labels), forms)
    return lex


def capability_code(concept_id: str) -> str | None:
    return concept_id.removeprefix("cap:") if concept_id.startswith("cap:") else None
