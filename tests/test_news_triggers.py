"""Event triggers of news sentences (it, en, fr, de): news.triggers."""

from __future__ import annotations

import pytest

from filiera.news.triggers import EVENT_TYPES, find_triggers, rules


def types(sentence: str, lang: str) -> set[str]:
    return {f.data["type"] for f in find_triggers(sentence, lang)}


def only(sentence: str, lang: str) -> tuple[str, str, str]:
    (found,) = find_triggers(sentence, lang)
    return found.data["type"], found.data["modality"], found.text


POSITIVE = [
    # association_launch
    (
        "it",
        "Il 24 novembre è stata ufficialmente lanciata LuxDefence, l'Associazione che riunisce "
        "oltre 80 aziende.",
        "association_launch",
    ),
    ("it", "È stato costituito a Torino il nuovo cluster della difesa.", "association_launch"),
    ("en", "The Baltic Defence Industry Association was founded in Riga.", "association_launch"),
    ("fr", "Une nouvelle association des industriels a été créée à Lyon.", "association_launch"),
    (
        "de",
        "In München wurde ein neuer Verband der Drohnenhersteller gegründet.",
        "association_launch",
    ),
    (
        "de",
        "Zwölf Firmen haben sich zu einem Branchenverband zusammengeschlossen.",
        "association_launch",
    ),
    # partnership
    ("it", "Leonardo e Rheinmetall hanno firmato un protocollo d'intesa.", "partnership"),
    (
        "it",
        "Il Lombardia Aerospace Cluster e il Distretto Aerospaziale Piemonte hanno avviato un "
        "percorso di conoscenza reciproca finalizzato a rafforzare la sinergia.",
        "partnership",
    ),
    ("it", "I distretti aerospaziali lombardo e piemontese fanno sinergia", "partnership"),
    ("en", "Saab and Kongsberg signed a memorandum of understanding.", "partnership"),
    ("en", "Rheinmetall acquires Lürssen's naval division.", "partnership"),
    ("en", "The two firms formed a joint venture for drones.", "partnership"),
    ("fr", "Thales et Safran ont signé un protocole d'accord.", "partnership"),
    ("de", "Hensoldt und Diehl unterzeichneten eine Absichtserklärung.", "partnership"),
    # funding_award
    (
        "it",
        "La startup ha ottenuto un finanziamento dal Fondo europeo per la difesa.",
        "funding_award",
    ),
    ("en", "The consortium was awarded a grant of EUR 20 million.", "funding_award"),
    ("en", "Twelve projects were selected for funding by the Commission.", "funding_award"),
    ("fr", "La PME a obtenu un financement européen de 3 millions d'euros.", "funding_award"),
    ("de", "Das Start-up erhält Fördermittel in Höhe von 2 Millionen Euro.", "funding_award"),
    ("en", "The project will receive €25 million from the European Defence Fund.", "funding_award"),
    ("fr", "La Région apportera 2,5 millions d'euros au projet.", "funding_award"),
    ("de", "Das Projekt wird von der EU mit 20 Millionen Euro gefördert.", "funding_award"),
    # capacity_expansion
    (
        "it",
        "Rutte ha evidenziato l'apertura di decine di nuove linee di produzione e l'espansione "
        "di quelle già operative.",
        "capacity_expansion",
    ),
    ("en", "Rheinmetall opened a new plant in Lithuania.", "capacity_expansion"),
    ("fr", "KNDS construit une nouvelle usine d'obus.", "capacity_expansion"),
    ("de", "Diehl baut ein neues Werk in Sachsen.", "capacity_expansion"),
    ("de", "Nammo will die Produktionskapazität erhöhen.", "capacity_expansion"),
    ("de", "Rheinmetall baut ein neues Munitionswerk in Unterlüß.", "capacity_expansion"),
    (
        "de",
        "Die Firma will die Produktion bis 2027 auf 200.000 Granaten erhöhen.",
        "capacity_expansion",
    ),
    ("en", "Nammo will build a new ammunition plant in Finland.", "capacity_expansion"),
    ("fr", "Eurenco va porter sa production de poudre à 1 200 tonnes.", "capacity_expansion"),
    # contract
    ("it", "Fincantieri si è aggiudicata una commessa da 500 milioni di euro.", "contract"),
    ("it", "Leonardo ha firmato un contratto con l'Esercito.", "contract"),
    ("en", "BAE Systems won a contract worth £1bn to supply shells.", "contract"),
    ("en", "The army placed an order for 100 tanks.", "contract"),
    ("en", "The agency signed a framework agreement with Nammo.", "contract"),
    ("fr", "Naval Group a remporté un contrat de 2 milliards d'euros.", "contract"),
    ("de", "Rheinmetall erhält einen Großauftrag der Bundeswehr.", "contract"),
    # investment_round
    ("it", "La startup ha chiuso un round di investimento da 10 milioni.", "investment_round"),
    ("it", "La società ha raccolto 5 milioni di euro da investitori.", "investment_round"),
    ("en", "Helsing raised €450 million from investors.", "investment_round"),
    ("en", "The company closed a Series B round.", "investment_round"),
    ("fr", "La start-up a réalisé une levée de fonds de 15 millions d'euros.", "investment_round"),
    ("de", "Quantum Systems schließt eine Finanzierungsrunde ab.", "investment_round"),
    # forum_meeting
    ("it", "Si è riunito oggi a Berlino il vertice del Mission 2044.", "forum_meeting"),
    (
        "it",
        "Intervenendo al Forum per l'industria della difesa di Bucarest, Rutte ha parlato.",
        "forum_meeting",
    ),
    ("it", "Questo primo incontro con il Distretto rappresenta l'inizio.", "forum_meeting"),
    ("en", "Defence ministers met at the NATO summit in The Hague.", "forum_meeting"),
    ("fr", "Le salon Eurosatory se tient à Paris.", "forum_meeting"),
    ("fr", "Une rencontre B2B a réuni 200 PME.", "forum_meeting"),
    ("de", "Auf dem Gipfel in Berlin sprachen die Minister.", "forum_meeting"),
    ("de", "Die Konferenz in Bonn war gut besucht.", "forum_meeting"),
    ("de", "Auf der Münchner Sicherheitskonferenz sprachen die Minister.", "forum_meeting"),
]


