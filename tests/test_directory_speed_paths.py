"""The directory's fast paths give the rows of the plain query, on small data and both
backends: name search by the trigram indexes (PostgreSQL) or the scan, a region prefix by
range, the walking (EXISTS) and driven (join) shapes of the other filters, and migration
0014 down and up again. Hidden rows never appear or count."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from alembic import command
from sqlalchemy import delete, insert, inspect, select

from filiera import migrate
from filiera.access import accounts
from filiera.access.models import User
from filiera.access.viewer import Viewer, viewer_for
from filiera.db import Database, make_engine
from filiera.directory import figures, listing, queries, text_match
from filiera.directory.filters import OrgFilter
from filiera.directory.listing import directory_page
from filiera.registry.models import (
    Alias,
    Certification,
    Membership,
    Organisation,
    OrgCapability,
)
from filiera.registry.names import normalise_name
from support.auth import PASSWORD

NAMES = (
    "Aérospatiale Dynamics",
    "AERO Systems S.p.A.",
    "Borealis Optics",
    "Société Générale d'Optique",
    "Zeta Aeronautica",
    "Xu",
    "Nordic Radar AB",
)
ALIASES = {1: "Gruppo Zefiro", 3: "Optique Avancée", 6: "Radarverket"}
LEVELS = ("public", "members", "public", "owner", "restricted", "public")
REGIONS = ("ITC4", "ITC1", "ITH3", "FR10", None, "ITC45")
CODES = ("space", "space.satellites", "spacecraft", "electronics.radar")
QUERIES = ("aero", "AÉRO", "optique", "zefiro", "avancee", "radar", "xu", "x", "ae", "nope")


@dataclass
class World:
    db: Database
    member: Viewer


def _rows(n: int) -> dict:
    name = f"{NAMES[n % len(NAMES)]} {n // len(NAMES)}" if n >= len(NAMES) else NAMES[n]
    return {
        "name": name,
        "name_key": normalise_name(name),
        "kind": ("sme", "prime", "research")[n % 3],
        "country": ("IT", "FR", None)[n % 3],
        "region": REGIONS[n % len(REGIONS)],
        "visibility": LEVELS[n % len(LEVELS)],
        "descriptions": {},
    }


def _populate(db: Database) -> int:
    """40 organisations, aliases, capabilities, certifications and a cluster; returns the
    member's own organisation."""
    with db.session() as session:
        cluster = Organisation(name="Cluster", name_key="cluster", kind="cluster")
        session.add(cluster)
        session.flush()
        ids = list(
            session.scalars(
                insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
                [_rows(n) for n in range(40)],
            )
        )
        aliases = [
            {"organisation_id": ids[n], "name": name, "name_key": normalise_name(name)}
            for n, name in ALIASES.items()
        ]
        session.execute(insert(Alias), aliases)
        held = [{"organisation_id": i, "code": CODES[n % 4]} for n, i in enumerate(ids)]
        # some hold a code and one below it: a driven count must count them once
        held += [{"organisation_id": i, "code": "space.launchers"} for i in ids[::8]]
        session.execute(insert(OrgCapability), held)
        session.execute(
            insert(Certification),
            [{"organisation_id": i, "code": "en9100"} for n, i in enumerate(ids) if n % 2],
        )
        session.execute(
            insert(Membership),
            [{"organisation_id": i, "cluster_id": cluster.id} for i in ids[::3]],
        )
        return ids[0]


@pytest.fixture(scope="module")
def world(module_db_url: str) -> Iterator[World]:
    db = Database(module_db_url)
    db.ensure_ready()
    own = _populate(db)
    with db.session() as session:
        accounts.add_user(session, "m@test.example", "m", PASSWORD, role="member", org_ids=[own])
    with db.session() as session:
        member = viewer_for(session, session.scalar(select(User)))
    yield World(db, member)
    db.dispose()


def _visible(world: World, viewer: Viewer) -> set[int]:
    with world.db.session() as session:
        return set(
            session.scalars(
                queries.filtered(OrgFilter(), viewer).with_only_columns(Organisation.id)
            )
        )


