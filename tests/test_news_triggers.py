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


# The ways trade-press journalists tell events: nominal style, passive voice, headlines,
# amounts instead of nouns, trade words ("commessa", "marché", "Zuschlag", "lauréat").
JOURNALISTS = [
    (
        "it",
        "L'assegnazione di 12,4 milioni di euro al progetto servirà a sviluppare attuatori.",
        "funding_award",
    ),
    (
        "it",
        "Si tratta di un finanziamento a fondo perduto che copre il 90% dei costi.",
        "funding_award",
    ),
    ("it", "La Commissione europea ha selezionato 54 progetti di ricerca.", "funding_award"),
    ("it", "Aidro riceverà circa 3 milioni di euro.", "funding_award"),
    ("it", "La Regione stanzia 5 milioni di euro per la filiera aerospaziale.", "funding_award"),
    ("it", "L'azienda è tra i vincitori del bando europeo.", "funding_award"),
    ("it", "Fondo europeo per la difesa, 12 milioni a un consorzio lombardo", "funding_award"),
    ("it", "Munizioni, maxi-commessa da 180 milioni per Valsabbia Difesa", "contract"),
    ("it", "La commessa è stata assegnata al termine di una procedura ristretta.", "contract"),
    ("it", "Fincantieri è stata selezionata per fornire due navi.", "contract"),
    ("it", "È già in corso l'ampliamento del sito storico di Vestone.", "capacity_expansion"),
    (
        "it",
        "Utilizzerà le risorse per ampliare la linea pilota di Settimo Torinese.",
        "capacity_expansion",
    ),
    ("it", "La produzione sarà raddoppiata entro il 2026.", "capacity_expansion"),
    ("it", "Il gruppo aprirà un secondo stabilimento in Puglia.", "capacity_expansion"),
    ("it", "L'operazione è stata guidata da Tholus Capital.", "investment_round"),
    ("it", "Il round è stato guidato da Primo Ventures.", "investment_round"),
    ("it", "Leonardo collabora con l'Università di Pisa.", "partnership"),
    ("it", "L'evento ha riunito oltre 400 partecipanti.", "forum_meeting"),
    ("it", "La neonata associazione riunisce 30 imprese.", "association_launch"),
    ("en", "Commission selects 54 defence projects for EUR 910m in EU funding", "funding_award"),
    ("en", "The largest single grant, EUR 48m, goes to SKYSHIELD.", "funding_award"),
    (
        "en",
        "LuxSpace and Euro-Composites share EUR 6.5m for a satellite platform.",
        "funding_award",
    ),
    ("en", "The award of EUR 20m to the NAVIGATE project is a first.", "funding_award"),
    ("en", "The project is funded with EUR 30m from Brussels.", "funding_award"),
    ("en", "The start-up is among the winners of the EIC Accelerator call.", "funding_award"),
    ("en", "The consortium receives a EUR 20m EDF grant.", "funding_award"),
    ("en", "Ardent Munitions wins EUR 300m order from the Bundeswehr", "contract"),
    ("en", "The deal follows a GBP 45m contract from the UK Ministry of Defence.", "contract"),
    ("en", "Thales has been selected to supply radars to the Dutch navy.", "contract"),
    ("en", "Poland ordered 96 Apache helicopters.", "contract"),
    ("en", "Leonardo won the tender for the new trainer aircraft.", "contract"),
    ("en", "Nammo is expanding its Raufoss facility.", "capacity_expansion"),
    ("en", "The site's capacity will be doubled by 2027.", "capacity_expansion"),
    ("en", "The firm broke ground on a EUR 300m ammunition plant.", "capacity_expansion"),
    ("en", "The group is investing EUR 100m in a new plant in Spain.", "capacity_expansion"),
    ("en", "The start-up closed a €12m seed round.", "investment_round"),
    ("en", "The round was led by General Catalyst Partners.", "investment_round"),
    ("en", "Airbus and Leonardo will jointly develop a new helicopter.", "partnership"),
    ("en", "Defence ministers gathered in Brussels on Monday.", "forum_meeting"),
    ("en", "The fair attracted more than 30,000 visitors.", "forum_meeting"),
    ("en", "The Farnborough airshow opened its doors.", "forum_meeting"),
    ("en", "Twenty firms banded together to form the Nordic Drone Alliance.", "association_launch"),
    ("fr", "Défense : la start-up Aérolithe lauréate de l'appel à projets", "funding_award"),
    ("fr", "Elle s'ajoute à une aide de 400 000 euros accordée par la Région.", "funding_award"),
    (
        "fr",
        "Le consortium OPTIMA a été retenu par le Fonds européen de la défense.",
        "funding_award",
    ),
    ("fr", "La Région financera son fonctionnement à hauteur de 300 000 euros.", "funding_award"),
    ("fr", "Bpifrance accorde une subvention de 2 millions d'euros à la PME.", "funding_award"),
    ("fr", "Munitions : la DGA attribue un marché de 85 millions d'euros", "contract"),
    ("fr", "La DGA a notifié aux Forges de Sologne un marché pour des charges.", "contract"),
    ("fr", "La DGA commande 42 canons Caesar.", "contract"),
    ("fr", "Le groupe a été retenu pour fournir des radars à la Marine.", "contract"),
    ("fr", "Arquus a remporté l'appel d'offres de l'armée belge.", "contract"),
    (
        "fr",
        "Le groupe a annoncé l'extension de son site historique de Salbris.",
        "capacity_expansion",
    ),
    ("fr", "MBDA accélère les cadences de production.", "capacity_expansion"),
    ("fr", "Le groupe ouvre un nouveau site de production à Bourges.", "capacity_expansion"),
    ("fr", "La production passera de 20 000 à 100 000 obus par an.", "capacity_expansion"),
    ("fr", "La levée a été menée par Tikehau Capital.", "investment_round"),
    ("fr", "La société ouvre son capital à un fonds régional.", "investment_round"),
    ("fr", "Safran s'associe à MBDA pour les missiles.", "partnership"),
    ("fr", "L'événement a réuni plus de 300 participants.", "forum_meeting"),
    ("fr", "Les Assises de la défense se tiennent à Lille.", "forum_meeting"),
    ("de", "Bundeswehr: Zuschlag für Lausitzer Pulverwerke", "contract"),
    ("de", "Ein erster Abruf über 90 Millionen Euro wurde bereits erteilt.", "contract"),
    ("de", "Der Vertrag mit dem Bundesamt hat eine Laufzeit von sieben Jahren.", "contract"),
    ("de", "Der Vertrag wurde am Dienstag in Koblenz unterzeichnet.", "contract"),
    (
        "de",
        "Das Unternehmen hatte eine Förderung der Agentur in Höhe von 2,5 Millionen Euro erhalten.",
        "funding_award",
    ),
    (
        "de",
        "Der Freistaat unterstützt die Entwicklung mit einem Zuschuss von 1,2 Millionen Euro.",
        "funding_award",
    ),
    ("de", "Das Land stellt 50 Millionen Euro für das Projekt bereit.", "funding_award"),
    (
        "de",
        "Die Firma erhält 5 Millionen Euro aus dem Europäischen Verteidigungsfonds.",
        "funding_award",
    ),
    ("de", "Am Montag wurde eine neue Produktionshalle eingeweiht.", "capacity_expansion"),
    ("de", "Aurelion will die Serienfertigung in Ottobrunn aufbauen.", "capacity_expansion"),
    (
        "de",
        "Rheinmetall baut die Munitionsproduktion in Unterlüß weiter aus.",
        "capacity_expansion",
    ),
    ("de", "Hensoldt erweitert sein Werk in Ulm.", "capacity_expansion"),
    ("de", "Die Produktion soll auf 500.000 Schuss pro Jahr steigen.", "capacity_expansion"),
    (
        "de",
        "Angeführt wird die Runde vom Wagniskapitalgeber Isar Frontier Capital.",
        "investment_round",
    ),
    ("de", "Das Start-up erhält eine Seed-Finanzierung.", "investment_round"),
    (
        "de",
        "Außerdem vereinbarte der Verband eine enge Zusammenarbeit mit LuxDefence.",
        "partnership",
    ),
    ("de", "Diehl kooperiert künftig eng mit Hensoldt.", "partnership"),
    ("de", "Die NordSpace Allianz zeigt sich auf der Space Tech Expo Europe.", "forum_meeting"),
    ("de", "Ein erster Branchentag findet im Rathaus statt.", "forum_meeting"),
    ("de", "In Berlin kamen rund 200 Vertreter der Branche zusammen.", "forum_meeting"),
    (
        "de",
        "Neuer Verband: Raumfahrtfirmen aus dem Norden schließen sich zusammen",
        "association_launch",
    ),
]


