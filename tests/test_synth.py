"""The synthetic ecosystem: deterministic, valid, clearly fictional, loadable in bulk."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from filiera.cli.main import app
from filiera.db import Database
from filiera.imports.csv_import import import_csv
from filiera.imports.jsonl import import_jsonl
from filiera.registry import values
from filiera.registry.models import (
    Identifier,
    Membership,
    Organisation,
    OrgCapability,
    Site,
    Source,
)
from filiera.registry.names import normalise_name
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn
from filiera.registry.writer import upsert
from filiera.synth import (
    country_and_kind,
    generate,
    load_synthetic,
    memberships,
    record,
    write_csv,
    write_jsonl,
)
from filiera.synth_data import CITIES, COUNTRIES, KIND_PREFIXES, SECTORS

DEMO = Path(__file__).resolve().parent.parent / "src/filiera/demo/data/demo.yaml"


@pytest.fixture
def db(db_url: str):
    database = Database(db_url)
    database.ensure_ready()
    yield database
    database.dispose()


def count(db: Database, model, *where) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_deterministic_for_a_seed_and_prefix_stable() -> None:
    first = list(generate(40, seed=3))
    assert first == list(generate(40, seed=3))
    assert list(generate(10, seed=3)) == first[:10]
    assert [r["name"] for r in generate(40, seed=4)] != [r["name"] for r in first]


def test_records_are_valid_and_clearly_synthetic() -> None:
    for rec in generate(300, seed=1):
        parsed = OrganisationIn.model_validate(rec)
        assert parsed.synthetic is True
        assert "SYNTHETIC" in parsed.descriptions["en"]
        assert "SINTETICO" in parsed.descriptions["it"]
        assert parsed.capabilities and parsed.sites
        assert parsed.sites[0].region == parsed.region
        assert values.nuts_country(parsed.region) == parsed.country
        assert parsed.website.endswith(".example")  # reserved TLD: never a real site


def test_distribution_favours_the_big_defence_countries_and_smes() -> None:
    recs = list(generate(2000))
    countries = Counter(r["country"] for r in recs)
    top = {country for country, _ in countries.most_common(3)}
    assert top == {"FR", "DE", "IT"}
    small = sum(r["kind"] in ("sme", "startup") for r in recs)
    assert 0.6 < small / len(recs) < 0.8


def test_word_lists_keep_names_unique_and_places_real() -> None:
    owners: dict[str, int] = {}
    for index, (_, words) in enumerate(SECTORS):
        for word in words:
            assert owners.setdefault(normalise_name(word), index) == index, word
    for prefixes in KIND_PREFIXES.values():
        assert not {normalise_name(p) for p in prefixes} & set(owners)
    for country, cities in CITIES.items():
        assert country in COUNTRIES
        for city, nuts, lat, lon in cities:
            assert values.nuts_level(nuts) == 3 and values.nuts_country(nuts) == country, city
            assert 34 < lat < 71 and -10 < lon < 30


def test_names_do_not_match_the_real_organisations_of_the_demo() -> None:
    text = DEMO.read_text(encoding="utf-8")
    real = {normalise_name(name) for name in _names(yaml.safe_load(text))}
    assert len(real) > 10
    assert not real & {normalise_name(r["name"]) for r in generate(5000)}


def _names(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["name"]] if isinstance(node.get("name"), str) else []
        return found + [n for v in node.values() for n in _names(v)]
    if isinstance(node, list):
        return [n for v in node for n in _names(v)]
    return []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(min_value=0, max_value=200), seed=st.integers(min_value=0, max_value=10**6))
def test_any_n_gives_n_valid_records_with_unique_names(n: int, seed: int) -> None:
    recs = [OrganisationIn.model_validate(r) for r in generate(n, seed)]
    assert len(recs) == n
    assert len({r.name for r in recs}) == n
    assert len({normalise_name(r.name) for r in recs}) == n
    assert all(r.synthetic for r in recs)


def test_generate_rejects_impossible_sizes() -> None:
    with pytest.raises(ValueError):
        list(generate(-1))


def test_load_synthetic_bulk_inserts_and_reloads_without_duplicates(db: Database) -> None:
    with db.session() as session:
        counts = load_synthetic(session, 300, seed=7)
    joined = memberships(300, seed=7)
    assert counts == {"organisations_created": 300, "memberships_created": len(joined)}
    assert count(db, Organisation, Organisation.synthetic.is_(True)) == 300
    expected_caps = sum(len(r["capabilities"]) for r in generate(300, seed=7))
    assert count(db, OrgCapability) == expected_caps
    assert count(db, Site) == sum(len(r["sites"]) for r in generate(300, seed=7))
    with db.session() as session:
        org = session.scalars(
            select(Organisation).join(Identifier).where(Identifier.value == "synthetic:7:5")
        ).one()
        assert org.name == record(5, seed=7)["name"]
        assert org.source.kind == "synthetic" and org.activities[0].primary
    with db.session() as session:
        again = load_synthetic(session, 320, seed=7)
    added = len(memberships(320, seed=7).items() - joined.items())
    assert again == {
        "organisations_unchanged": 300,
        "organisations_created": 20,
        "memberships_created": added,
    }
    assert count(db, Organisation) == 320
    assert count(db, Membership) == len(joined) + added


def test_load_synthetic_merges_into_an_existing_organisation(db: Database) -> None:
    existing = record(3, seed=2)
    with db.session() as session:
        source = Source(name="manual", kind="manual")
        session.add(source)
        rec = OrganisationIn(name=existing["name"], country=existing["country"])
        upsert(session, rec, source=source, resolver=Resolver.from_session(session))
    with db.session() as session:
        counts = load_synthetic(session, 10, seed=2)
    assert counts["organisations_merged"] == 1 and counts["organisations_created"] == 9
    assert count(db, Organisation) == 10


def test_csv_and_jsonl_files_import_as_the_same_organisations(db: Database, tmp_path: Path):
    write_csv(tmp_path / "synth.csv", 60, seed=5)
    write_jsonl(tmp_path / "synth.jsonl", 60, seed=5)
    with db.session() as session:
        report = import_jsonl(session, tmp_path / "synth.jsonl")
    joined = memberships(60, seed=5)
    assert joined  # the 60 records include clusters, each with members
    assert report.counts == {
        "sources_created": 1,
        "organisations_created": 60,
        "memberships_created": len(joined),
    }
    with db.session() as session:
        report = import_csv(session, tmp_path / "synth.csv", "organisations")
    assert report.counts["organisations_unchanged"] == 60
    assert report.counts["memberships_unchanged"] == len(joined)
    assert count(db, Membership) == len(joined)
    assert count(db, Organisation, Organisation.synthetic.is_(True)) == 60
    with db.session() as session:
        source = session.scalars(select(Source).where(Source.kind == "synthetic")).one()
        assert "fictional" in source.credit


def test_cli_synth(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["synth", "--orgs", "25", "--seed", "9", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert "SYNTHETIC" in flat(result.output)
    db = Database(db_url)
    assert count(db, Organisation, Organisation.synthetic.is_(True)) == 25
    db.dispose()
    out = tmp_path / "s.csv"
    result = runner.invoke(app, ["synth", "--orgs", "12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 13
    result = runner.invoke(app, ["synth", "--orgs", "3", "--out", str(tmp_path / "s.txt")])
    assert result.exit_code == 1
    assert "s.txt: --out must end in .csv or .jsonl" in flat(result.output)


def flat(text: str) -> str:
    """CLI output with rich's line wrapping undone."""
    return " ".join(text.split())


