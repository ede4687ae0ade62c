"""What kind of need a text is (`match/need_type.py`) in four languages, the gold kind of
real EDF projects and an organisation's approximate TRL band. No database needed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.match.need_type import (
    KINDS,
    UNKNOWN,
    detect_need_type,
    organisation_trl,
    project_action,
    project_need_type,
)

CASES = [
    ("en", "production", "Ramp up production of 155 mm shells: a new filling plant by 2026"),
    (
        "it",
        "production",
        "Aumentare la capacità produttiva di proiettili: nuova linea di produzione",
    ),
    ("fr", "production", "Montée en cadence de la fabrication d'obus dans une nouvelle usine"),
    ("de", "production", "Munitionsproduktion hochfahren: Serienfertigung in einem neuen Werk"),
    ("en", "research", "Feasibility study and prototype of a novel quantum radar demonstrator"),
    ("it", "research", "Studio di fattibilità e prototipo di un dimostratore radar innovativo"),
    ("fr", "research", "Étude de faisabilité et prototype d'un démonstrateur radar innovant"),
    ("de", "research", "Machbarkeitsstudie und Prototyp eines neuartigen Radardemonstrators"),
    (
        "en",
        "procurement",
        "Joint procurement of air defence systems by three ministries of defence",
    ),
    ("it", "procurement", "Acquisto congiunto di sistemi di difesa aerea: bando di gara d'appalto"),
    ("fr", "procurement", "Achat conjoint de systèmes de défense aérienne, appel d'offres"),
    ("de", "procurement", "Gemeinsame Beschaffung von Luftverteidigungssystemen, Ausschreibung"),
]


@pytest.mark.parametrize(("lang", "kind", "text"), CASES)
def test_each_kind_reads_in_each_language(lang: str, kind: str, text: str) -> None:
    found = detect_need_type(text, lang)
    assert found.kind == kind, found
    assert 0.5 < found.confidence <= 1 and found.cues
    assert found.scores[kind] == max(found.scores.values())


@pytest.mark.parametrize(("lang", "kind", "text"), CASES)
def test_the_language_is_detected_when_not_given(lang: str, kind: str, text: str) -> None:
    assert detect_need_type(text).kind == kind


def test_inflections_count_and_the_cues_say_which_words_decided() -> None:
    found = detect_need_type("Produrre e fornire munizioni, con forniture regolari", "it")
    assert found.kind == "production"
    assert {"produrre", "fornitura", "fornire"} <= set(found.cues)  # forniture -> fornitura


def test_a_german_compound_holds_its_cue() -> None:
    found = detect_need_type("Rüstungsbeschaffung für die Bundeswehr", "de")
    assert (found.kind, found.cues) == ("procurement", ["Beschaffung"])


def test_a_neutral_phrase_is_not_a_cue() -> None:
    assert detect_need_type("Target acquisition for armoured vehicles", "en").kind == UNKNOWN
    assert detect_need_type("Acquisition of armoured vehicles", "en").kind == "procurement"
    assert detect_need_type("Additive manufacturing of drone parts", "en").kind == UNKNOWN


def test_a_quantity_of_things_asks_for_supply_but_a_pair_of_prototypes_does_not() -> None:
    found = detect_need_type("We need 20000 rounds for the winter", "en")
    assert found.kind == "production" and "20000 rounds" in found.cues
    assert detect_need_type("Two prototypes: 2 units for trials", "en").kind != "production"


def test_a_text_with_no_cue_is_unknown_and_neutral() -> None:
    for text in ("sensori ottici per droni", "Thermal cameras for armoured vehicles", "", "??"):
        found = detect_need_type(text)
        assert (found.kind, found.confidence, found.cues) == (UNKNOWN, 0.0, [])
        assert found.weights() == dict.fromkeys(KINDS, 0.0)


def test_a_trl_range_leans_the_reading() -> None:
    text = "Optical sensors for drones in harsh environments"
    research = detect_need_type(text, "en", trl_min=2, trl_max=4)
    production = detect_need_type(text, "en", trl_min=7, trl_max=9)
    assert (research.kind, research.cues) == ("research", ["TRL ≤ 4"])
    assert (production.kind, production.cues) == ("production", ["TRL ≥ 7"])
    assert detect_need_type(text, "en", trl_min=5, trl_max=6).kind == UNKNOWN
    buying = detect_need_type("Procurement of optical sensors", "en", trl_min=8)
    assert buying.kind == "procurement"  # the words outweigh the lean


def test_more_cues_mean_more_confidence() -> None:
    one = detect_need_type("A prototype radar", "en")
    many = detect_need_type("Research on a prototype radar: feasibility study, demonstrator", "en")
    assert one.kind == many.kind == "research"
    assert one.confidence < many.confidence


@settings(max_examples=80, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["en", "it", "fr", "de", None, "xx"]),
    st.none() | st.integers(-5, 15),
    st.none() | st.integers(-5, 15),
)
def test_any_text_gets_a_bounded_reading(
    text: str, lang: str | None, trl_min: int | None, trl_max: int | None
) -> None:
    found = detect_need_type(text, lang, trl_min=trl_min, trl_max=trl_max)
    assert found.kind in (*KINDS, UNKNOWN)
    assert 0 <= found.confidence <= 1
    assert (found.kind == UNKNOWN) == (found.confidence == 0)


@pytest.mark.parametrize(
    ("action", "call", "programme", "expected"),
    [
        ("EDF Lump Sum Grants", "EDF-EDIRPA-2024-FNLC-AMMO", None, ("procurement", "procurement")),
        ("EDF Lump Sum Grants", "EDF-ASAP-2023-LS-SHL", None, ("production", "production")),
        (None, None, "ASAP", ("production", "production")),
        ("EDF Research Actions", "EDF-2021-AIR-R-2", None, ("research", "research")),
        ("EDF Lump Sum Grants", "EDF-2023-LS-RA-SMERO", None, ("research", "research")),
        ("EDF Lump Sum Grants", "EDF-2021-OPEN-RDIS-2", None, ("research", "research")),
        ("EDF Development Actions", "EDF-2021-SPACE-D-2", None, ("development", "research")),
        ("EDF Lump Sum Grants", "EDF-2024-LS-DA-SME-NT", None, ("development", "research")),
        (None, None, "H2020", ("research", "research")),
        (None, "CLUSTER-CALL-7", "REGIONAL", (None, UNKNOWN)),
    ],
)
def test_a_real_project_has_its_gold_kind(action, call, programme, expected) -> None:
    assert project_action(action, call, programme) == expected[0]
    assert project_need_type(action, call, programme) == expected[1]


def test_an_organisation_trl_band_follows_its_actions() -> None:
    assert organisation_trl({"research": 4}) == (2, 5)
    assert organisation_trl({"development": 1}) == (5, 8)
    assert organisation_trl({"production": 2, "procurement": 3}) == (8, 9)
    assert organisation_trl({"research": 1, "development": 1}) == (4, 7)  # 3.5, 6.5 up
    assert organisation_trl({"research": 3, "production": 1}) == (4, 6)
    assert organisation_trl({"procurement": 5}) is None
    assert organisation_trl({}) is None
