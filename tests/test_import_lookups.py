"""Finding a stored organisation by name for a row (a member's cluster, a person's company).

With a country, a name the resolver would call the same organisation (same normalised name
or the same letters spaced differently, in that country) is found without a fuzzy scan;
near names are never taken for the organisation.
"""

from __future__ import annotations

import pytest

from filiera.imports.links import OrgLookup
from filiera.registry.names import normalise_name
from filiera.registry.resolve import Candidate, Incoming, Resolver

STORED = [
    (1, "Distretto Aerospaziale Piemonte", "IT", "Torino"),
    (2, "Distretto Aerospaziale Piemonte", "FR", ""),
    (3, "Lombardia Aerospace Cluster S.c.a.r.l.", "IT", "Milano"),
    (4, "Optimus 3D S.r.l.", "IT", ""),
    (5, "Lombardia Aerospace Cluster", "IT", "Varese"),
]


@pytest.fixture
def lookup() -> OrgLookup:
    resolver = Resolver()
    for org_id, name, country, city in STORED:
        key = normalise_name(name)
        resolver.add(Candidate(org_id, frozenset({key}), country, city.lower(), frozenset()))
    return OrgLookup(resolver)


@pytest.mark.parametrize(
    "name, country, found",
    [
        ("Distretto Aerospaziale Piemonte", "IT", 1),
        ("DISTRETTO AEROSPAZIALE PIEMONTE", "FR", 2),
        ("Optimus3D", "IT", 4),  # the same letters, spaced differently
        ("Lombardia Aerospace Cluster", "IT", 3),  # two stored: the lowest id, as the resolver
        ("Distretto Aerospaziale Piemonte", None, "2 organisations are named"),
        ("Distretto Aerospaziale Piemonte", "DE", "no organisation named"),
        ("Distretto Aerospaziale Piemont", "IT", "no organisation named"),  # near: review only
        ("Lombardia Aerospace", "IT", "no organisation named"),  # contained: review only
    ],
)
def test_a_name_finds_what_the_resolver_calls_the_same(
    lookup: OrgLookup, name: str, country: str | None, found: int | str
) -> None:
    if isinstance(found, int):
        assert lookup.find(name, country) == found
    else:
        with pytest.raises(ValueError, match=found):
            lookup.find(name, country)
    if country:  # the resolver's own verdict on a record of only this name and country
        decision = lookup.resolver.decide(Incoming(name, country))
        assert (decision.action == "same") == isinstance(found, int)
        assert decision.org_id == found or decision.action != "same"