def test_every_synthetic_cluster_has_members_of_its_country() -> None:
    for n, seed in ((300, 0), (2000, 1), (500, 42)):
        joined = memberships(n, seed)
        clusters = [i for i in range(n) if country_and_kind(i, seed)[1] == "cluster"]
        assert clusters, (n, seed)
        assert set(joined.values()) == set(clusters)  # every cluster, and only clusters
        assert not set(joined) & set(clusters)
        same = sum(
            country_and_kind(m, seed)[0] == country_and_kind(c, seed)[0] for m, c in joined.items()
        )
        assert same / len(joined) > 0.95
        assert memberships(n, seed) == joined  # deterministic


def test_a_cluster_alone_in_its_country_recruits_abroad() -> None:
    n, seed = next((n, seed) for seed in range(200) for n in (40, 80) if _lonely_cluster(n, seed))
    lonely = _lonely_cluster(n, seed)
    assert lonely in memberships(n, seed).values()


def _lonely_cluster(n: int, seed: int) -> int | None:
    """A cluster with no other organisation of its country among the first n records."""
    drawn = [country_and_kind(i, seed) for i in range(n)]
    for i, (country, kind) in enumerate(drawn):
        if kind == "cluster" and sum(c == country for c, _ in drawn) == 1:
            return i
    return None


def test_loaded_synthetic_clusters_list_their_members(db: Database) -> None:
    from filiera.access.viewer import Viewer
    from filiera.directory.clusters import list_clusters

    with db.session() as session:
        load_synthetic(session, 300, seed=11)
    with db.session() as session:
        clusters = list_clusters(session, Viewer.anonymous()).data
    assert clusters and all(c.members > 0 for c in clusters)
    assert all(c.synthetic for c in clusters)
