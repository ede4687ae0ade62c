"""Print the candidate English terms for the matchmaking glossary, with their counts.

Reads the 250 EDF project records (`edf/projects.json`: `title`, `objective`, `keywords`;
duplicated `project_id`s counted once) and prints three ranked lists:

1. content words: lower-cased tokens of letters (hyphens and internal digits kept, e.g.
   "counter-drone", "3d"), minus stop-words, pure numbers, tokens under 3 letters
   (except a few acronyms) and generic EU-project words ("project", "consortium", ...);
   a plural is counted under its singular when the singular also occurs in the corpus;
2. two-word phrases: pairs of adjacent content words inside one clause (stop-words and
   punctuation break a phrase), same plural folding on the second word;
3. whole keyword entries: the project `keywords` split on ";" and "," (some records hold
   one string with all keywords, some hold a stringified Python list).

Counts are document frequencies (number of projects using the term), which favours the
vocabulary shared across projects over one project's repeated acronym. The glossary
(`src/filiera/match/data/glossary.yaml`) was written by hand from the top of these lists
plus general defence-industry vocabulary.
Run: `python benchmarks/build_glossary_terms.py [--top N]` (reads FILIERA_SHARED_DATA or
../shared/data). `--check` validates the glossary instead (structure, duplicate keys, counts
per language, entries that add nothing over English, forms shared by several entries);
`--stems` lists the collisions left by the matcher's tokeniser, stop-words and stemmers.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "src" / "filiera" / "match" / "data" / "glossary.yaml"
LANGS = ("en", "it", "fr", "de")

_STOP_WORDS = """
a about above across after again against all almost along already also although always am
among an and any are around as at be became because become been before being below between
both but by can cannot could did do does doing done down during each either else enough
etc even ever every few for from further had has have having he her here hers him his how
however i if in into is it its itself just least less like made make makes many may might
more most much must my neither no nor not now of off often on once one only or other
others otherwise our out over own per rather same several shall she should since so some
such than that the their them then there these they this those though through thus to too
toward towards two under until up upon us use used uses using very via was we well were
what when where whether which while who whom whose why will with within without would yet
you your three four five six seven eight nine ten first second third new different based
well-known able order way ways key main major high highly level levels wide wider
including include includes included
"""
STOP = set(_STOP_WORDS.split())

_GENERIC_WORDS = """
project projects consortium activities activity objective objectives european europe eu
partners partner aim aims aiming aimed proposal proposed propose work works task tasks
phase phases result results expected overall specific specifically call topic action
actions programme program also will year years month months member states state edf fund
funding participants participant countries country union part parts current currently
future focus focused focuses within end users user provide provides providing developed
develop develops developing development addition additional approach approaches need needs
needed well relevant ensure ensures ensuring enable enables enabling allow allows allowing
support supports supported supporting increase increased increasing improve improved
improving address addressed addressing related various existing towards beyond first next
identify identified define defined defining perform performed performing demonstrate
demonstrated demonstrating demonstration assess assessed assessing concept concepts study
studies solution solutions technologies technology technological capability capabilities
system systems field fields area areas means type types
"""
GENERIC = set(_GENERIC_WORDS.split())

SHORT_OK = {"ai", "ew", "c2", "3d", "uv", "ir", "rf"}

TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
CLAUSE = re.compile(r"[.;:,!?()\[\]\"/\n]+")


def data_dir() -> Path:
    """The shared data folder (FILIERA_SHARED_DATA or ../shared/data)."""
    env = os.environ.get("FILIERA_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def keyword_entries(raw) -> list[str]:
    """Split a project's keywords (list, stringified list or ';' string) into entries."""
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        text = str(item).strip()
        if text.startswith("["):
            try:
                out.extend(keyword_entries(ast.literal_eval(text)))
                continue
            except (ValueError, SyntaxError):
                text = text.strip("[]")
        out.extend(p.strip(" .'\"\n") for p in re.split(r"[;,]", text))
    entries = [" ".join(p.lower().split()) for p in out if p.strip(" .'\"\n")]
    return [e for e in entries if e not in {"n/a", "na", "none", "-"}]


def projects() -> list[dict]:
    """The EDF projects, one record per project_id."""
    records = json.loads((data_dir() / "edf" / "projects.json").read_text(encoding="utf-8"))
    seen: dict[str, dict] = {}
    for record in records:
        seen.setdefault(record["project_id"], record)
    return list(seen.values())


def is_content(token: str) -> bool:
    """True for a word worth translating."""
    if token in STOP or token in GENERIC or token.isdigit():
        return False
    if re.fullmatch(r"[0-9'-]+", token):
        return False
    letters = sum(c.isalpha() for c in token)
    return letters >= 3 or token in SHORT_OK


def clauses(text: str) -> list[list[str | None]]:
    """Clauses of lower-cased tokens; non-content tokens become None (phrase breaks)."""
    out = []
    for clause in CLAUSE.split(text.lower()):
        tokens = [t.strip("'-") for t in TOKEN.findall(clause)]
        out.append([t if t and is_content(t) else None for t in tokens])
    return out


def singular_map(vocabulary: set[str]) -> dict[str, str]:
    """Plural -> singular, only where the singular form also occurs."""
    mapping = {}
    for word in vocabulary:
        for suffix, repl in (("ies", "y"), ("ses", "s"), ("es", ""), ("s", "")):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                stem = word[: -len(suffix)] + repl
                if stem in vocabulary and not word.endswith("ss"):
                    mapping[word] = stem
                    break
    return mapping