@pytest.mark.parametrize(("lang", "sentence", "kind"), POSITIVE)
def test_each_type_in_each_language(lang, sentence, kind):
    assert types(sentence, lang) == {kind}


def test_every_type_has_patterns_in_every_language():
    for lang in ("it", "en", "fr", "de"):
        assert {r.type for r in rules(lang) if r.triggers} == set(EVENT_TYPES)
    assert {lang for lang, _, _ in POSITIVE} == {"it", "en", "fr", "de"}
    for kind in EVENT_TYPES:
        assert {lang for lang, _, k in POSITIVE if k == kind} == {"it", "en", "fr", "de"}, kind


NEGATIVE = [
    # a company's founding, a generic birth: no association launch
    ("en", "Roboze, founded in 2013, makes 3D printers."),
    ("it", "L'iniziativa nasce in un momento di grande fermento per il settore."),
    ("en", "The missile was launched from a ship."),
    # a wish, an existence, a procedure: no contract or funding
    ("it", "Le aziende sono spesso in attesa di contratti a lungo termine da parte dei governi."),
    ("it", "I fondi ci sono, la domanda esiste."),
    ("it", "Occorre accelerare le procedure di appalto."),
    ("en", "Companies need long-term contracts."),
    ("de", "Die Studie wurde im Auftrag des Ministeriums erstellt."),
    ("en", "In order for this to work, funds are needed."),
    # NATO is "the Alliance", not a partnership
    ("it", "L'Alleanza atlantica sta superando la Russia."),
    ("en", "The Alliance must spend more, NATO said."),
    # raised concerns is no funding round
    ("en", "The report raised concerns about costs."),
    # a forum as a format, meeting as a verb, a press conference
    ("it", "L'obiettivo è costruire un forum in cui fondatori e investitori possano incontrarsi."),
    ("en", "The goal is to build a forum where founders can meet investors."),
    ("en", "The firm is meeting the requirements of the army."),
    ("it", "Lo ha detto in una conferenza stampa."),
    ("de", "Die Pressekonferenz war kurz."),
    ("de", "Das Angebot war angemessen."),
    ("de", "Wir müssen Entscheidungen treffen."),
    # negated facts
    ("it", "Leonardo non ha firmato il contratto."),
    ("it", "L'azienda non ha ottenuto il finanziamento richiesto."),
    ("en", "The company did not sign the contract."),
    ("en", "The company didn't sign the contract."),
    ("en", "The company won't sign the contract."),
    ("fr", "Le groupe n'a pas signé le contrat."),
    ("de", "Das Unternehmen hat keinen Auftrag erhalten."),
]


