"""Organisations, people and sentences in news text (issue 14): each rule on sentences in
Italian, English, French and German, with offsets that point into the text."""

from __future__ import annotations

import pytest

from filiera.news.orgs import Gazetteer, find_organisations
from filiera.news.people import find_people
from filiera.news.sentences import split_sentences

REGISTRY = Gazetteer.from_records(
    [
        (1, "Leonardo S.p.A.", []),
        (2, "North Atlantic Treaty Organization", ["NATO", "Nato"]),
        (3, "Lombardia Aerospace Cluster", []),
        (4, "Regione Lombardia", ["Lombardia"]),
        (5, "Thales S.A.", []),
        (6, "Thales Hellas Anonymi Etaireia", []),
        (7, "Airbus SE", ["Airbus"]),
        (8, "LuxDefence a.s.b.l.", ["LuxDefence"]),
    ]
)


def orgs(text: str, lang: str) -> dict[str, tuple]:
    found = find_organisations(text, lang, REGISTRY)
    for f in found:
        assert text[f.start : f.end] == f.text
    return {f.text: (f.data["registry_id"], tuple(f.data["found_by"])) for f in found}


def test_registry_names_aliases_and_legal_forms() -> None:
    found = orgs("Leonardo S.p.A. e la Nato hanno firmato con Airbus.", "it")
    assert found == {
        "Leonardo S.p.A.": (1, ("registry",)),
        "Nato": (2, ("registry",)),
        "Airbus": (7, ("registry",)),
    }


def test_a_shared_name_means_the_organisation_it_names_most_simply() -> None:
    assert orgs("Thales ha vinto.", "it") == {"Thales": (5, ("registry",))}


def test_a_region_name_is_a_place_not_the_regional_government() -> None:
    text = "La Lombardia e il Lombardia Aerospace Cluster lavorano insieme."
    assert orgs(text, "it") == {"Lombardia Aerospace Cluster": (3, ("registry",))}


def test_an_acronym_defined_in_the_text_stands_for_its_organisation() -> None:
    text = "Il Distretto Aerospaziale Piemonte (DAP) cresce. Il DAP conta 100 soci."
    found = orgs(text, "it")
    assert found["Distretto Aerospaziale Piemonte"] == (None, ("context",))
    assert found["DAP"] == (None, ("context",))


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        ("it", "Ha parlato anche la società Roboze, leader della stampa 3D.", "Roboze"),
        ("en", "The German company Hensoldt said it would hire.", "Hensoldt"),
        ("fr", "La société Exail a signé un accord.", "Exail"),
        ("de", "Das Münchner Start-up Helsing hat Geld eingesammelt.", "Helsing"),
        ("de", "Der Verband „NordSpace Allianz“ wurde gegründet.", "NordSpace Allianz"),
        ("fr", "Le ministère des Armées a commandé des obus.", "ministère des Armées"),
        ("en", "Bristol-based Skyloom Robotics raised money.", "Skyloom Robotics"),
        ("de", "Die Lausitzer Pulverwerke GmbH hat gewonnen.", "Lausitzer Pulverwerke GmbH"),
        ("it", "Il Parlamento europeo ha votato.", "Parlamento europeo"),
        (
            "it",
            "Lo ha detto il presidente della Fondazione Einaudi, Mario Rossi.",
            "Fondazione Einaudi",
        ),
    ],
)
def test_new_organisations_from_their_context(lang: str, text: str, name: str) -> None:
    found = orgs(text, lang)
    assert found.get(name) == (None, ("context",)), found


def test_the_other_names_of_a_list_with_an_organisation() -> None:
    found = orgs("Vi partecipano Anduril, Leonardo, Mbda e McKinsey & Company.", "it")
    assert set(found) == {"Anduril", "Leonardo", "Mbda", "McKinsey & Company"}


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Il segretario generale della Nato, Mark Rutte, ha parlato."),  # apposition
        ("it", "La firma del Memorandum of Understanding è attesa."),  # "firma": signature
        ("de", "Das Werk in Schwarzheide wird erweitert."),  # a place after a preposition
        ("de", "Den Zuschlag für Treibladungspulver erhielt das Werk."),  # common nouns
        ("en", "On Tuesday, EUR 210m was raised."),  # weekdays and currencies are no names
        ("fr", "Au Bourget, où se tient le salon."),  # "où" is no legal form
    ],
)
def test_no_organisation_where_there_is_none(lang: str, text: str) -> None:
    found = orgs(text, lang)
    assert set(found) <= {"Nato"}, found


def test_a_name_with_its_own_organisation_noun_is_not_the_registry_name_inside() -> None:
    found = orgs("Backers include the NATO Innovation Fund.", "en")
    assert "NATO" not in found and found["NATO Innovation Fund"][0] is None


