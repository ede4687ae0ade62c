"""Query expansion by pseudo-relevance feedback over past projects (match/expansion.py)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from filiera.match import expansion
from filiera.match.bm25 import Bm25
from filiera.match.delta import DeltaBm25
from filiera.match.engine import query_terms
from filiera.match.expansion import expand
from filiera.match.index import MatchIndex, ProjectInfo, bag_of

PROJECTS = [
    "Radar antenna with gallium nitride amplifiers for naval defence by 2030",
    "Naval radar: gallium nitride transmit modules and antenna arrays for defence 2030",
    "Antenna arrays and gallium nitride amplifiers for airborne radar in defence",
    "Armoured vehicle suspension and tracks for defence",
    "Armoured vehicle engines and gearboxes for defence",
    "Cyber security of military networks for defence",
    "Cyber security operations centres and intrusion detection for defence",
    "Satellite navigation receivers resistant to jamming for defence",
    "Composite materials for helicopter rotor blades for defence",
    "Logistics planning software for deployable field hospitals for defence",
    "Training simulators for infantry squads for defence",
    "Underwater acoustic sensors for mine hunting for defence",
    "Rocket propulsion test benches for defence",
    "Space surveillance telescopes tracking debris for defence",
]


def bag(text: str) -> Counter[str]:
    out: Counter[str] = Counter()
    bag_of(text, "en", out)
    return out


def tiny_index(texts: list[str]) -> MatchIndex:
    """One organisation per project; only what the expansion reads is meaningful."""
    n = len(texts)
    bm25 = Bm25([bag(t) for t in texts])
    positions = np.arange(n, dtype=np.int32)
    return MatchIndex(
        org_ids=np.arange(1, n + 1, dtype=np.int64),
        names=[f"org {i}" for i in range(n)],
        pics={},
        country=np.array([""] * n, dtype="<U2"),
        region=np.array([""] * n, dtype="<U5"),
        kind=np.array(["sme"] * n, dtype="<U12"),
        synthetic=np.zeros(n, dtype=bool),
        public=np.ones(n, dtype=bool),
        capabilities=[{} for _ in range(n)],
        capability_masks={},
        certifications={},
        clusters={},
        org_text=bm25,
        profile=bm25,
        experience=np.zeros(n, dtype=np.float32),
        projects=[ProjectInfo(i, "EDF", None, t, 2023) for i, t in enumerate(texts)],
        project_text=bm25,
        part_org=positions,
        part_project=positions,
        part_weight=np.ones(n, dtype=np.float32),
        part_role=["participant"] * n,
        project_count=np.ones(n, dtype=np.int32),
        coordinated=np.zeros(n, dtype=np.int32),
    )


def terms_of(index: MatchIndex, docs: list[int]) -> set[str]:
    """Every term held by the projects at `docs`."""
    text = index.project_text
    return {t for t in text.terms() if set(text.term_scores(t)[0].tolist()) & set(docs)}


def test_added_terms_come_from_the_feedback_projects_and_skip_common_terms_and_numbers():
    index = tiny_index(PROJECTS)
    terms = query_terms("radar", "en")
    out = expand(index, terms, projects=3, new_terms=100, weight=0.5)
    radar_projects = terms_of(index, [0, 1, 2])
    assert out.expanded, "radar projects share gallium, nitride, antenna, amplifiers"
    assert set(out.expanded) <= radar_projects
    assert {"en:antenna", "en:gallium"} <= set(out.expanded)
    assert not set(out.expanded) & terms_of(index, list(range(3, len(PROJECTS)))) - radar_projects
    assert "en:defenc" not in out.expanded  # in every project: too common
    assert "en:2030" not in out.expanded  # a number, though in two radar projects
    assert max(out.expanded.values()) == 0.5  # the best new term at `weight`
    assert set(out.weights) == set(terms.weights) | set(out.expanded)


def test_original_weights_shown_words_and_concepts_are_unchanged():
    index = tiny_index(PROJECTS)
    terms = query_terms("radar navale", "it")
    before = (dict(terms.weights), dict(terms.shown), list(terms.concepts))
    out = expand(index, terms, projects=3, new_terms=10)
    assert out.expanded  # the Italian query found the radar projects through "radar"
    assert all(t.startswith(("en:", "c:")) for t in out.expanded)  # English stems join it
    assert {t: out.weights[t] for t in terms.weights} == before[0]
    assert (out.shown, out.concepts) == before[1:]
    assert (terms.weights, terms.expanded) == (before[0], {})  # the input is not modified


def test_no_expansion_when_no_project_scores_above_zero():
    index = tiny_index(PROJECTS)
    terms = query_terms("submarine torpedo", "en")
    out = expand(index, terms)
    assert out.expanded == {}
    assert out.weights == terms.weights


def test_a_term_of_a_single_feedback_project_is_not_added():
    index = tiny_index(PROJECTS)
    out = expand(index, query_terms("cyber", "en"), projects=2, new_terms=20)
    assert "en:secur" in out.expanded  # in both cyber projects
    assert "en:intrus" not in out.expanded and "en:militari" not in out.expanded


def test_expansion_is_deterministic():
    index = tiny_index(PROJECTS)
    terms = query_terms("radar", "en")
    first, second = expand(index, terms), expand(tiny_index(PROJECTS), terms)
    assert first.expanded and list(first.weights.items()) == list(second.weights.items())


def test_a_live_index_uses_the_edited_project_texts():
    index = tiny_index(PROJECTS)
    query = query_terms("radar", "en")
    assert "en:armour" not in expand(index, query, projects=5, new_terms=40).expanded
    changed = {3: bag("Radar for armoured vehicles"), 4: bag("Armoured vehicle radar")}
    index.project_text = DeltaBm25.over(index.project_text).with_docs(changed, len(PROJECTS))
    out = expand(index, query, projects=5, new_terms=40)
    assert {"en:armour", "en:vehicl"} <= set(out.expanded)  # both edited projects hold them
    assert "en:suspens" not in out.expanded and "en:gearbox" not in out.expanded


def test_expand_for_expands_only_the_chosen_languages(monkeypatch):
    index = tiny_index(PROJECTS)
    english, italian = query_terms("radar", "en"), query_terms("radar navale", "it")
    monkeypatch.setattr(expansion, "EXPANSION_LANGUAGES", frozenset({"it"}))
    assert expansion.expand_for(index, english) is english
    expanded = expansion.expand_for(index, italian)
    assert expanded.expanded == expand(index, italian, **expansion.CHOSEN).expanded != {}