@pytest.mark.parametrize(("lang", "sentence"), NEGATIVE)
def test_no_trigger(lang, sentence):
    assert find_triggers(sentence, lang) == []


@pytest.mark.parametrize(
    ("lang", "sentence", "kind"),
    [
        ("en", "Leonardo intends to sign a contract with the Polish army.", "contract"),
        ("it", "Il ministro firmerà domani il contratto per le fregate.", "contract"),
        ("it", "Nammo aprirà un nuovo stabilimento in Norvegia.", "capacity_expansion"),
        ("fr", "KNDS va construire une nouvelle usine.", "capacity_expansion"),
        ("de", "Diehl will ein neues Werk bauen.", "capacity_expansion"),
        ("de", "Der Gipfel soll im Juni stattfinden.", "forum_meeting"),
        ("en", "The summit will take place in Vilnius.", "forum_meeting"),
    ],
)
def test_a_plan_keeps_its_type_and_is_marked_planned(lang, sentence, kind):
    found = find_triggers(sentence, lang)
    assert [(f.data["type"], f.data["modality"]) for f in found] == [(kind, "planned")]


def test_a_fact_is_reported():
    assert only("Leonardo ha firmato un contratto con l'Esercito.", "it") == (
        "contract",
        "reported",
        "firmato un contratto",
    )


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        (
            "it",
            "Dall'altro, le aziende sono chiamate a potenziare la propria capacità produttiva.",
        ),
        ("en", "Companies must expand their production capacity."),
        ("fr", "Les industriels doivent augmenter leur capacité de production."),
        ("de", "Die Hersteller müssen die Produktionskapazität erhöhen."),
    ],
)
def test_an_appeal_is_no_event(lang, sentence):
    assert find_triggers(sentence, lang) == []


def test_not_only_is_no_negation():
    assert types("Non solo ha firmato un contratto, ma anche un accordo.", "it") == {
        "contract",
        "partnership",
    }


def test_the_longer_trigger_wins_an_overlap():
    assert only("La Difesa ha firmato un accordo quadro con Iveco.", "it")[0] == "contract"
    assert only("Il fondo acquisisce una quota di minoranza di Roboze.", "it")[0] == (
        "investment_round"
    )
    assert only("Leonardo acquisisce Iveco Defence Vehicles.", "it")[0] == "partnership"


def test_a_sentence_may_hold_several_types():
    sentence = (
        "Leonardo ha firmato un contratto da 100 milioni e un accordo di cooperazione con "
        "Hensoldt, annunciato al salone di Farnborough."
    )
    assert types(sentence, "it") == {"contract", "partnership", "forum_meeting"}


def test_spans_are_the_trigger_words():
    sentence = "Saab and Kongsberg signed a memorandum of understanding in Oslo."
    (found,) = find_triggers(sentence, "en")
    assert found.kind == "event"
    assert sentence[found.start : found.end] == found.text == "memorandum of understanding"


def test_an_unknown_language_is_read_as_english():
    assert types("BAE Systems won a contract worth £1bn.", "es") == {"contract"}


def test_seed_sentences():
    assert types(
        "L'iniziativa nasce in un momento di grande fermento per il settore, segnato dalla "
        "recente firma del Memorandum of Understanding tra Leonardo, Airbus e Thales.",
        "it",
    ) == {"partnership"}
    assert types(
        "Questo primo incontro con il Distretto Aerospaziale Piemonte rappresenta l'inizio di un "
        "percorso concreto di conoscenza e collaborazione tra due ecosistemi.",
        "it",
    ) == {"forum_meeting", "partnership"}
    assert types(
        "Mission 2044, che vede la partecipazione di realtà come Anduril, Mbda, McKinsey.", "it"
    ) == {"forum_meeting"}
    assert (
        types(
            "Il segretario generale ha riconosciuto le difficoltà delle aziende, spesso in attesa "
            "di contratti a lungo termine da parte dei governi, ma ha garantito che la volontà "
            "politica di investire nella difesa è concreta.",
            "it",
        )
        == set()
    )
    assert only("Italia-India, chi ci sarà al Forum imprenditoriale di Brescia", "it") == (
        "forum_meeting",
        "planned",
        "Forum",
    )