def _contains(world: World, q: str) -> set[int]:
    """Python's answer: the name key or an alias's key contains the query's key."""
    key = text_match.name_key_of(q)
    with world.db.session() as session:
        keys = [
            (o.id, [o.name_key, *(a.name_key for a in o.aliases)])
            for o in session.scalars(select(Organisation))
        ]
    return {org_id for org_id, names in keys if any(key in name for name in names)}


def _listed(world: World, viewer: Viewer, flt: OrgFilter) -> tuple[list[int], int]:
    """Every id of the listing by cursor (3 a page) and its exact count."""
    ids: list[int] = []
    cursor = None
    with world.db.session() as session:
        while True:
            page = directory_page(session, viewer, flt, per_page=3, cursor=cursor, cap=2)
            ids += [row.id for row in page.data]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        exact = directory_page(session, viewer, flt, count="exact").count
    return ids, exact


def _shapes(world: World, viewer: Viewer, flt: OrgFilter) -> list[set[int]]:
    """The ids of every SQL shape of `flt`: plain, walking, driven."""
    with world.db.session() as session:
        owners = text_match.alias_owners(session, flt.q) if flt.q else None
        shapes = [
            queries.filtered(flt, viewer),
            queries.filtered(flt, viewer, walk=True, owners=owners),
            queries.filtered(flt, viewer, drive=True, owners=owners),
        ]
        return [set(session.scalars(s.with_only_columns(Organisation.id))) for s in shapes]


@pytest.mark.parametrize("q", QUERIES)
def test_name_search_finds_names_and_aliases_as_python_does(world: World, q: str) -> None:
    wanted = _contains(world, q)
    for viewer in (Viewer.system(), world.member, Viewer.anonymous()):
        seen = wanted & _visible(world, viewer)
        ids, count = _listed(world, viewer, OrgFilter(q=q))
        assert set(ids) == seen and len(ids) == len(set(ids)) and count == len(seen), viewer
        assert all(shape == seen for shape in _shapes(world, viewer, OrgFilter(q=q)))
    if q in ("aero", "zefiro", "radar"):
        assert wanted - _visible(world, world.member)  # the member had hidden matches


def test_the_trigram_path_is_taken_on_postgresql_only_for_long_keys(world: World) -> None:
    with world.db.session() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        assert (text_match.alias_owners(session, "zefiro") is not None) == postgres
        assert text_match.alias_owners(session, "ae") is None
        assert text_match.alias_owners(session, "%%%") is None  # wildcards: the scan
    if postgres:
        indexes = inspect(world.db.engine).get_indexes("organisation")
        assert "ix_organisation_name_key_trigram" in {ix["name"] for ix in indexes}


def test_name_search_follows_renames_aliases_and_deletes(world: World) -> None:
    admin = Viewer.system()

    def found(session, q: str) -> set[int]:
        return {r.id for r in directory_page(session, admin, OrgFilter(q=q), count="exact").data}

    with world.db.session() as session:
        org = session.scalars(select(Organisation).where(Organisation.name == "Xu")).one()
        org.name, org.name_key = "Quokka Avionics", "quokka avionics"
        session.flush()
        assert org.id in found(session, "quokka") and org.id not in found(session, "xu")
        session.add(Alias(organisation_id=org.id, name="Wombat", name_key="wombat"))
        session.flush()
        assert found(session, "wombat") == {org.id}
        session.execute(delete(Alias).where(Alias.name_key == "wombat"))
        session.flush()
        assert found(session, "wombat") == set()
        session.add(Organisation(name="Numbat Labs", name_key="numbat labs", descriptions={}))
        session.flush()
        assert len(found(session, "numbat")) == 1
        session.delete(org)
        session.flush()
        assert found(session, "quokka") == set()
        session.rollback()


@pytest.mark.parametrize("region", ["ITC", "itc4", "ITC45", "IT", "FR1", "DE", "I_C", "%"])
def test_a_region_prefix_is_a_prefix(world: World, region: str) -> None:
    with world.db.session() as session:
        regions = dict(session.execute(select(Organisation.id, Organisation.region)).all())
    wanted = {i for i, r in regions.items() if r and r.startswith(region.upper())}
    for viewer in (Viewer.system(), world.member):
        seen = wanted & _visible(world, viewer)
        ids, count = _listed(world, viewer, OrgFilter(region=region))
        assert (set(ids), count) == (seen, len(seen))
        assert all(shape == seen for shape in _shapes(world, viewer, OrgFilter(region=region)))


