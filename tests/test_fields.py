"""Fields declared once (registry/fields.yaml): the declaration is cross-checked against the
tables at load, and the shapes, exports, CSV columns and redaction derived from it follow it."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
import yaml

from filiera.access import policy
from filiera.access.disclosure import Disclosure
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.directory import queries
from filiera.directory.profiles import OrganisationDetail, OrganisationSummary, detail
from filiera.errors import ConfigurationError
from filiera.imports import jsonl_export
from filiera.imports.csv_columns import COLUMNS, header_key
from filiera.imports.csv_import import Row, organisation_record
from filiera.imports.csv_table import map_columns, read_table
from filiera.match import text
from filiera.needs.schemas import Lang
from filiera.registry import checks, fields, schemas, taxonomy
from filiera.registry.models import Organisation, Source
from filiera.registry.resolve import Resolver
from filiera.registry.writer import SCALARS, upsert
from filiera.web import admin_pages

ORG = "organisation"
LEVELS = ("public", "members", "restricted", "owner")
LANGUAGES = ("en", "it", "fr", "de")

# A value of each type, as the API takes it and as a CSV cell.
SAMPLES: dict[str, Any] = {
    "text": "Sample",
    "country": "IT",
    "nuts": "ITC11",
    "url": "https://vortani.example",
    "count": 48,
    "year": 1994,
    "revenue_band": "2-10M",
    "org_kind": "sme",
    "visibility": "public",
    "flag": True,
    "names": ["Vortani"],
    "descriptions": {"en": "Composite panels"},
    "identifiers": {"pic": "999880463"},
    "nace": ["30.32"],
    "capabilities": [{"code": "air.aerostructures"}],
    "certifications": [{"code": "en9100"}],
    "sites": [{"name": "Torino plant", "country": "IT"}],
    "markings": ["dual_use"],
}
CELLS: dict[str, str] = {
    **{k: str(v) for k, v in SAMPLES.items() if isinstance(v, str | int)},
    "count": "1.250",
    "org_kind": "PMI",
    "flag": "sì",
    "names": "Vortani; VA",
    "nace": "30.32.00",
    "capabilities": "air.aerostructures:evidenced",
    "certifications": "EN 9100",
}


def sample(f: fields.Field) -> Any:
    """A valid value of a declared field; field levels repeat the declared defaults."""
    if f.type == "field_visibility":
        return fields.default_levels(f.entity)
    return SAMPLES[f.type]


def full_record() -> dict[str, Any]:
    """An organisation input setting every declared input field."""
    return {f.name: sample(f) for f in fields.of(ORG) if f.input}


# --- the declaration and its cross-check --------------------------------------------------


def test_the_declaration_loads_with_its_vocabularies() -> None:
    assert fields.VISIBILITY_LEVELS == LEVELS
    assert fields.CONTENT_LANGUAGES == LANGUAGES
    assert {"organisation", "site", "person"} <= set(fields.declaration())
    assert fields.sensitive("organisation") == ("employees", "revenue_band")
    assert fields.sensitive("site") == ("address", "lat", "lon")
    assert fields.sensitive("person") == ("email", "phone")


def test_the_vocabularies_have_one_home() -> None:
    assert get_args(schemas.Visibility) == fields.VISIBILITY_LEVELS
    assert policy.LEVELS == admin_pages.LEVELS == fields.VISIBILITY_LEVELS
    languages = (taxonomy.LANGUAGES, checks.DESCRIPTION_LANGUAGES, text.LANGUAGES, get_args(Lang))
    assert all(tuple(langs) == fields.CONTENT_LANGUAGES for langs in languages)


def declaration_with(tmp_path: Path, change: Callable[[list[dict[str, Any]]], None]) -> Path:
    """A copy of fields.yaml whose organisation fields went through `change`."""
    data = yaml.safe_load(fields.FIELDS_FILE.read_text(encoding="utf-8"))
    change(data["entities"][ORG]["fields"])
    path = tmp_path / "fields.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def edit(name: str, **changes: Any) -> Callable[[list[dict[str, Any]]], None]:
    def change(declared: list[dict[str, Any]]) -> None:
        next(f for f in declared if f["name"] == name).update(changes)

    return change


UNSTORED = {"name": "telex", "type": "text", "labels": dict.fromkeys(LANGUAGES, "Telex")}


def test_a_declared_field_missing_from_the_table_fails_loudly(tmp_path: Path) -> None:
    path = declaration_with(tmp_path, lambda declared: declared.append(dict(UNSTORED)))
    with pytest.raises(ConfigurationError) as error:
        fields.load(path)
    assert "organisation.telex" in error.value.message
    assert "no column or relationship 'telex' in table organisation" in error.value.message


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (edit("city", type="town"), "organisation.city: unknown type 'town'"),
        (edit("city", max_length=500), "city: max_length 500 exceeds the column's 120"),
        (edit("city", labels={"en": "City"}), "organisation.city: labels needed in en, it, fr, de"),
        (edit("aliases", type="text"), "aliases is a relationship, not a single value"),
        (edit("employees", default_visibility="secret"), "unknown default_visibility 'secret'"),
        (edit("city", exported=False), "organisation.city: unknown keys ['exported']"),
        (edit("city", merge="overwrite"), "organisation.city: merge must be one of fill, rule"),
        (edit("city", csv={"it": ["Città"]}), "organisation.city: csv needs English headers"),
        (lambda declared: declared.append(declared[0]), "fields declared twice: ['name']"),
    ],
)
def test_a_broken_declaration_names_the_field(tmp_path: Path, change, message: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        fields.load(declaration_with(tmp_path, change))
    assert message in error.value.message


def test_every_label_exists_in_every_content_language() -> None:
    for entity, declared in fields.declaration().items():
        for f in declared:
            missing = [lang for lang in LANGUAGES if not str(f.labels.get(lang, "")).strip()]
            assert not missing, (entity, f.name, missing)
    assert fields.label(ORG, "revenue_band", "it") == "Fascia di fatturato"
    assert fields.label("site", "lat", "de") == "Breitengrad"
    assert fields.label(ORG, "employees", "xx") == "Employees"


# --- shapes -------------------------------------------------------------------------------


def names(*flags: str, entity: str = ORG) -> list[str]:
    """Declared fields of `entity` with every one of `flags` set, in declared order."""
    return [f.name for f in fields.of(entity) if all(getattr(f, flag) for flag in flags)]


def test_the_input_shapes_hold_exactly_the_declared_input_fields() -> None:
    assert list(schemas.OrganisationIn.model_fields) == names("input")
    assert set(schemas.OrganisationPatch.model_fields) == set(names("input", "patch"))
    assert list(schemas.SiteIn.model_fields) == names("input", entity="site")
    assert "synthetic" not in schemas.OrganisationPatch.model_fields  # declared patch: false


def test_the_input_shape_takes_a_value_of_every_declared_field() -> None:
    rec = schemas.OrganisationIn.model_validate(full_record())
    assert set(rec.model_fields_set) == set(names("input"))


def test_the_output_shape_holds_exactly_the_declared_output_fields() -> None:
    shown = set(OrganisationDetail.model_fields)
    assert set(names("output")) <= shown
    assert not ({f.name for f in fields.of(ORG) if not f.output} & shown)
    assert "field_visibility" not in shown  # declared output: false
    assert set(OrganisationSummary.model_fields) - {"id", "pic"} <= set(names("output"))


def test_the_writer_fills_the_declared_single_values() -> None:
    assert fields.fill_blanks(ORG) == SCALARS
    assert {"name", "kind", "country", "visibility", "synthetic"}.isdisjoint(SCALARS)
    assert all(fields.get(ORG, name).single for name in SCALARS)


# --- CSV ----------------------------------------------------------------------------------


def test_csv_columns_exist_exactly_for_declared_fields_with_headers() -> None:
    for kind, entity in (("organisations", ORG), ("sites", "site"), ("people", "person")):
        columns = {c.field: c for c in COLUMNS[kind]}
        declared = {f.name for f in fields.of(entity)}
        assert set(columns) & declared == set(names("csv", entity=entity)), kind
        for name in names("csv", entity=entity):
            column, f = columns[name], fields.get(entity, name)
            assert (column.english, column.italian) == f.csv_headers, (kind, name)
            assert column.required == f.csv_required, (kind, name)


def test_each_csv_header_serves_one_organisation_column() -> None:
    serves: dict[str, set[str]] = {}
    for column in COLUMNS["organisations"]:
        for header in column.headers:
            serves.setdefault(header_key(header), set()).add(column.field)
    shared = {key: fields_ for key, fields_ in serves.items() if len(fields_) > 1}
    assert shared == {"ragionesociale": {"name", "legal_name"}}  # documented on purpose


@pytest.mark.parametrize("language", [0, 1], ids=["english", "italian"])
def test_a_csv_file_fills_every_declared_csv_field(tmp_path: Path, language: int) -> None:
    declared = [f for f in fields.of(ORG) if f.csv]
    path = tmp_path / "members.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([f.csv_headers[language][0] for f in declared])
        writer.writerow([CELLS[f.type] for f in declared])
    table = read_table(path)
    mapping = map_columns(table, COLUMNS["organisations"], "organisations")
    row = Row(table, mapping, *table.rows[0])
    rec = organisation_record(row)
    assert row.errors == [] and mapping.ignored == []
    assert [f.name for f in declared if getattr(rec, f.name) in (None, "", [], {})] == []


# --- export and redaction -----------------------------------------------------------------


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/fields.db")
    database.ensure_ready()
    yield database
    database.dispose()


@pytest.fixture
def declare(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Swap in a changed organisation declaration: `declare(founded_year={"export": False})`."""

    def change(**updates: dict[str, Any]) -> None:
        changed = {
            entity: tuple(dataclasses.replace(f, **updates.get(f.name, {})) for f in declared)
            if entity == ORG
            else declared
            for entity, declared in fields.declaration().items()
        }
        monkeypatch.setattr(fields, "declaration", lambda: changed)
        defaults = {**policy.FIELD_DEFAULTS, ORG: fields.default_levels(ORG)}
        monkeypatch.setattr(policy, "FIELD_DEFAULTS", defaults)
        jsonl_export._exported.cache_clear()

    yield change
    jsonl_export._exported.cache_clear()


