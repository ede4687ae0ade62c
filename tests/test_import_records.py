"""What a bulk import keeps of each validated record: shared fields sets (a third of a
record's memory) that read, compare, dump and pickle as before; and the parts' rows read
straight from the validated values, equal to `model_dump()`."""

from __future__ import annotations

import datetime as dt
import pickle

import pytest

from filiera.registry import schemas
from filiera.registry.bulk import fields_of, part_rows
from filiera.registry.models import Certification, Site
from filiera.registry.schemas import (
    CertificationIn,
    OrganisationIn,
    SharedFieldsSet,
    SiteIn,
    share_fields_sets,
)


def record(name: str, **extra) -> OrganisationIn:
    return OrganisationIn.model_validate(
        {
            "name": name,
            "country": "IT",
            "region": "ITC11",
            "capabilities": [{"code": "land.soldier_systems", "level": "certified"}],
            "certifications": [
                {"code": "iso9001", "valid_until": "2027-07-01"},
                {"code": "en9100", "issuer": "RINA"},
            ],
            "sites": [
                {"name": "Headquarters", "kind": "office", "city": "Torino", "country": "IT"}
            ],
            **extra,
        }
    )


def models_of(rec: OrganisationIn) -> list:
    return [rec, *rec.capabilities, *rec.certifications, *rec.sites]


def test_a_shared_record_reads_compares_dumps_and_pickles_as_before() -> None:
    plain, shared = record("Alfa Sistemi S.r.l."), share_fields_sets(record("Alfa Sistemi S.r.l."))
    assert shared == plain
    assert shared.model_dump() == plain.model_dump()
    assert shared.model_dump(exclude_unset=True) == plain.model_dump(exclude_unset=True)
    assert [m.model_fields_set for m in models_of(shared)] == [
        m.model_fields_set for m in models_of(plain)
    ]
    back = pickle.loads(pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == plain and back.model_fields_set == plain.model_fields_set


def test_records_given_the_same_fields_share_one_set_per_model() -> None:
    one = share_fields_sets(record("Alfa Sistemi S.r.l."))
    two = share_fields_sets(record("Beta Difesa S.p.A."))
    other = share_fields_sets(record("Gamma S.r.l.", city="Torino"))
    for a, b in zip(models_of(one), models_of(two), strict=True):
        assert a.model_fields_set is b.model_fields_set
    assert isinstance(one.model_fields_set, SharedFieldsSet)
    assert other.model_fields_set is not one.model_fields_set  # a city more: its own set
    assert other.sites[0].model_fields_set is one.sites[0].model_fields_set
    # the two certifications were given different fields
    assert one.certifications[0].model_fields_set != one.certifications[1].model_fields_set


def test_a_shared_record_refuses_a_later_assignment_and_its_copies_do_not() -> None:
    shared = share_fields_sets(record("Alfa Sistemi S.r.l."))
    other = share_fields_sets(record("Beta Difesa S.p.A."))
    with pytest.raises(TypeError, match="read-only"):
        shared.city = "Milano"  # the shared set cannot take the field's name
    assert "city" not in other.model_fields_set
    copied = shared.model_copy(update={"city": "Milano"})
    copied.website = "https://alfa.example"
    assert {"city", "website"} <= copied.model_fields_set
    assert "city" not in other.model_fields_set


def test_the_shared_sets_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas, "SHARED_FIELDS_SETS_MAX", 3)
    monkeypatch.setattr(schemas, "_SHARED_FIELDS_SETS", {})
    for extra in ({}, {"city": "Torino"}, {"website": "https://a.example"}, {"employees": 4}):
        share_fields_sets(record("Alfa Sistemi S.r.l.", **extra))
        assert len(schemas._SHARED_FIELDS_SETS) <= 3


def test_part_rows_read_from_the_values_equal_model_dump() -> None:
    site = SiteIn.model_validate(
        {
            "name": "Plant",
            "kind": "production",
            "address": "Via Roma 1",
            "city": "Torino",
            "country": "IT",
            "region": "ITC11",
            "lat": 45.1,
            "lon": 7.7,
            "visibility": "members",
            "field_visibility": {"address": "restricted"},
            "markings": ["dual_use"],
        }
    )
    cert = CertificationIn(
        code="aqap2110",
        scope="design",
        issuer="RINA",
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2027, 1, 1),
    )
    for part in (site, cert, SiteIn(name="Office", country="FR"), CertificationIn(code="iso9001")):
        assert fields_of(part) == part.model_dump()
    rec = share_fields_sets(record("Alfa Sistemi S.r.l."))
    rows = part_rows(7, rec, 3)
    assert rows[Certification] == [
        {"organisation_id": 7, "source_id": 3, **cert.model_dump()} for cert in rec.certifications
    ]
    assert rows[Site] == [
        {"organisation_id": 7, "source_id": 3, **site.model_dump()} for site in rec.sites
    ]