def count_terms(records: list[dict]) -> tuple[Counter, Counter, Counter]:
    """Document frequencies of words, two-word phrases and keyword entries."""
    docs = []
    for r in records:
        text = "\n".join([r.get("title") or "", r.get("objective") or ""])
        entries = keyword_entries(r.get("keywords") or [])
        docs.append((clauses(text + "\n" + "\n".join(entries)), entries))
    vocabulary = {t for cls, _ in docs for c in cls for t in c if t}
    sing = singular_map(vocabulary)
    words, pairs, keywords = Counter(), Counter(), Counter()
    for cls, entries in docs:
        w, p = set(), set()
        for clause in cls:
            norm = [sing.get(t, t) if t else None for t in clause]
            w.update(t for t in norm if t)
            p.update(f"{a} {b}" for a, b in zip(norm, norm[1:], strict=False) if a and b and a != b)
        words.update(w)
        pairs.update(p)
        keywords.update(set(entries))
    return words, pairs, keywords


def fold(text: str) -> str:
    """Lower case without accents, the way the matcher compares forms."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def load_unique(path: Path) -> dict:
    """Load YAML, failing on a duplicate mapping key (safe_load keeps the last silently)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        dupes = sorted(k for k, n in Counter(keys).items() if n > 1)
        if dupes:
            raise ValueError(f"duplicate keys: {dupes}")
        return loader.construct_mapping(node, deep=deep)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)


def check_glossary(path: Path = GLOSSARY) -> list[str]:
    """Validate the glossary, print its counts and return the list of errors."""
    data = load_unique(path)
    errors: list[str] = []
    if not isinstance(data, dict):
        return [f"{path}: top level is not a mapping"]
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts = Counter()
    for key, entry in data.items():
        if not isinstance(key, str) or key != key.lower() or key != key.strip():
            errors.append(f"{key!r}: key must be a lower-case string")
        if not isinstance(entry, dict) or set(entry) != set(LANGS):
            errors.append(f"{key}: needs exactly the lists {LANGS}")
            continue
        for lang in LANGS:
            forms = entry[lang]
            ok = (
                isinstance(forms, list)
                and forms
                and all(isinstance(f, str) and f.strip() for f in forms)
            )
            if not ok:
                errors.append(f"{key}.{lang}: must be a non-empty list of strings")
                continue
            folded = [fold(f) for f in forms]
            if len(set(folded)) != len(folded):
                errors.append(f"{key}.{lang}: repeated form")
            if any(f.endswith("-") or f.startswith("-") for f in folded):
                errors.append(f"{key}.{lang}: dangling hyphen")
            counts[lang] += len(forms)
            for f in folded:
                owners[(lang, f)].add(key)
        english = {fold(f) for f in entry.get("en") or []}
        if fold(key) not in english:
            errors.append(f"{key}: key missing from its en list")
        foreign = {fold(f) for lang in LANGS[1:] for f in entry.get(lang) or []}
        if foreign and foreign <= english:
            errors.append(f"{key}: it/fr/de add nothing over the English forms")
    print(f"{path.name}: {len(data)} entries")
    for lang in LANGS:
        print(f"  {lang}: {counts[lang]} forms")
    shared = sorted((f, sorted(k)) for (lang, f), k in owners.items() if len(k) > 2)
    print(f"  forms used by more than two entries: {len(shared)}")
    for form, keys in shared:
        print(f"    {form}: {', '.join(keys)}")
    return errors


def stem_report(path: Path = GLOSSARY) -> None:
    """Print the single-word stems shared by several entries, and the multi-word forms that
    shrink to one word, under the matcher's own tokeniser, stop-words and stemmers."""
    from filiera.match.text import stem_words, stopwords, words

    data = load_unique(path)
    for lang in LANGS:
        stop = stopwords(lang)
        shared: dict[str, dict[str, str]] = defaultdict(dict)
        shrunk = []
        for key, entry in data.items():
            for form in entry[lang] + ([key] if lang == "en" else []):
                tokens = words(form)
                kept = [w for w in tokens if w not in stop]
                if len(kept) == 1:
                    shared[stem_words(kept, lang)[0]].setdefault(key, form)
                    if len(tokens) > 1:
                        shrunk.append(f"{key}={form}->{kept[0]}")
                elif not kept:
                    shrunk.append(f"{key}={form}->(nothing)")
        multi = {s: k for s, k in sorted(shared.items()) if len(k) > 1}
        print(f"== {lang}: {len(multi)} single-word stems shared by several entries")
        for stem, keys in multi.items():
            print(f"  {stem}: " + ", ".join(f"{k}={f}" for k, f in keys.items()))
        print(f"   multi-word forms that shrink to one word or none: {len(shrunk)}")
        for item in shrunk:
            print(f"    {item}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=400, help="terms per list")
    parser.add_argument("--min-docs", type=int, default=2, help="minimum document frequency")
    parser.add_argument("--check", action="store_true", help="validate the glossary instead")
    parser.add_argument(
        "--stems", action="store_true", help="report stem collisions (needs filiera installed)"
    )
    args = parser.parse_args()
    if args.stems:
        stem_report()
        return
    if args.check:
        errors = check_glossary()
        for error in errors:
            print(f"ERROR {error}")
        sys.exit(1 if errors else 0)
    records = projects()
    words, pairs, keywords = count_terms(records)
    print(f"# {len(records)} projects")
    for name, counter in (("words", words), ("phrases", pairs), ("keywords", keywords)):
        ranked = [(t, n) for t, n in counter.most_common() if n >= args.min_docs][: args.top]
        print(f"\n## {name} ({len(ranked)} shown)")
        for term, n in ranked:
            print(f"{n:4d}  {term}")


if __name__ == "__main__":
    main()
