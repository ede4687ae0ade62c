"""Money and counted quantities in news text, in Italian, English, French and German."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.news.found import Found
from filiera.news.numbers import find_money, find_quantities
from filiera.news.numerals import read_number


def spans_match(text: str, found: list[Found]) -> None:
    for item in found:
        assert text[item.start : item.end] == item.text


def money(text: str, lang: str) -> list[tuple[str, float, str]]:
    found = find_money(text, lang)
    spans_match(text, found)
    assert all(item.kind == "money" for item in found)
    return [(item.text, item.data["amount"], item.data["currency"]) for item in found]


def quantities(text: str, lang: str) -> list[tuple[str, float, str, str | None]]:
    found = find_quantities(text, lang)
    spans_match(text, found)
    assert all(item.kind == "quantity" for item in found)
    return [
        (item.text, item.data["value"], item.data["unit"], item.data["qualifier"]) for item in found
    ]


# --- reading numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "lang", "value"),
    [
        ("1.200", "it", 1200),
        ("1.200", "en", 1.2),
        ("1,200", "en", 1200),
        ("1,200", "it", 1.2),
        ("6.5", "it", 6.5),  # one digit after the dot: a decimal whatever the language
        ("6,5", "en", 6.5),
        ("1.234.567", "en", 1234567),
        ("1,234,567", "de", 1234567),
        ("1.234,5", "en", 1234.5),  # both separators: the last one is the decimal
        ("1,234.5", "de", 1234.5),
        ("1 200 000", "fr", 1200000),
        ("1\u202f200\u202f000,5", "fr", 1200000.5),
        ("1'200'000", "de", 1200000),
        ("12345,678", "en", 12345.678),  # a thousands group has at most three digits before
        ("25.000", "de", 25000),
    ],
)
def test_read_number_follows_the_language_only_when_ambiguous(token, lang, value):
    assert read_number(token, lang) == value


# --- money -------------------------------------------------------------------------------

MONEY = [
    (
        "it",
        "facendo leva su 1,2 miliardi di euro di investimenti pubblici (bilancio 2026)",
        [("1,2 miliardi di euro", 1.2e9, "EUR")],
    ),
    (
        "it",
        "un colosso da 6,5 miliardi di euro di fatturato e 25.000 addetti, operativo dal 2027",
        [("6,5 miliardi di euro", 6.5e9, "EUR")],
    ),
    ("it", "Il gruppo vale €6.5bn secondo gli analisti.", [("€6.5bn", 6.5e9, "EUR")]),
    ("it", "Un contributo di 10 mila euro e premi da 100.000 euro.", [
        ("10 mila euro", 1e4, "EUR"), ("100.000 euro", 1e5, "EUR"),
    ]),
    ("it", "Un ordine da 2,5 mln di euro e uno da 3 mld €.", [
        ("2,5 mln di euro", 2.5e6, "EUR"), ("3 mld €", 3e9, "EUR"),
    ]),
    ("it", "Il piano vale un miliardo di euro, mezzo miliardo di dollari subito.", [
        ("un miliardo di euro", 1e9, "EUR"), ("mezzo miliardo di dollari", 5e8, "USD"),
    ]),
    ("de", "Der Auftrag hat einen Wert von € 6,5 Mrd. und 500 Millionen Euro Vorschuss.", [
        ("€ 6,5 Mrd.", 6.5e9, "EUR"), ("500 Millionen Euro", 5e8, "EUR"),
    ]),
    ("de", "Die Förderung beträgt 2 Mio. € pro Jahr, der Bund gibt CHF 40 Mio. dazu.", [
        ("2 Mio. €", 2e6, "EUR"), ("CHF 40 Mio.", 4e7, "CHF"),
    ]),
    ("de", "Rheinmetall investiert 3,5 Mrd. US-Dollar und eine Milliarde Euro.", [
        ("3,5 Mrd. US-Dollar", 3.5e9, "USD"), ("eine Milliarde Euro", 1e9, "EUR"),
    ]),
    ("en", "The EIB lent EUR 22.5 million, while the US pledged $3 billion.", [
        ("EUR 22.5 million", 2.25e7, "EUR"), ("$3 billion", 3e9, "USD"),
    ]),
    ("en", "Orders worth USD 1.5bn and £200m were signed.", [
        ("USD 1.5bn", 1.5e9, "USD"), ("£200m", 2e8, "GBP"),
    ]),
    ("en", "The fund holds 1.2 billion euros; a further €1.2 billion follows.", [
        ("1.2 billion euros", 1.2e9, "EUR"), ("€1.2 billion", 1.2e9, "EUR"),
    ]),
    ("en", "A $1.2-billion deal, with options of $1.2bn-$1.5bn.", [
        ("$1.2-billion", 1.2e9, "USD"), ("$1.2bn", 1.2e9, "USD"), ("$1.5bn", 1.5e9, "USD"),
    ]),
    ("en", "It costs 1,200 euros per unit and half a billion dollars in all.", [
        ("1,200 euros", 1200, "EUR"), ("half a billion dollars", 5e8, "USD"),
    ]),
    ("fr", "Le projet reçoit 22,5 millions d'euros et 1,2 milliard d'euros de prêts.", [
        ("22,5 millions d'euros", 2.25e7, "EUR"), ("1,2 milliard d'euros", 1.2e9, "EUR"),
    ]),
    ("fr", "Un budget de 1 200 000 € et de 1\u202f500\u202f000 € en 2026.", [
        ("1 200 000 €", 1.2e6, "EUR"), ("1\u202f500\u202f000 €", 1.5e6, "EUR"),
    ]),
    ("fr", "Thales annonce 500 M€ puis 1,2 Md€ et deux milliards de dollars.", [
        ("500 M€", 5e8, "EUR"), ("1,2 Md€", 1.2e9, "EUR"),
        ("deux milliards de dollars", 2e9, "USD"),
    ]),
    ("fr", "La dette atteint 3 billions d'euros.", [("3 billions d'euros", 3e12, "EUR")]),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "expected"), MONEY)
def test_money_amounts_and_currencies(lang, text, expected):
    assert money(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Il bilancio 2026 prevede investimenti per 1,2 miliardi."),  # no currency
        ("it", "Chiamate il +39 02 1234 5678 o scrivete a Leonardo 2."),
        ("it", "Operativo dal 2027, con 80 aziende europee."),
        ("en", "A 500 pounds bomb and a 2026 budget."),  # pounds of weight
        ("de", "Mehr als 80 Unternehmen und 3 Millionen Menschen."),
    ],
)
def test_numbers_without_a_currency_are_not_money(lang, text):
    assert money(text, lang) == []


def test_millions_without_a_currency_take_the_currency_of_the_amount_before_them():
    text = (
        "Ricavi per 13,4 miliardi di euro, utile a 1,2 miliardi (+5%). Servono 1,5 milioni "
        "di persone e 2 milioni di visualizzazioni.\n\nNel 2024 3 miliardi."
    )
    assert money(text, "it") == [
        ("13,4 miliardi di euro", 1.34e10, "EUR"),
        ("1,2 miliardi", 1.2e9, "EUR"),
    ]
    assert money("A £1.2bn order, then 2 million people and 300 million in 2026.", "en") == [
        ("£1.2bn", 1.2e9, "GBP"),
        ("300 million", 3e8, "GBP"),
    ]


def test_a_sentence_end_is_not_part_of_an_english_abbreviation():
    assert money("Revenue grew to €1.5bn. Then CHF 40 Mio. came.", "en") == [
        ("€1.5bn", 1.5e9, "EUR"),
        ("CHF 40 Mio.", 4e7, "CHF"),
    ]


# --- quantities --------------------------------------------------------------------------

QUANTITIES = [
    (
        "it",
        "LuxDefence, l'Associazione che riunisce oltre 80 aziende per rafforzare le capacità",
        [("oltre 80 aziende", 80, "companies", "more than")],
    ),
    (
        "it",
        "un colosso da 6,5 miliardi di euro di fatturato e 25.000 addetti, operativo dal 2027, "
        "in cui confluiranno le attività spaziali dei tre gruppi",
        [("25.000 addetti", 25000, "employees", None), ("tre gruppi", 3, "companies", None)],
    ),
    (
        "it",
        "incontri tra aziende e centri di ricerca delle due regioni; circa il 30% in 10 anni",
        [
            ("due regioni", 2, "regions", None),
            ("circa il 30%", 30, "percent", "about"),
            ("10 anni", 10, "years", None),
        ],
    ),
    (
        "it",
        "fino a 3 nuove linee di produzione, 1,5 milioni di persone, più di 200 dipendenti, "
        "oltre l'80% delle imprese e il 5 per cento dei lavoratori",
        [
            ("fino a 3 nuove linee di produzione", 3, "production lines", "up to"),
            ("1,5 milioni di persone", 1.5e6, "people", None),
            ("più di 200 dipendenti", 200, "employees", "more than"),
            ("oltre l'80%", 80, "percent", "more than"),
            ("5 per cento", 5, "percent", None),
        ],
    ),
    (
        "it",
        "Consegnati 12 satelliti, 3 stabilimenti e 27 Stati membri coinvolti; 15 brevetti.",
        [
            ("12 satelliti", 12, "satellites", None),
            ("3 stabilimenti", 3, "plants", None),
            ("27 Stati membri", 27, "countries", None),
            ("15 brevetti", 15, "patents", None),
        ],
    ),
    (
        "de",
        "Rheinmetall will rund 200.000 Artilleriegeschosse pro Jahr herstellen und dafür 500 "
        "neue Mitarbeiter einstellen; über 80 Unternehmen liefern zu, etwa 3 Prozent mehr.",
        [
            ("rund 200.000 Artilleriegeschosse", 200000, "shells", "about"),
            ("500 neue Mitarbeiter", 500, "employees", None),
            ("über 80 Unternehmen", 80, "companies", "more than"),
            ("etwa 3 Prozent", 3, "percent", "about"),
        ],
    ),
    (
        "de",
        "In zwei Regionen arbeiten bis zu 1.500 Beschäftigte an 200 Leopard-Panzer, 40 "
        "Rüstungsfirmen und 12.000 Granaten; in 1.200 Tonnen Stahl.",
        [
            ("zwei Regionen", 2, "regions", None),
            ("bis zu 1.500 Beschäftigte", 1500, "employees", "up to"),
            ("200 Leopard-Panzer", 200, "tanks", None),
            ("40 Rüstungsfirmen", 40, "companies", None),
            ("12.000 Granaten", 12000, "shells", None),
            ("1.200 Tonnen", 1200, "tonnes", None),
        ],
    ),
    (
        "de",
        "Der Verband hat 350 Mitglieder und beschäftigt Rheinmetall 2.000 Mitarbeiter.",
        [
            ("350 Mitglieder", 350, "members", None),
            ("2.000 Mitarbeiter", 2000, "employees", None),
        ],
    ),
    (
        "fr",
        "Le site produit 1 200 tonnes de poudre, emploie plus de 300 salariés et environ "
        "2 000 emplois indirects, jusqu'à 15 000 obus par mois, soit 5 % de plus.",
        [
            ("1 200 tonnes", 1200, "tonnes", None),
            ("plus de 300 salariés", 300, "employees", "more than"),
            ("environ 2 000 emplois", 2000, "jobs", "about"),
            ("jusqu'à 15 000 obus", 15000, "shells", "up to"),
            ("5 %", 5, "percent", None),
        ],
    ),
    (
        "fr",
        "Le cluster réunit 120 membres, 45 entreprises, deux régions et trois lignes de "
        "production, près de 30 pour cent du marché.",
        [
            ("120 membres", 120, "members", None),
            ("45 entreprises", 45, "companies", None),
            ("deux régions", 2, "regions", None),
            ("trois lignes de production", 3, "production lines", None),
            ("près de 30 pour cent", 30, "percent", "almost"),
        ],
    ),
    (
        "en",
        "More than 1,000 new jobs on 3 production lines, about 500 skilled workers, up to 20 "
        "percent more rounds and 40 start-ups among 27 member states.",
        [
            ("More than 1,000 new jobs", 1000, "jobs", "more than"),
            ("3 production lines", 3, "production lines", None),
            ("about 500 skilled workers", 500, "employees", "about"),
            ("up to 20 percent", 20, "percent", "up to"),
            ("40 start-ups", 40, "start-ups", None),
            ("27 member states", 27, "countries", None),
        ],
    ),
    (
        "en",
        "The cluster's 150 members include two firms with 2,500 staff and 1.5 million shells.",
        [
            ("150 members", 150, "members", None),
            ("two firms", 2, "companies", None),
            ("2,500 staff", 2500, "employees", None),
            ("1.5 million shells", 1.5e6, "shells", None),
        ],
    ),
]


@pytest.mark.parametrize(("lang", "text", "expected"), QUANTITIES)
def test_quantities_values_units_and_qualifiers(lang, text, expected):
    assert quantities(text, lang) == expected


def test_names_and_adjectives_may_stand_between_a_number_and_its_noun():
    assert quantities("Deliveries of 12 Eurofighter jets and 4 new Italian frigates.", "en") == [
        ("12 Eurofighter jets", 12, "aircraft", None),
        ("4 new Italian frigates", 4, "frigates", None),
    ]


def test_german_nouns_count_in_the_dative_plural():
    assert quantities("mit über 1.000 Ausstellern aus 30 Ländern", "de") == [
        ("über 1.000 Ausstellern", 1000, "participants", "more than"),
        ("30 Ländern", 30, "countries", None),
    ]


def test_a_minus_glued_to_a_percentage_makes_it_negative():
    assert quantities("Export -3% (−0,5% in Europa), utili +5,2%, ricavi 2-3%.", "it") == [
        ("-3%", -3, "percent", None),
        ("−0,5%", -0.5, "percent", None),
        ("5,2%", 5.2, "percent", None),
    ]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Il consorzio conta 15 clienti e produce 200 motori l'anno."),
        ("en", "The company has 15 customers and 18 winners."),
        ("fr", "KNDS a commandé 12 000 douilles ; 18 lauréats sont retenus."),
        ("de", "Die 12 Kandidaten kamen mit 300 Bauteilen."),
    ],
)
def test_a_noun_outside_the_lexicon_is_not_counted(lang, text):
    assert quantities(text, lang) == []


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("it", "Hanno aderito quindici aziende e venti fornitori.", [
            ("quindici aziende", 15, "companies", None), ("venti fornitori", 20, "suppliers", None),
        ]),
        ("en", "Thirteen countries and fifty engineers.", [
            ("Thirteen countries", 13, "countries", None),
            ("fifty engineers", 50, "engineers", None),
        ]),
        ("fr", "Dix-sept entreprises et quarante salariés.", [
            ("Dix-sept entreprises", 17, "companies", None),
            ("quarante salariés", 40, "employees", None),
        ]),
        ("de", "Vierzehn Unternehmen und dreißig Mitarbeiter.", [
            ("Vierzehn Unternehmen", 14, "companies", None),
            ("dreißig Mitarbeiter", 30, "employees", None),
        ]),
    ],
)  # fmt: skip
def test_cardinal_words_up_to_fifty_count(lang, text, expected):
    assert quantities(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("de", "Vierzehn Raumfahrt- und Verteidigungsunternehmen aus Norddeutschland", [
            ("Vierzehn Raumfahrt- und Verteidigungsunternehmen", 14, "companies", None),
        ]),
        ("en", "It gathers 14 aerospace and defence companies.", [
            ("14 aerospace and defence companies", 14, "companies", None),
        ]),
        ("fr", "Le pôle réunit 30 grandes et petites entreprises.", [
            ("30 grandes et petites entreprises", 30, "companies", None),
        ]),
        ("it", "Il distretto conta 25 piccole e medie aziende.", [
            ("25 piccole e medie aziende", 25, "companies", None),
        ]),
    ],
)  # fmt: skip
def test_two_modifiers_joined_by_and_stand_before_the_noun(lang, text, expected):
    assert quantities(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Il 24 novembre è stata lanciata; operativo dal 2027, entro il 2035."),
        ("it", "facendo leva su 1,2 miliardi di euro (bilancio 2026) e €6.5bn"),
        ("en", "The 2026 budget grew in 2027 by €1.5bn."),
        ("it", "Si è riunito oggi il vertice del Mission 2044 con Leonardo 2 e Industria 5.0."),
        ("it", "Chiamate il +39 02 1234 5678 oppure lo 0341 123456 aziende."),
        ("it", "1. Aziende partecipanti\n2) Programma\n3. Contatti"),
        ("it", "l'apertura di decine di nuove linee di produzione e migliaia di soldati"),
        ("en", "dozens of production lines; a 10-year plan; 155mm shells; F-35 jets; G7 talks"),
        ("de", "Dutzende Unternehmen, 3D-Drucker und 155-mm-Munition"),
        ("fr", "des dizaines d'entreprises, l'article 5 et le n° 3 ; Tel. 06 12 34 56 78"),
        ("it", "tra 10-15 aziende, alle ore 10:30 del 24/11/2025"),
        ("en", "One company, and Article 5 of the treaty."),
        ("en", "A ticket costs 500 euros, or 550 dollars."),
        ("fr", "Le billet coûte 500 euros ou 550 dollars."),
        ("en", "The Leonardo 2 systems were retired; the Eurofighter 2 prevails."),
    ],
)
def test_no_quantity_in_dates_money_names_phones_lists_and_vague_counts(lang, text):
    assert quantities(text, lang) == []


def test_a_year_is_a_count_only_before_a_counted_noun():
    assert quantities("Nel 2024 2000 aziende hanno aderito.", "it") == [
        ("2000 aziende", 2000, "companies", None)
    ]
    assert quantities("plus de 2000 salariés", "fr") == [
        ("plus de 2000 salariés", 2000, "employees", "more than")
    ]


# --- invariants --------------------------------------------------------------------------

STYLES = {"it": (".", ","), "de": (".", ","), "fr": ("\u202f", ","), "en": (",", ".")}
CURRENCY_AFTER = {"it": " euro", "de": " Euro", "fr": " €", "en": " euros"}


def written(amount: Decimal, lang: str) -> str:
    """`amount` as an article in `lang` writes it (thousands groups, decimal separator)."""
    thousands, decimal = STYLES[lang]
    whole, _, fraction = f"{amount:f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    number = thousands.join(groups)
    return f"{number}{decimal}{fraction}" if fraction else number


amounts = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False).map(
    lambda d: d.normalize() if d == d.to_integral() else d
)


@settings(max_examples=150, deadline=None)
@given(amount=amounts, lang=st.sampled_from(sorted(STYLES)), before=st.booleans())
def test_an_amount_in_the_language_style_reads_back_equal(amount, lang, before):
    number = written(amount, lang)
    phrase = f"€{number}" if before else f"{number}{CURRENCY_AFTER[lang]}"
    text = f"Il contratto vale {phrase} secondo il ministero."
    assert money(text, lang) == [(phrase, float(amount), "EUR")]


@settings(max_examples=100, deadline=None)
@given(
    count=st.integers(min_value=2, max_value=9_999_999),
    lang=st.sampled_from(sorted(STYLES)),
)
def test_a_count_in_the_language_style_reads_back_equal(count, lang):
    noun = {"it": "aziende", "de": "Unternehmen", "fr": "entreprises", "en": "companies"}[lang]
    phrase = f"{written(Decimal(count), lang)} {noun}"
    assert quantities(f"Ci sono {phrase} qui.", lang) == [(phrase, count, "companies", None)]
