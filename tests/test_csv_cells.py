"""Parsing single CSV cells: dates and the code lists whose items are remembered."""

from __future__ import annotations

from datetime import date

import pytest

from filiera.imports import csv_cells as cells


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2024-03-01", date(2024, 3, 1)),
        (" 2024-03-01 ", date(2024, 3, 1)),
        ("2024-3-1", date(2024, 3, 1)),  # strptime's ISO accepts single digits
        ("01/03/2024", date(2024, 3, 1)),
        ("01.03.2024", date(2024, 3, 1)),
        ("01-03-2024", date(2024, 3, 1)),
        ("", None),
    ],
)
def test_dates_iso_or_day_first(raw: str, expected: date | None) -> None:
    assert cells.parse_date(raw) == expected


@pytest.mark.parametrize(
    "raw", ["2024-02-30", "2024-13-01", "0000-01-01", "20240301", "١٢٣٤-٠١-٠١"]
)
def test_impossible_dates_are_refused_with_the_formats(raw: str) -> None:
    with pytest.raises(ValueError, match="use YYYY-MM-DD or DD/MM/YYYY"):
        cells.parse_date(raw)


def test_certifications_expiry_edition_and_labels() -> None:
    assert cells.certifications("EN 9100; iso9001:2015; aqap2110:2027-06-30; x:2024-02-30") == [
        {"code": "en9100"},
        {"code": "iso9001"},
        {"code": "aqap2110", "valid_until": "2027-06-30"},
        {"code": "x:2024-02-30"},
    ]


def test_capabilities_with_levels_in_english_or_italian() -> None:
    assert cells.capabilities("air.uas:Comprovata; Aerostrutture (certified); air.uas:bogus") == [
        {"code": "air.uas", "level": "evidenced"},
        {"code": "air.aerostructures", "level": "certified"},
        {"code": "air.uas:bogus"},
    ]


def test_a_remembered_item_is_a_new_dict_each_time() -> None:
    """Items are parsed once and remembered: changing one row's result changes no other."""
    for parse in (cells.capabilities, cells.certifications):
        first = parse("air.uas:evidenced; en9100:2027-06-30")
        first[0]["code"] = "changed"
        first[1]["extra"] = "changed"
        assert parse("air.uas:evidenced; en9100:2027-06-30") != first