def people(text: str, lang: str = "it") -> dict[str, tuple]:
    found = find_people(text, lang, find_organisations(text, lang, REGISTRY))
    for f in found:
        assert text[f.start : f.end] == f.text
    return {f.text: (f.data["name"], f.data["role"], f.data["organization"]) for f in found}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "it",
            "André Wilmes, Presidente di LuxDefence, ha parlato.",
            {"André Wilmes": ("André Wilmes", "Presidente", "LuxDefence a.s.b.l.")},
        ),
        (
            "it",
            "Il segretario generale della Nato, Mark Rutte, ha parlato.",
            {
                "Mark Rutte": (
                    "Mark Rutte",
                    "segretario generale",
                    "North Atlantic Treaty Organization",
                )
            },
        ),
        (
            "en",
            "Airbus CEO Guillaume Faury said so.",
            {"Guillaume Faury": ("Guillaume Faury", "CEO", "Airbus SE")},
        ),
        (
            "fr",
            "Pour Jean Dupont, président de Thales, c'est clair.",
            {"Jean Dupont": ("Jean Dupont", "président", "Thales S.A.")},
        ),
        (
            "de",
            "Der Gründer Max Weber sprach in Berlin.",
            {"Max Weber": ("Max Weber", "Gründer", None)},
        ),
        (
            "it",
            "Leonardo cresce. Il suo fondatore, Alessio Lorusso, ha parlato.",
            {"Alessio Lorusso": ("Alessio Lorusso", "fondatore", "Leonardo S.p.A.")},
        ),
    ],
)
def test_people_with_role_and_organisation(lang: str, text: str, expected: dict) -> None:
    assert people(text, lang) == expected


def test_later_mentions_by_surname_are_the_same_person() -> None:
    found = people("Il segretario generale della Nato, Mark Rutte, ha parlato. Rutte ha detto.")
    assert found["Rutte"] == found["Mark Rutte"]


def test_a_name_without_a_role_needs_a_first_name() -> None:
    assert set(people("L’analisi di Roberto Arditti. Lo dice Quarta Lorena.")) == {
        "Roberto Arditti"
    }


def test_the_person_in_a_title_is_the_name_after_it() -> None:
    assert set(people("L'ex capo dello staff della First Lady Laura Bush racconta.")) == {
        "Laura Bush"
    }


def test_sentences_keep_offsets_and_skip_abbreviations_and_initials() -> None:
    text = (
        "Il sig. Rossi della Leonardo S.p.A. ha firmato. Poi M. Rutte parla.\n"
        "Un titolo senza punto\nUna riga\nche continua qui."
    )
    found = split_sentences(text)
    assert [s.text for s in found] == [
        "Il sig. Rossi della Leonardo S.p.A. ha firmato.",
        "Poi M. Rutte parla.",
        "Un titolo senza punto",
        "Una riga\nche continua qui.",
    ]
    assert all(text[s.start : s.end] == s.text for s in found)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Das Unternehmen erweitert seine Fertigung in Schwarzheide deutlich.", "Schwarzheide"),
        ("Il piano comprende un nuovo stabilimento a Odolo.", "Odolo"),
        ("L'extension de son site historique de Salbris.", "Salbris"),
        ("It will double production at its Lincoln site.", "Lincoln"),
        ("A joint venture with Lincoln-based Hardwick Engineering.", "Lincoln"),
        ("Ampliare la linea pilota di Settimo Torinese.", "Settimo Torinese"),
    ],
)
def test_towns_told_by_the_words_around_them(text: str, name: str) -> None:
    from filiera.news.place_cues import find_place_cues

    found = find_place_cues(text)
    assert [(f.text, text[f.start : f.end]) for f in found] == [(name, name)]


def test_no_town_where_the_words_around_say_nothing() -> None:
    from filiera.news.place_cues import find_place_cues

    assert find_place_cues("The plant in March produced more. Il sito di Mario.") == []


def test_the_organisation_a_role_names_is_an_organisation() -> None:
    from filiera.news.extract import extract_article

    text = "Lo ha spiegato Giulia Ferraris, amministratrice delegata di Secondo Mona."
    found = extract_article(text, "it", Gazetteer())
    assert [(f.kind, f.text) for f in found.of("organization")] == [
        ("organization", "Secondo Mona")
    ]
    (person,) = found.of("person")
    assert (person.data["role"], person.data["organization"]) == (
        "amministratrice delegata",
        "Secondo Mona",
    )


def test_chaired_by_names_the_chair_of_the_organisation_before() -> None:
    found = people("Le Lombardia Aerospace Cluster, présidé par Anne Martin, grandit.", "fr")
    assert found["Anne Martin"] == ("Anne Martin", "présidé par", "Lombardia Aerospace Cluster")


def test_a_names_first_word_stands_for_it_after_its_first_mention() -> None:
    text = "Bristol-based Skyloom Robotics raised money. Skyloom will hire. Bristol is near."
    found = [(f.text, f.data["name"]) for f in find_organisations(text, "en", REGISTRY)]
    assert found == [("Skyloom Robotics", "Skyloom Robotics"), ("Skyloom", "Skyloom Robotics")]


def test_an_event_without_organisations_takes_the_subject_before_not_the_customer() -> None:
    from filiera.news.extract import extract_article

    text = (
        "Das Unternehmen Aurelion Systems erhielt einen Auftrag vom Bundesamt für Ausrüstung. "
        "Zudem wird die Fertigung in Ottobrunn erweitert und eine neue Produktionslinie gebaut."
    )
    events = extract_article(text, "de", Gazetteer()).of("event")
    expansion = next(e for e in events if e.data["type"] == "capacity_expansion")
    assert expansion.data["participants"] == ["Aurelion Systems"]