@pytest.mark.parametrize(("lang", "sentence", "kind"), JOURNALISTS)
def test_the_ways_journalists_tell_events(lang, sentence, kind):
    assert types(sentence, lang) == {kind}


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
    # a market is no contract, a consortium's make-up no meeting, a surcharge no award
    ("en", "The consortium brings together 12 partners from 7 countries."),
    ("en", "Funding is going to be hard to find."),
    ("en", "The report found significant cooperation gaps."),
    ("en", "The cooperation includes agreements with the industry on multinational cooperation."),
    ("fr", "Le groupe a signé une forte progression sur le marché américain."),
    ("fr", "Il obtient une part du marché européen."),
    ("fr", "Le marché de la défense pèse 2 milliards d'euros."),
    ("fr", "La Journée défense et citoyenneté a lieu samedi."),
    ("de", "Der Zuschlag von 10 Prozent auf den Preis wurde gestrichen."),
    ("de", "Der Verein erweitert sein Netzwerk."),
    ("de", "Die neue Messehalle wurde eröffnet."),
    ("de", "Die Förderung von Frauen in der Technik ist ein Ziel."),
    ("de", "Der Verband will den Zugang zu Aufträgen der Bundeswehr erleichtern."),
    ("it", "L'evento riceverà 3 milioni di visitatori."),
    ("it", "Il sito web dell'azienda è stato ampliato."),
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


def test_a_venture_financing_is_no_grant():
    venture = "Die Firma erhält eine Wachstumsfinanzierung von 30 Millionen Euro."
    grant = "Die Firma erhält eine Förderung von 3 Millionen Euro."
    assert types(venture, "de") == {"investment_round"}
    assert types(grant, "de") == {"funding_award"}


def test_a_french_future_is_a_plan():
    assert only("La jeune pousse recevra une subvention de 1,8 million d'euros.", "fr")[:2] == (
        "funding_award",
        "planned",
    )


@pytest.mark.parametrize(
    ("lang", "sentence"),
    [
        ("en", "The company won a €12m order from the army."),
        ("en", "The company won a EUR 12m order from the army."),
        ("en", "The firm booked a £1.2bn contract."),
    ],
)
def test_amounts_are_read_whole_with_or_without_a_space(lang, sentence):
    assert types(sentence, lang) == {"contract"}
