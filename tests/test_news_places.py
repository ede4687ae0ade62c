"""Places and nationalities in news text (it, en, fr, de): news.places."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from filiera.news.demonyms import demonym_table, inflections
from filiera.news.found import Found
from filiera.news.place_data import (
    DICTIONARIES,
    WORD_LISTS,
    build,
    clean_city,
    curated,
    edf_cities,
    generated,
    key_of,
    nuts_names,
)
from filiera.news.place_index import spellings
from filiera.news.places import country_of_demonym, find_places
from filiera.registry.places import EXONYMS

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FILIERA_SHARED_DATA", ROOT.parent / "shared" / "data"))
SEEDS = Path(os.environ.get("FILIERA_NEWS_SEEDS", ROOT.parent / "shared" / "seeds"))


def shared_file(path: Path) -> Path:
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} missing under CI=true", pytrace=False)
        pytest.skip(f"{path} not found (shared data)")
    return path


def seed(prefix: str) -> str:
    paths = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    return shared_file(paths[0] if paths else SEEDS / f"{prefix}.txt").read_text("utf-8")


def places(text: str, lang: str) -> list[tuple[str, str, str | None, str | None]]:
    return [
        (f.text, f.data["name"], f.data["country"], f.data["region"])
        for f in find_places(text, lang)
    ]


def spans(text: str, lang: str) -> list[str]:
    return [f.text for f in find_places(text, lang)]


# --- countries, regions, cities ---------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "text", "span", "country"),
    [
        ("it", "Le capacità di difesa del Lussemburgo crescono.", "Lussemburgo", "LU"),
        ("it", "Il Lussemburgo vanta un ecosistema spaziale.", "Lussemburgo", "LU"),
        ("it", "Ora è prioritario lavorare con la Germania.", "Germania", "DE"),
        ("it", "Il vertice Nato si terrà nei Paesi Bassi a giugno.", "Paesi Bassi", "NL"),
        ("it", "Accordo tra gli Stati Uniti e la Corea del Sud.", "Stati Uniti", "US"),
        ("it", "Le esportazioni verso gli Usa sono cresciute.", "Usa", "US"),
        ("en", "Germany and the Netherlands signed the deal.", "Germany", "DE"),
        ("en", "Italy's defence budget grows.", "Italy", "IT"),
        ("en", "The UK will buy more shells.", "UK", "GB"),
        ("fr", "La coopération avec l'Allemagne se renforce.", "Allemagne", "DE"),
        ("fr", "Les États-Unis et le Royaume-Uni ont signé.", "États-Unis", "US"),
        ("fr", "Le Luxembourg investit dans l'espace.", "Luxembourg", "LU"),
        ("de", "Deutschland erhöht die Ausgaben.", "Deutschland", "DE"),
        ("de", "In den Niederlanden wird produziert.", "Niederlanden", "NL"),
        ("de", "Deutschlands Rüstungsindustrie wächst.", "Deutschlands", "DE"),
        ("de", "Lieferungen aus der Schweiz und der Türkei.", "Schweiz", "CH"),
        ("de", "Ein Werk in den Vereinigten Staaten.", "Vereinigten Staaten", "US"),
    ],
)
def test_countries_in_four_languages_with_articles_and_inflections(lang, text, span, country):
    found = {f.text: f.data["country"] for f in find_places(text, lang)}
    assert found.get(span) == country, found
    assert all(not s.startswith(("il ", "la ", "l'", "den ", "der ")) for s in found)


def test_a_country_has_its_english_name_and_no_region():
    assert places("Il Lussemburgo e la Germania.", "it") == [
        ("Lussemburgo", "Luxembourg", "LU", None),
        ("Germania", "Germany", "DE", None),
    ]


def test_regions_of_italy_have_their_nuts_codes_and_nord_ovest_is_no_place():
    text = (
        "Progetti che coinvolgono Lombardia, Piemonte e Liguria; un ecosistema del Nord-Ovest "
        "italiano, dal Sud alle Isole."
    )
    assert places(text, "it") == [
        ("Lombardia", "Lombardy", "IT", "ITC4"),
        ("Piemonte", "Piedmont", "IT", "ITC1"),
        ("Liguria", "Liguria", "IT", "ITC3"),
    ]


@pytest.mark.parametrize(
    ("lang", "text", "name", "country", "region"),
    [
        ("it", "Si è riunito oggi a Berlino il vertice.", "Berlin", "DE", "DE300"),
        ("it", "Il Forum imprenditoriale di Brescia.", "Brescia", "IT", "ITC47"),
        ("en", "A new plant near Turin opened.", "Turin", "IT", "ITC11"),
        ("it", "La sede di Torino.", "Turin", "IT", "ITC11"),
        ("de", "Der Standort in München wächst.", "Munich", "DE", "DE212"),
        ("it", "La fiera di Monaco di Baviera.", "Munich", "DE", "DE212"),
        ("fr", "Le salon se tient à Bruxelles.", "Brussels", "BE", "BE100"),
        ("de", "Ein Werk in Frankfurt am Main.", "Frankfurt", "DE", "DE712"),
        ("it", "Intervenendo al Forum di Bucarest.", "Bucharest", "RO", "RO321"),
        ("it", "Relazioni con Pechino e Seul.", "Beijing", "CN", None),
        ("it", "Il Forum di Nuova Delhi.", "New Delhi", "IN", None),
    ],
)
def test_a_city_gives_its_country_and_its_nuts_region(lang, text, name, country, region):
    assert (name, country, region) in [(p[1], p[2], p[3]) for p in places(text, lang)]


def test_the_longest_spelling_wins_and_each_span_is_returned_once():
    text = "Da Frankfurt am Main a Corea del Sud, poi Repubblica Ceca e Paesi Bassi."
    found = find_places(text, "it")
    assert [f.text for f in found] == [
        "Frankfurt am Main",
        "Corea del Sud",
        "Repubblica Ceca",
        "Paesi Bassi",
    ]
    assert len({(f.start, f.end) for f in found}) == len(found)
    assert all(text[f.start : f.end] == f.text and f.kind == "place" for f in found)


def test_the_hague_after_an_elided_article():
    assert places("Il vertice Nato dell’Aia, nei Paesi Bassi.", "it")[0] == (
        "Aia",
        "The Hague",
        "NL",
        None,
    )


# --- false positives --------------------------------------------------------------------


def test_only_capitalised_spans_are_places():
    assert spans("la germania e la francia, in italia", "it") == []


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Nice to see the new plant."),
        ("en", "Tours of the plant start at noon."),
        ("en", "The delegation arrived in March."),
        ("en", "Bar owners and Wells Fargo agreed."),
        ("en", "Reading the report, they agreed."),
        ("de", "Essen ist wichtig für die Soldaten."),
        ("de", "Die Halle wurde gebaut."),
        ("it", "Porto di Genova"),
    ],
)
def test_place_names_that_are_ordinary_words_need_context(lang, text):
    assert "Nice" not in spans(text, lang)
    assert not {"Tours", "March", "Bar", "Wells", "Reading", "Essen", "Halle", "Porto"} & set(
        spans(text, lang)
    )


@pytest.mark.parametrize(
    ("lang", "text", "span"),
    [
        ("fr", "Le salon se tient à Tours, près de Nice.", "Tours"),
        ("fr", "Le salon se tient à Tours, près de Nice.", "Nice"),
        ("de", "Die Firma aus Halle liefert nach Frankreich.", "Halle"),
        ("de", "Ein Standort in Essen.", "Essen"),
        ("en", "The officials met in Nice.", "Nice"),
    ],
)
def test_a_locative_preposition_makes_an_ordinary_word_a_place(lang, text, span):
    assert span in spans(text, lang)


def test_names_next_to_other_capitalised_names_are_people_not_places():
    text = "Gaetano Martino e Florence Parly hanno parlato a Firenze con Sofia Goggia."
    assert places(text, "it") == [("Firenze", "Florence", "IT", "ITI14")]


def test_small_places_are_not_read_at_the_start_of_a_sentence_unless_in_a_dateline():
    assert spans("Varese, 5 novembre 2025", "it") == ["Varese"]
    assert spans("BRUXELLES, 6 novembre 2025 – Il segretario", "it") == ["BRUXELLES"]
    assert spans("Nice is a city on the coast.", "en") == []


def test_a_small_place_written_in_lower_case_elsewhere_is_a_word():
    assert spans("Gli investimenti a Prato crescono.", "it") == ["Prato"]
    assert spans("Il prato è verde. Gli investimenti a Prato crescono.", "it") == []


def test_acronyms_count_only_in_capitals():
    assert spans("The US and the USA met us.", "en") == ["US", "USA"]
    assert spans("Us and them.", "en") == []


def test_seed_articles_places_by_eye():
    assert set(places(seed("003"), "it")) == {
        ("Lombardia", "Lombardy", "IT", "ITC4"),
        ("Piemonte", "Piedmont", "IT", "ITC1"),
        ("Liguria", "Liguria", "IT", "ITC3"),
        ("Italia", "Italy", "IT", None),
        ("Europa", "Europe", None, None),
        ("Varese", "Varese", "IT", "ITC41"),
    }
    assert {p[1] for p in places(seed("002"), "it")} == {
        "Brussels",
        "Russia",
        "Bucharest",
        "Moscow",
    }
    names = {p[1] for p in places(seed("001"), "it")}
    assert {"Berlin", "Rome", "Seoul", "Washington", "The Hague", "Netherlands"} <= names
    assert {"Brescia", "New Delhi", "Messina", "Canada", "Germany", "Transnistria"} <= names
    people = {"Markus Federle", "Alessio Lorusso", "Mark Rutte", "Benedetto", "Martino"}
    assert not {p[0] for p in places(seed("001"), "it")} & people
    assert {p[2] for p in places(seed("000"), "it")} == {"LU"}


# --- data -------------------------------------------------------------------------------


def test_every_hand_written_region_is_a_nuts_region_of_its_country():
    regions = {n.code: n.country for n in nuts_names()}
    for entry in curated()["places"]:
        if entry.get("region"):
            assert regions[entry["region"]] == entry["country"], entry


def test_every_registry_exonym_has_an_english_name():
    english = {p.place.name for p in spellings().values()}
    for local, others in EXONYMS.items():
        spelling = spellings().get(local) or next(
            spellings()[o] for o in others if o in spellings()
        )
        assert spelling.place.name in english and spelling.place.country, local


def test_nuts_names_split_bilingual_labels_and_drop_noise():
    forms = {(n.form, n.code) for n in nuts_names()}
    assert ("München", "DE212") in forms
    assert ("Bern", "CH021") in forms and ("Berne", "CH021") in forms
    assert ("Bolzano", "ITH1") in forms and ("Bozen", "ITH1") in forms
    assert not any("Kreisfreie" in form or "Stadtkreis" in form for form, _ in forms)


def test_built_city_table_matches_the_edf_participants():
    companies = json.loads(shared_file(SHARED / "edf" / "companies.json").read_text("utf-8"))
    assert edf_cities(companies) == generated()["cities"]
    assert generated()["cities"][key_of(clean_city("GENOVA GE"))] == ["IT", "Genova"]


def test_built_word_flags_match_the_word_lists():
    lists = {lang: WORD_LISTS / name for lang, name in DICTIONARIES.items()}
    if not all(path.exists() for path in lists.values()):
        pytest.skip(
            "Debian word lists absent (apt-get install witalian wamerican wfrench wngerman)"
        )
    companies = json.loads(shared_file(SHARED / "edf" / "companies.json").read_text("utf-8"))
    built = build(companies, lists)
    assert built["common_words"] == generated()["common_words"]
    assert "nice" in built["common_words"]["en"] and "essen" in built["common_words"]["de"]


# --- nationalities ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "country"),
    [
        ("German", "DE"),
        ("tedesca", "DE"),
        ("tedeschi", "DE"),
        ("allemande", "DE"),
        ("deutsche", "DE"),
        ("deutschen", "DE"),
        ("Deutscher", "DE"),
        ("italiano", "IT"),
        ("italienne", "IT"),
        ("Italiener", "IT"),
        ("lussemburghese", "LU"),
        ("lussemburghesi", "LU"),
        ("luxembourgeois", "LU"),
        ("Luxemburger", "LU"),
        ("britannico", "GB"),
        ("britanniche", "GB"),
        ("British", "GB"),
        ("française", "FR"),
        ("Franzosen", "FR"),
        ("Französin", "FR"),
        ("olandesi", "NL"),
        ("Dutch", "NL"),
        ("sudcoreani", "KR"),
        ("South Korean", "KR"),
        ("sud-coréenne", "KR"),
        ("nordcoreano", "KP"),
        ("moldavo", "MD"),
        ("russa", "RU"),
        ("indiane", "IN"),
        ("statunitense", "US"),
        ("US-amerikanischen", "US"),
        ("greche", "GR"),
        ("grecque", "GR"),
        ("turque", "TR"),
        ("Türken", "TR"),
        ("Schweizer", "CH"),
        ("israeliani", "IL"),
        ("giapponesi", "JP"),
        ("chinois", "CN"),
        ("ucraini", "UA"),
        ("canadesi", "CA"),
        ("norvegesi", "NO"),
        ("Polish", "PL"),
    ],
)
def test_demonyms_in_all_genders_and_numbers(word, country):
    assert country_of_demonym(word) == country


@pytest.mark.parametrize("word", ["Italy", "Germania", "polish", "spaghetti", "", "-"])
def test_words_that_are_no_demonyms(word):
    assert country_of_demonym(word) is None


def test_demonyms_cover_the_eu_eea_uk_nato_and_partners_in_four_languages():
    nato = "AL BE BG CA HR CZ DK EE FI FR DE GR HU IS IT LV LT LU ME NL MK NO PL PT RO SK SI"
    required = set(f"{nato} ES SE TR GB US AT CY IE MT LI CH UA IL KR JP CN RU IN".split())
    for lang in ("it", "en", "fr", "de"):
        covered = {
            code
            for code, country in curated()["countries"].items()
            if country.get("demonyms", {}).get(lang)
        }
        assert required <= covered, (lang, required - covered)
    assert len(set(demonym_table().values())) >= len(required)


def test_inflection_rules_per_language():
    assert inflections("tedesco", "it") >= {"tedesca", "tedeschi", "tedesche"}
    assert inflections("francese", "it") == {"francese", "francesi"}
    assert inflections("italien", "fr") >= {"italienne", "italiens", "italiennes"}
    assert inflections("luxembourgeois", "fr") >= {"luxembourgeoise", "luxembourgeoises"}
    assert inflections("deutsch", "de") >= {"deutsche", "deutschen", "deutscher", "deutsches"}
    assert inflections("Franzose", "de") >= {"Franzosen"}
    assert inflections("=Ungarn", "de") == {"Ungarn"}


def test_places_are_found_objects():
    found = find_places("Roma", "it")
    assert found == [
        Found("place", 0, 4, "Roma", {"name": "Rome", "country": "IT", "region": "ITI43"})
    ]