FILTERS = [
    OrgFilter(capability="space"),
    OrgFilter(capability="space", country="IT"),
    OrgFilter(certification="en9100", kind="sme"),
    OrgFilter(capability="electronics", certification="en9100"),
    OrgFilter(cluster=1, capability="space"),
    OrgFilter(region="ITC", certification="en9100", q="aero"),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: ",".join(f.model_dump(exclude_none=True)))
def test_walking_and_driven_shapes_give_the_plain_rows(world: World, flt: OrgFilter) -> None:
    for viewer in (Viewer.system(), world.member):
        plain, walking, driven = _shapes(world, viewer, flt)
        assert plain == walking == driven
        ids, count = _listed(world, viewer, flt)
        assert (set(ids), count) == (plain, len(plain))
        with world.db.session() as session:
            rows, _ = queries.list_organisations(session, flt, viewer=viewer, per_page=100)
            capped = directory_page(session, viewer, flt, cap=len(plain))
        assert ids == [org.id for org in rows]  # the same order as the plain query
        assert (capped.count, capped.count_exact) == (len(plain), True)  # each counted once
    assert any(_shapes(world, Viewer.system(), flt)[0] for flt in FILTERS)


def test_capped_counts_never_count_hidden_rows(world: World) -> None:
    flt = OrgFilter(capability="space")
    seen = _shapes(world, world.member, flt)[0]
    with world.db.session() as session:
        page = directory_page(session, world.member, flt, cap=len(seen))
        admin = directory_page(session, Viewer.system(), flt, cap=len(seen))
    assert (page.count, page.count_exact) == (len(seen), True)
    assert (admin.count, admin.count_exact) == (len(seen), False)
    assert listing.COUNT_CAP >= 1_000


def test_the_country_choices_are_the_visible_organisations_countries(db_url: str) -> None:
    """PostgreSQL's loose index scan and SQLite's DISTINCT find exactly the countries of
    the organisations a viewer may see, whatever the other rows hold."""
    db = Database(db_url)
    db.ensure_ready()
    levels = ("public", "members", "restricted", "owner")
    countries = ("AT", "BE", "CZ", "DE", "ES", "FI", "GR", "HU", None)
    with db.session() as session:
        rows = [
            {
                "name": f"Org {n}",
                "name_key": f"org {n}",
                "kind": "sme",
                "country": countries[n % len(countries)] if n < 27 else "SE",
                "visibility": levels[n // len(countries)] if n < 27 else "owner",
                "descriptions": {},
            }
            for n in range(40)
        ]
        ids = list(
            session.scalars(
                insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
                rows,
            )
        )
        accounts.add_user(session, "c@test.example", "c", PASSWORD, org_ids=[ids[30]])
    with db.session() as session:
        member = viewer_for(session, session.scalar(select(User)))
        for viewer in (Viewer.anonymous(), member, Viewer.system()):
            seen = session.scalars(
                queries.filtered(OrgFilter(), viewer).with_only_columns(Organisation.country)
            )
            expected = sorted({country for country in seen if country})
            assert figures.countries(session, viewer) == expected
            assert figures.countries(session, viewer, kind="sme") == expected
            assert figures.countries(session, viewer, kind="cluster") == []
        # rows 0-8 are public, 9-17 members, 18-26 restricted, and 27-39 owner-only in SE:
        # Sweden is seen by the admin and by the member (who owns row 30), by nobody else
        assert figures.countries(session, Viewer.anonymous()) == list(countries[:8])
        assert figures.countries(session, member) == [*countries[:8], "SE"]
    db.dispose()


def test_migration_0014_goes_down_and_up_again(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate.upgrade(engine)
    config = migrate.alembic_config(engine)
    command.downgrade(config, "0013")
    names = {ix["name"] for ix in inspect(engine).get_indexes("organisation")}
    assert "ix_organisation_region" in names
    assert not names & {"ix_organisation_region_order", "ix_organisation_name_key_trigram"}
    migrate.upgrade(engine)
    names = {ix["name"] for ix in inspect(engine).get_indexes("organisation")}
    assert {"ix_organisation_region_order", "ix_organisation_name_key_trigram"} <= names
    assert "ix_organisation_region" not in names
    engine.dispose()
