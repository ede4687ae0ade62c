"""NUL characters in input shapes are refused field by field, whatever the field's type.

A record with a NUL gets the NUL error on each field that holds one (an integer or a fixed
choice as well as a text: a faster check on text fields only would change these errors), the
other fields' own errors, in field order; a CSV import names the file's column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from filiera.imports.csv_columns import COLUMNS
from filiera.imports.csv_import import Row, organisation_record
from filiera.imports.csv_table import map_columns, read_table
from filiera.registry import schemas
from filiera.registry.schemas import OrganisationIn, OrganisationPatch, SiteIn

NUL = "must not contain NUL (\\x00) characters"


def errors(model: type[schemas.BaseModel], data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(schemas.ValidationError) as caught:
        model.model_validate(data)
    return [(e["field"], e["message"]) for e in schemas.validation_errors("r", caught.value)]


def test_a_nul_names_its_field_whatever_its_type_and_other_errors_stay() -> None:
    record = {
        "name": "Nul\x00Corp",
        "country": "XX",
        "employees": "12\x00",  # an integer field: the NUL, not "not a number"
        "kind": "sme\x00",  # a fixed choice: the NUL, not "expected one of"
        "identifiers": {"pic": "12"},
        "descriptions": {"e\x00n": "a NUL in a key"},
        "sites": [{"name": "Works", "address": "Via\x00 1"}],  # the field, not the site's part
        "capabilities": [{"code": "nope"}],
    }
    assert errors(OrganisationIn, record) == [
        ("name", NUL),
        ("kind", NUL),
        ("country", "unknown country code 'XX': expected ISO 3166-1 alpha-2, e.g. IT"),
        ("descriptions", NUL),
        ("identifiers", "invalid PIC '12': a PIC is exactly 9 digits"),
        ("employees", NUL),
        ("capabilities.0.code", "unknown capability 'nope' (see `filiera taxonomy`)"),
        ("sites", NUL),
    ]
    patch = {"city": "Mi\x00lano", "founded_year": "19\x0090", "website": "not a url"}
    assert errors(OrganisationPatch, patch) == [
        ("city", NUL),
        ("website", "invalid website 'not a url': expected a domain name such as example.com"),
        ("founded_year", NUL),
    ]


def test_a_nul_in_a_nested_record_given_alone_names_its_field() -> None:
    assert errors(SiteIn, {"name": "Works", "country": "I\x00T", "lat": "x"}) == [
        ("country", NUL),
        ("lat", "Input should be a valid number, unable to parse string as a number"),
    ]


def test_a_csv_cell_with_a_nul_is_reported_under_its_column(tmp_path: Path) -> None:
    """Only UTF-16 files can carry NUL characters; the error names the file's header."""
    path = tmp_path / "soci.csv"
    text = (
        "Nome;Paese;Città;Dipendenti\n"
        "Alfa\x00 S.r.l.;IT;Torino;12\n"
        "Beta S.r.l.;XX;To\x00rino;abc\n"
        "Gamma S.r.l.;IT;Torino;12\n"
    )
    path.write_bytes(text.encode("utf-16"))
    table = read_table(path)
    mapping = map_columns(table, COLUMNS["organisations"], "organisations")
    rows = [Row(table, mapping, n, cells) for n, cells in table.rows]
    records = [organisation_record(row) for row in rows]
    assert records[:2] == [None, None] and records[2] is not None
    assert [(e["record"], e["field"], e["message"]) for row in rows for e in row.errors] == [
        ("soci.csv row 2", "Nome", NUL),
        ("soci.csv row 3", "Dipendenti", "invalid employee count 'abc': expected a whole number"),
        (
            "soci.csv row 3",
            "Paese",
            "unknown country code 'XX': expected ISO 3166-1 alpha-2, e.g. IT",
        ),
        ("soci.csv row 3", "Città", NUL),
    ]
