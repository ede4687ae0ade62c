"""Dates in news text, in Italian, English, French and German."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiera.news import dates as dates_module
from filiera.news.dates import find_dates

REFERENCE = datetime.date(2025, 11, 28)


def dates(text: str, lang: str, reference: datetime.date | None = REFERENCE) -> list[tuple]:
    found = find_dates(text, lang, reference)
    for item in found:
        assert item.kind == "date"
        assert text[item.start : item.end] == item.text
    return [(item.text, item.data) for item in found]


def day(iso: str, **extra: str) -> dict[str, str]:
    return {"date": iso, "precision": "day", **extra}


def year(iso: str, **extra: str) -> dict[str, str]:
    return {"date": iso, "precision": "year", **extra}


def month(iso: str) -> dict[str, str]:
    return {"date": iso, "precision": "month"}


EXAMPLES = [
    (
        "it",
        "Venerdì 28 Novembre 2025\n\nIl 24 novembre è stata ufficialmente lanciata LuxDefence, "
        "un impegno assunto dagli stakeholder industriali nell'estate del 2024.",
        [
            ("28 Novembre 2025", day("2025-11-28")),
            ("24 novembre", day("2025-11-24")),
            ("estate del 2024", year("2024", season="summer")),
        ],
    ),
    (
        "it",
        "Bruxelles, 6 novembre 2025 – Il 1° dicembre si è chiuso il bando; operativo dal 2027, "
        "neutrale entro il 2035, come i Trattati di Roma del 1957. Bilancio 2026.",
        [
            ("6 novembre 2025", day("2025-11-06")),
            ("1° dicembre", day("2024-12-01")),  # the closest before the reference date
            ("2027", year("2027")),
            ("2035", year("2035")),
            ("1957", year("1957")),
            ("2026", year("2026")),  # "Bilancio 2026": a budget's year
        ],
    ),
    (
        "it",
        "Il vertice Nato si è tenuto dal 24 al 26 giugno e a fine 2025 ne arriva un altro; "
        "giugno 2025 resta un mese chiave, 24/11/2025 la firma.",
        [
            ("24 al 26 giugno", day("2025-06-24", end="2025-06-26")),
            ("fine 2025", year("2025")),
            ("giugno 2025", month("2025-06")),
            ("24/11/2025", day("2025-11-24")),
        ],
    ),
    (
        "en",
        "On November 24, 2025 the alliance met; on 3 March it signed. In June 2025 and by "
        "2035, from 2027, the summer of 2024 and by the end of 2026; June 24-26, 2025.",
        [
            ("November 24, 2025", day("2025-11-24")),
            ("3 March", day("2025-03-03")),
            ("June 2025", month("2025-06")),
            ("2035", year("2035")),
            ("2027", year("2027")),
            ("summer of 2024", year("2024", season="summer")),
            ("end of 2026", year("2026")),
            ("June 24-26, 2025", day("2025-06-24", end="2025-06-26")),
        ],
    ),
    (
        "en",
        "Filed 2025-11-24, signed 11/24/2025 and the 24th of November; May 2025 may be late.",
        [
            ("2025-11-24", day("2025-11-24")),
            ("11/24/2025", day("2025-11-24")),
            ("24th of November", day("2025-11-24")),
            ("May 2025", month("2025-05")),
        ],
    ),
    (
        "fr",
        "Le 24 novembre 2025, le cluster a été lancé ; le 1er décembre il recrute, d'ici 2035 "
        "et en 2027, après l'été 2024, du 24 au 26 juin, fin 2025.",
        [
            ("24 novembre 2025", day("2025-11-24")),
            ("1er décembre", day("2024-12-01")),
            ("2035", year("2035")),
            ("2027", year("2027")),
            ("été 2024", year("2024", season="summer")),
            ("24 au 26 juin", day("2025-06-24", end="2025-06-26")),
            ("fin 2025", year("2025")),
        ],
    ),
    (
        "it",
        "Nel primo semestre 2025 i ricavi sono cresciuti, nel Q3 2024 erano calati.",
        [("primo semestre 2025", year("2025")), ("Q3 2024", year("2024"))],
    ),
    (
        "de",
        "Am 24. November 2025 wurde der Verband gegründet, ab 2027 produziert er; vom 24. bis "
        "26. Juni tagte er, am 24.11.2025 unterschrieb er, Ende 2025 und im Jahr 2030; 3. Okt.",
        [
            ("24. November 2025", day("2025-11-24")),
            ("2027", year("2027")),
            ("24. bis 26. Juni", day("2025-06-24", end="2025-06-26")),
            ("24.11.2025", day("2025-11-24")),
            ("Ende 2025", year("2025")),
            ("2030", year("2030")),
            ("3. Okt.", day("2025-10-03")),
        ],
    ),
]


@pytest.mark.parametrize(("lang", "text", "expected"), EXAMPLES)
def test_dates_are_found_and_normalised(lang, text, expected):
    assert dates(text, lang) == expected


def test_a_date_may_start_inside_a_would_be_range():
    assert dates("Rallies on May 1st and the 1st of May.", "en") == [
        ("May 1st", day("2025-05-01")),
        ("1st of May", day("2025-05-01")),
    ]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "In 2000 companies joined, from 2027 on.", [("2027", year("2027"))]),
        ("fr", "Plus de 2000 salariés, à partir de 2027.", [("2027", year("2027"))]),
        ("de", "Für 2000 Mitarbeiter, für 2027 geplant.", [("2027", year("2027"))]),
        ("it", "Nel 2000 aziende e famiglie.", [("2000", year("2000"))]),  # "nel": a year
    ],
)
def test_a_year_like_number_before_a_counted_noun_is_a_count(lang, text, expected):
    assert dates(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("it", "facendo leva su investimenti pubblici (bilancio 2026)", "2026"),
        ("en", "The 2026 budget grew; the 2025 call closed.", "2026 2025"),
        ("fr", "Le budget 2026 et l'exercice 2025.", "2026 2025"),
        ("de", "Der Verteidigungshaushalt 2026 und das Geschäftsjahr 2025.", "2026 2025"),
    ],
)
def test_the_year_of_a_budget_is_a_date(lang, text, expected):
    assert dates(text, lang) == [(iso, year(iso)) for iso in expected.split()]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        (
            "it",
            "il vertice Nato, dal 24 al 26 giugno, preceduti il giorno 12 dall'incontro",
            [
                ("24 al 26 giugno", day("2025-06-24", end="2025-06-26")),
                ("giorno 12", day("2025-06-12")),
            ],
        ),
        (
            "en",
            "They met on June 3, and on the 12th, they signed the 20th contract.",
            [("June 3", day("2025-06-03")), ("the 12th", day("2025-06-12"))],
        ),
        (
            "de",
            "Am 3. Juni tagte der Rat und am 12. stimmte er ab.",
            [("3. Juni", day("2025-06-03")), ("12.", day("2025-06-12"))],
        ),
        (
            "it",
            "Il giorno 12 si vota. A giugno 2025 si è votato.",
            [("giugno 2025", month("2025-06"))],
        ),
    ],
)
def test_a_day_alone_takes_the_month_of_the_date_before_it_in_the_sentence(lang, text, expected):
    assert dates(text, lang) == expected


def test_a_range_across_the_new_year_ends_in_the_next_year():
    assert dates("The fair ran from 30 December to 2 January.", "en") == [
        ("30 December to 2 January", day("2024-12-30", end="2025-01-02"))
    ]
    assert dates("La fiera dal 30 dicembre al 2 gennaio 2026.", "it") == [
        ("30 dicembre al 2 gennaio 2026", day("2025-12-30", end="2026-01-02"))
    ]


def test_a_day_without_a_year_is_the_closest_on_or_before_the_reference():
    reference = datetime.date(2025, 6, 5)
    text = "Il G7 del 5 giugno e il vertice del 6 giugno."
    assert dates(text, "it", reference) == [
        ("5 giugno", day("2025-06-05")),
        ("6 giugno", day("2024-06-06")),
    ]


def test_a_sentence_about_the_future_takes_the_next_such_day():
    reference = datetime.date(2025, 6, 4)
    text = (
        "Da domani cosa cambierà? All'orizzonte il G7 in Canada del 15 e 16 giugno e il "
        "vertice Nato dell'Aia, dal 24 al 26 giugno."
    )
    assert dates(text, "it", reference) == [
        ("domani", day("2025-06-05")),
        ("15 e 16 giugno", day("2025-06-15", end="2025-06-16")),
        ("24 al 26 giugno", day("2025-06-24", end="2025-06-26")),
    ]
    assert dates("The summit will open on 15 June.", "en", reference) == [
        ("15 June", day("2025-06-15"))
    ]
    assert dates("The summit opened on 15 June.", "en", reference) == [
        ("15 June", day("2024-06-15"))
    ]
    assert dates("Die Hauptversammlung findet am 16. Juni statt.", "de", reference) == [
        ("16. Juni", day("2025-06-16"))
    ]


@pytest.mark.parametrize(
    ("lang", "word"),
    [("it", "oggi"), ("en", "today"), ("fr", "aujourd'hui"), ("de", "heute")],
)
def test_today_is_the_reference_date_only_when_there_is_one(lang, word):
    text = f"{word.capitalize()} il vertice."
    assert dates(text, lang) == [(text[: len(word)], day("2025-11-28"))]
    assert dates(text, lang, reference=None) == []


def test_german_morgen_is_tomorrow_but_der_morgen_is_a_morning():
    assert dates("Heute Morgen sprach er, morgen reist er.", "de") == [
        ("Heute", day("2025-11-28")),
        ("morgen", day("2025-11-29")),
    ]


def test_without_a_reference_the_dateline_dates_the_days_without_a_year():
    text = "Il 3 dicembre Rutte ha parlato e il 5 novembre ha risposto.\n\nVarese, 5 novembre 2025"
    assert dates(text, "it", reference=None) == [
        ("3 dicembre", day("2024-12-03")),
        ("5 novembre", day("2025-11-05")),
        ("5 novembre 2025", day("2025-11-05")),
    ]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("it", "Il vertice del Mission 2044 con Leonardo 2 e il G7."),
        ("it", "Chiamate il +39 02 1234 5678; in 10 anni 25.000 addetti, 2026 aziende."),
        ("en", "The budget may grow; troops march 20 miles; Article 5; the 20th anniversary."),
        ("fr", "Le groupe emploie plus de 2000 salariés et 45 % des parts."),
        ("de", "Jeden Freitag kamen 2000 Mitarbeiter, der Morgen war kalt."),
        ("en", "A ratio of 3/4 on 31 February 2025 and 2025/26."),
    ],
)
def test_no_date_in_names_counts_and_numbers(lang, text):
    assert dates(text, lang) == []


# --- dates relative to the reference (publication) date: Friday 28 November 2025 -----------


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "The group said on Tuesday it will build a plant.", [("Tuesday", "2025-11-25")]),
        ("en", "The ministers will meet on Tuesday.", [("Tuesday", "2025-12-02")]),
        ("en", "It opened on Friday, not last Friday.", [
            ("Friday", "2025-11-28"), ("last Friday", "2025-11-21"),
        ]),
        ("en", "Talks resume next Monday.", [("next Monday", "2025-12-01")]),
        ("it", "Lunedì il consorzio ha firmato l'accordo.", [("Lunedì", "2025-11-24")]),
        ("it", "Giovedì il ministro guiderà un incontro.", [("Giovedì", "2025-12-04")]),
        ("it", "Il bando, chiuso martedì scorso, riapre martedì prossimo.", [
            ("martedì scorso", "2025-11-25"), ("martedì prossimo", "2025-12-02"),
        ]),
        ("fr", "Les entreprises ont officiellement lancé lundi le cluster.", [
            ("lundi", "2025-11-24"),
        ]),
        ("fr", "Signé mardi dernier, l'accord entrera en vigueur vendredi prochain.", [
            ("mardi dernier", "2025-11-25"), ("vendredi prochain", "2025-12-05"),
        ]),
        ("de", "Am Montag wurde dort eine Halle eingeweiht.", [("Montag", "2025-11-24")]),
        ("de", "Der Vorstand wird am Donnerstag entscheiden.", [("Donnerstag", "2025-12-04")]),
        ("de", "Am Mittwochabend tagte der Rat. Am kommenden Dienstag stimmt er ab.", [
            ("Mittwochabend", "2025-11-26"), ("kommenden Dienstag", "2025-12-02"),
        ]),
    ],
)  # fmt: skip
def test_a_weekday_is_the_closest_such_day_in_the_direction_of_its_sentence(lang, text, expected):
    assert dates(text, lang) == [(span, day(iso)) for span, iso in expected]


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("it", "Venerdì 28 Novembre 2025", "28 Novembre 2025"),
        ("en", "Signed on Tuesday, November 25, 2025.", "November 25, 2025"),
        ("fr", "Le cluster a été lancé lundi 24 novembre.", "24 novembre"),
        ("de", "Bremen, Montag, 24. November 2025", "24. November 2025"),
    ],
)
def test_a_weekday_before_a_full_date_is_part_of_it(lang, text, expected):
    assert [span for span, _ in dates(text, lang)] == [expected]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Every Monday the Black Friday sales and the Sunday Times."),
        ("it", "Il lunedì è chiuso, il Venerdì Santo pure; ha parlato Domenica Rossi."),
        ("fr", "Le lundi, la mission vers Mars et le mardi gras."),
        ("de", "Jeden Montag, am Ostermontag und montags."),
    ],
)
def test_habits_holidays_and_names_are_not_weekdays_or_months(lang, text):
    assert dates(text, lang) == []


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "The order was placed in March; the show opened in November.", [
            ("March", "2025-03"), ("November", "2025-11"),
        ]),
        ("en", "The prototype will fly in January, by mid-February.", [
            ("January", "2026-01"), ("February", "2026-02"),
        ]),
        ("en", "It was founded in March last year.", [("March last year", "2024-03")]),
        ("it", "La rete costituita a gennaio, a fine giugno e lo scorso marzo.", [
            ("gennaio", "2025-01"), ("giugno", "2025-06"), ("lo scorso marzo", "2025-03"),
        ]),
        ("it", "Il salone, in programma a dicembre, e a marzo dell'anno scorso.", [
            ("dicembre", "2025-12"), ("marzo dell'anno scorso", "2024-03"),
        ]),
        ("fr", "Il a passé commande en mars ; l'usine ouvrira en février.", [
            ("mars", "2025-03"), ("février", "2026-02"),
        ]),
        ("fr", "Signé en octobre dernier, livré en juin de l'année prochaine.", [
            ("octobre dernier", "2025-10"), ("juin de l'année prochaine", "2026-06"),
        ]),
        ("de", "Gezeigt werden sollen die Systeme erstmals im Juni.", [("Juni", "2026-06")]),
        ("de", "Seit Oktober, Ende Januar und im März vergangenen Jahres.", [
            ("Oktober", "2025-10"), ("Januar", "2025-01"), ("März vergangenen Jahres", "2024-03"),
        ]),
    ],
)  # fmt: skip
def test_a_month_alone_is_the_closest_such_month_in_the_direction_of_its_sentence(
    lang, text, expected
):
    assert dates(text, lang) == [(span, month(iso)) for span, iso in expected]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "May I ask? March is long; April Jones spoke; the March summit."),
        ("it", "Marzo e aprile sono mesi di lavoro."),
        ("fr", "Avril et mai sont des mois chargés."),
        ("de", "Juni und Juli sind Sommermonate."),
    ],
)
def test_a_month_without_a_word_that_dates_it_is_not_a_date(lang, text):
    assert dates(text, lang) == []


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "Last year, this year and next year; last month and next month.", [
            ("Last year", year("2024")), ("this year", year("2025")), ("next year", year("2026")),
            ("last month", month("2025-10")), ("next month", month("2025-12")),
        ]),
        ("it", "Lo scorso anno, quest'anno, l'anno prossimo e il mese scorso.", [
            ("Lo scorso anno", year("2024")), ("quest'anno", year("2025")),
            ("l'anno prossimo", year("2026")), ("il mese scorso", month("2025-10")),
        ]),
        ("fr", "L'an dernier, cette année, l'année prochaine et le mois dernier.", [
            ("L'an dernier", year("2024")), ("cette année", year("2025")),
            ("l'année prochaine", year("2026")), ("le mois dernier", month("2025-10")),
        ]),
        ("de", "Im vergangenen Jahr, in diesem Jahr, nächstes Jahr und letzten Monat.", [
            ("vergangenen Jahr", year("2024")), ("diesem Jahr", year("2025")),
            ("nächstes Jahr", year("2026")), ("letzten Monat", month("2025-10")),
        ]),
    ],
)  # fmt: skip
def test_last_year_and_next_month_are_the_reference_year_and_month_moved(lang, text, expected):
    assert dates(text, lang) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Over the last year and in the next month."),
        ("fr", "Cette année-là, les ventes ont doublé."),
        ("de", "In den vergangenen Jahren und im Jahrzehnt."),
    ],
)
def test_a_stretch_of_time_is_not_a_calendar_year_or_month(lang, text):
    assert dates(text, lang) == []


def test_months_across_the_new_year():
    reference = datetime.date(2026, 1, 14)
    assert dates("Last month and next month; it will open in December.", "en", reference) == [
        ("Last month", month("2025-12")),
        ("next month", month("2026-02")),
        ("December", month("2026-12")),
    ]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "On Tuesday, in March and last year."),
        ("it", "Lunedì, a giugno e lo scorso anno."),
        ("fr", "Lundi, en mars et l'an dernier."),
        ("de", "Am Montag, im Juni und im vergangenen Jahr."),
    ],
)
def test_without_a_reference_relative_dates_are_not_reported(lang, text):
    assert dates(text, lang, reference=None) == []


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("it", "Il bando 2024 del Fondo europeo per la difesa.", "2024"),
        ("en", "Orders came as early as 2024.", "2024"),
        ("fr", "Les lauréats de l'appel à projets 2024.", "2024"),
        ("de", "Bereits 2024 hatte das Unternehmen eine Förderung erhalten.", "2024"),
    ],
)
def test_a_year_after_already_or_a_call_for_proposals_is_a_date(lang, text, expected):
    assert dates(text, lang) == [(expected, year(expected))]


def test_already_before_a_counted_noun_is_a_count():
    assert dates("Bereits 2000 Mitarbeiter arbeiten dort.", "de") == []


# --- invariants and speed ------------------------------------------------------------------

MONTH_NAMES = {
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre "
    "novembre dicembre",
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}


def written(when: datetime.date, lang: str) -> str:
    name = MONTH_NAMES[lang].split()[when.month - 1]
    if lang == "en":
        return f"{name} {when.day}, {when.year}"
    if lang == "de":
        return f"{when.day}. {name} {when.year}"
    return f"{when.day} {name} {when.year}"


@settings(max_examples=60, deadline=None)
@given(
    when=st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2090, 12, 31)),
    lang=st.sampled_from(sorted(MONTH_NAMES)),
)
def test_a_full_date_in_the_language_style_reads_back_equal(when, lang):
    phrase = written(when, lang)
    assert dates(f"Firmato il {phrase}.", lang) == [(phrase, day(when.isoformat()))]


def test_a_long_article_reads_each_date_phrase_once(monkeypatch):
    """Articles repeat their dates: dateparser (the slow part) reads each phrase once, so a
    10 KB article costs a few parses, not one per mention (no timing: a count of calls)."""
    paragraph = (
        "Il 24 novembre 2025 LuxDefence, che riunisce oltre 80 aziende, ha annunciato 1,2 "
        "miliardi di euro di investimenti entro il 2035; dal 24 al 26 giugno il vertice. "
    )
    repeats = 10_000 // len(paragraph)
    article = paragraph * repeats
    calls = []
    real_parse = dates_module.dateparser.parse

    def counting_parse(*args, **kwargs):
        calls.append(args[0])
        return real_parse(*args, **kwargs)

    dates_module._parse.cache_clear()
    monkeypatch.setattr(dates_module.dateparser, "parse", counting_parse)
    found = find_dates(article, "it", REFERENCE)
    assert len(found) >= 2 * repeats  # every mention is found...
    assert 0 < len(calls) <= 4  # ...from a handful of parses
    assert len(set(calls)) == len(calls)