def store(db: Database, record: dict[str, Any]) -> int:
    with db.session() as session:
        source = Source(name="fields test", kind="manual")
        session.add(source)
        rec = schemas.OrganisationIn.model_validate(record)
        return upsert(session, rec, source=source, resolver=Resolver.from_session(session)).org_id


def exported(db: Database, viewer: Viewer) -> dict[str, Any]:
    """The organisation line of a JSON lines export as `viewer` sees it."""
    out = io.StringIO()
    with db.session() as session:
        jsonl_export.export_jsonl(session, out, viewer=viewer)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return next(line for line in lines if line["type"] == "organisation")


def profile(db: Database, org_id: int, viewer: Viewer) -> Any:
    with db.session() as session:
        org = queries.get_organisation(session, org_id, viewer=Viewer.system())
        return detail(org, Disclosure(viewer))


def test_the_export_writes_exactly_the_declared_exported_fields(db: Database, declare) -> None:
    store(db, full_record())
    line = exported(db, Viewer.system())
    assert set(line) - {"type", "ref", "source"} == set(names("export"))
    in_row = set(Organisation.__table__.columns.keys())
    assert set(jsonl_export.PARTS) == {f.name for f in fields.of(ORG) if f.attribute not in in_row}
    declare(founded_year={"export": False}, nace={"export": False})
    line = exported(db, Viewer.system())
    assert "founded_year" not in line and "nace" not in line
    assert set(line) - {"type", "ref", "source"} == set(names("export"))


