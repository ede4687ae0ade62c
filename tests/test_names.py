"""Organisation-name normalisation and similarity used by entity resolution."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.registry.names import (
    LEGAL_FORMS,
    clean_name,
    legal_form,
    name_similarity,
    name_tokens,
    normalise_name,
    readable_name,
)

SAME = [
    ("THALES AVS FRANCE SAS", "Thales AVS France"),
    ("Leonardo S.p.A.", "LEONARDO SPA"),
    ("LEONARDO SPA", "Leonardo - Società per azioni"),
    (
        "ECOLE ROYALE MILITAIRE -KONINKLIJKE MILITAIRE SCHOOL",
        "ECOLE ROYALE MILITAIRE - KONINKLIJKE MILITAIRE SCHOOL",
    ),
    ("Rheinmetall Waffe Munition GmbH", "RHEINMETALL WAFFE MUNITION GMBH"),
    ("HENSOLDT Sensors GmbH & Co. KG", "Hensoldt Sensors"),
    ("Polska Grupa Zbrojeniowa Sp. z o.o.", "POLSKA GRUPA ZBROJENIOWA"),
    ("S.C. Romarm S.A.", "ROMARM"),
    ("AB Volvo", "Volvo AB (publ)"),
    ("Nammo Raufoss A/S", "NAMMO RAUFOSS AS"),
    ("Indra Sistemas, S.A.", "INDRA SISTEMAS SA"),
    ("Research & Development Ltd", "Research and Development Limited"),
    ("Ricerca e Sviluppo S.r.l.", "RICERCA & SVILUPPO SRL"),
    ("Société Générale d'Équipements", "SOCIETE GENERALE DEQUIPEMENTS"),
    ("Ελληνική Αεροπορική Βιομηχανία Α.Ε.", "Elliniki Aeroporiki Viomichania"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_variants_normalise_equal(a, b):
    assert normalise_name(a) == normalise_name(b)
    assert name_similarity(a, b) == 1.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("THALES SA", "THALES AVS FRANCE SAS"),
        ("SAAB AB", "SAAB DYNAMICS AB"),
        ("MBDA", "MBDA Italia"),
    ],
)
def test_distinct_organisations_stay_distinct(a, b):
    assert normalise_name(a) != normalise_name(b)
    assert 0.3 < name_similarity(a, b) < 0.85


def test_examples():
    assert normalise_name("Leonardo S.p.A.") == "leonardo"
    assert normalise_name("E-GEOS S.p.A.") == "egeos"
    assert name_tokens("THALES AVS FRANCE SAS") == ["thales", "avs", "france"]
    assert normalise_name("") == ""


def test_legal_form_is_reported_canonically():
    assert legal_form("Leonardo S.p.A.") == "spa"
    assert legal_form("Leonardo - Società per azioni") == "spa"
    assert legal_form("Hensoldt GmbH & Co. KG") == "gmbh co kg"
    assert legal_form("PGZ Sp. z o.o.") == "sp z oo"
    assert legal_form("UAB Foo") == "uab"
    assert legal_form("European Defence Agency") is None


def test_a_bare_legal_form_is_not_erased():
    assert normalise_name("SAS") == "sas"
    assert normalise_name("S.A. AG") == "sa"


def test_legal_forms_are_normalised_data():
    for canonical, spellings in LEGAL_FORMS.items():
        for spelling in (canonical, *spellings):
            assert spelling == " ".join(spelling.split()) and spelling == spelling.casefold()
            assert all(token.isalnum() and token.isascii() for token in spelling.split())


def test_similarity_orders_candidates_sensibly():
    close = name_similarity("Airbus Defence and Space", "AIRBUS DEFENCE & SPACE GMBH")
    typo = name_similarity("Rheinmetall Defence", "Rheinmetal Defence")
    far = name_similarity("Rheinmetall", "Fincantieri")
    assert close == 1.0
    assert 0.85 < typo < 1.0
    assert far < 0.4
    assert name_similarity("", "Leonardo") == 0.0
    assert name_similarity("IBM", "IBM Italia") < 0.6


NAME_CHARS = "abcdefghijklmnopqrstuvwxyzàéèüöäçñßøåœ0123456789 .,&-/'()"
names = st.text(alphabet=NAME_CHARS, max_size=40)
ACCENTS = str.maketrans("àéèüöäçñ", "aeeuoacn")


@settings(max_examples=200, deadline=None)
@given(names)
def test_normalisation_is_idempotent(name):
    once = normalise_name(name)
    assert normalise_name(once) == once


@settings(max_examples=200, deadline=None)
@given(names)
def test_normalisation_ignores_case_and_accents(name):
    key = normalise_name(name)
    assert normalise_name(name.upper()) == key
    assert normalise_name(name.translate(ACCENTS)) == key


@settings(max_examples=200, deadline=None)
@given(names, names)
def test_similarity_is_symmetric_and_bounded(a, b):
    score = name_similarity(a, b)
    assert 0.0 <= score <= 1.0
    assert score == name_similarity(b, a)
    if normalise_name(a) and normalise_name(a) == normalise_name(b):
        assert score == 1.0


# --- names as people read them (issue 10, item 9) ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('"ACADEMIA TEHNICA MILITARA ""FERDINAND I"""', 'ACADEMIA TEHNICA MILITARA "FERDINAND I"'),
        (
            '"NATIONAL CENTER FOR SCIENTIFIC RESEARCH ""DEMOKRITOS"""',
            'NATIONAL CENTER FOR SCIENTIFIC RESEARCH "DEMOKRITOS"',
        ),
        ('UAB "JUODOSIOS GULBES TECHNOLOGIJOS', "UAB JUODOSIOS GULBES TECHNOLOGIJOS"),
        ("POLITECHNIKA  RZESZOWSKA ", "POLITECHNIKA RZESZOWSKA"),
        ('Leonardo "Elettronica" S.p.A.', 'Leonardo "Elettronica" S.p.A.'),
        ('"', ""),
        (None, ""),
    ],
)
def test_source_quoting_is_undone(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("THALES AVS FRANCE SAS", "Thales AVS France SAS"),
        ('ACADEMIA TEHNICA MILITARA "FERDINAND I"', 'Academia Tehnica Militara "Ferdinand I"'),
        ("UNIVERSITA DEGLI STUDI DI PAVIA", "Universita degli Studi di Pavia"),
        ("OFFICE NATIONAL D'ETUDES ET DE RECHERCHES", "Office National d'Etudes et de Recherches"),
        ("ROHDE & SCHWARZ GMBH & CO. KG", "Rohde & Schwarz GmbH & Co. KG"),
        ("FLYFOCUS SP. Z O.O.", "Flyfocus Sp. z o.o."),
        (
            "CENTRE NATIONAL DE LA RECHERCHE SCIENTIFIQUE CNRS",
            "Centre National de la Recherche Scientifique CNRS",
        ),
        (
            "INSTITUTUL NATIONAL DE CERCETARE-DEZVOLTARE",
            "Institutul National de Cercetare-Dezvoltare",
        ),
        ("4C GROUP AB", "4C Group AB"),
        ("OF APPLIED SCIENCES", "Of Applied Sciences"),
        ("Leonardo S.p.A.", "Leonardo S.p.A."),  # written by people: left as it is
        ("CS GROUP - France", "CS GROUP - France"),
    ],
)
def test_all_capitals_names_read_as_people_write_them(name, readable):
    assert readable_name(name) == readable


def test_known_spellings_win_over_the_rules():
    assert readable_name("MBDA FRANCE") == "Mbda France"
    assert readable_name("MBDA FRANCE", {"mbda": "MBDA"}) == "MBDA France"
    assert readable_name("ENDUROSAT AD", {"endurosat": "EnduroSat"}) == "EnduroSat AD"


@settings(max_examples=300, deadline=None)
@given(names)
def test_readable_names_change_only_the_case(name):
    shown = readable_name(name.upper())
    assert shown.casefold() == name.upper().casefold()
    assert normalise_name(shown) == normalise_name(name)
    assert readable_name(shown) == shown  # idempotent


@settings(max_examples=200, deadline=None)
@given(names)
def test_cleaning_is_idempotent_and_only_drops_quotes_and_spaces(name):
    once = clean_name(name)
    assert clean_name(once) == once
    assert once.count('"') % 2 == 0
    assert once.replace('"', "").split() == name.replace('"', "").split()