def test_sensitive_field_types_and_defaults_follow_the_declaration() -> None:
    assert get_args(schemas.OrgSensitiveField) == fields.sensitive(ORG)
    assert get_args(schemas.SiteSensitiveField) == fields.sensitive("site")
    for entity in fields.declaration():
        assert policy.FIELD_DEFAULTS[entity] == fields.default_levels(entity)
    assert policy.FIELD_DEFAULTS["capacity"] == {"*": "restricted"}
    assert list(admin_pages.SENSITIVE) == list(fields.sensitive(ORG))


def test_redaction_follows_the_declared_default_levels(db: Database, declare) -> None:
    record = {k: v for k, v in full_record().items() if k != "field_visibility"}
    org_id = store(db, record)
    anonymous = profile(db, org_id, Viewer.anonymous())
    for name in fields.sensitive(ORG):
        public = fields.get(ORG, name).default_visibility == "public"
        assert (getattr(anonymous, name) is not None) == public, name
        assert (name in anonymous.withheld) == (not public), name
    declare(founded_year={"default_visibility": "owner"})
    anonymous = profile(db, org_id, Viewer.anonymous())
    assert anonymous.founded_year is None and "founded_year" in anonymous.withheld
    assert profile(db, org_id, Viewer.system()).founded_year == SAMPLES["year"]
    assert "founded_year" not in exported(db, Viewer.anonymous())
    assert exported(db, Viewer.system())["founded_year"] == SAMPLES["year"]
