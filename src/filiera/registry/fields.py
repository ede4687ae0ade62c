"""Each entity's fields, declared once in `fields.yaml` and cross-checked against the tables.

The input, patch and output shapes (`schemas.py`, `directory/profiles.py`), the CSV columns
and import, the JSON lines export, the writer's merge rules and the per-field redaction are
derived from the declaration; a broken declaration raises ConfigurationError naming the field.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import String, inspect

from filiera import yamlfile
from filiera.errors import ConfigurationError
from filiera.registry import models

FIELDS_FILE = Path(__file__).with_name("fields.yaml")

# Value types holding one value; the others hold a list, a mapping or parts of the record.
SINGLE_TYPES = frozenset(
    {
        "text",
        "country",
        "nuts",
        "url",
        "count",
        "year",
        "revenue_band",
        "org_kind",
        "site_kind",
        "visibility",
        "flag",
        "latitude",
        "longitude",
    }
)
MANY_TYPES = frozenset(
    {
        "names",
        "descriptions",
        "identifiers",
        "nace",
        "capabilities",
        "certifications",
        "sites",
        "field_visibility",
        "markings",
    }
)
MERGES = ("fill", "rule")


@dataclasses.dataclass(frozen=True)
class Field:
    """One declared field of an entity (the keys are documented in `fields.yaml`)."""

    entity: str
    name: str
    type: str
    labels: dict[str, str]
    column: str = ""
    max_length: int | None = None
    required: bool = False
    default: Any = None
    example: Any = None
    description: str | None = None
    default_visibility: str | None = None
    merge: str = "fill"
    input: bool = True
    patch: bool = True
    output: bool = True
    export: bool = True
    csv: dict[str, list[str]] | None = None
    csv_required: bool = False

    @property
    def attribute(self) -> str:
        """The model attribute (column or relationship) holding the field."""
        return self.column or self.name

    @property
    def single(self) -> bool:
        return self.type in SINGLE_TYPES

    @property
    def sensitive(self) -> bool:
        return self.default_visibility is not None

    @property
    def fills_blanks(self) -> bool:
        """Does a merge fill this field where the stored value is blank?"""
        return self.single and self.merge == "fill"

    @property
    def csv_headers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """English and Italian CSV headers (both empty when the field has no CSV column)."""
        csv = self.csv or {}
        return tuple(csv.get("en") or ()), tuple(csv.get("it") or ())


KEYS = frozenset(f.name for f in dataclasses.fields(Field)) - {"entity"}


@cache
def _read(path: Path) -> dict[str, Any]:
    try:
        data = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"{path.name}: cannot read the declaration ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("entities"), dict):
        raise ConfigurationError(f"{path.name}: expected `vocabularies` and `entities`")
    return data


def vocabulary(path: Path, name: str) -> tuple[str, ...]:
    """A list of names declared under `vocabularies` (visibility levels, languages)."""
    values = (_read(path).get("vocabularies") or {}).get(name)
    if not values or not all(isinstance(v, str) for v in values):
        raise ConfigurationError(f"{path.name}: vocabulary `{name}` must list names")
    return tuple(values)


VISIBILITY_LEVELS = vocabulary(FIELDS_FILE, "visibility_levels")
CONTENT_LANGUAGES = vocabulary(FIELDS_FILE, "content_languages")


def load(path: Path) -> dict[str, tuple[Field, ...]]:
    """Read and cross-check a declaration: entity -> its fields, in declared order."""
    return {
        entity: _entity(path, entity, spec or {})
        for entity, spec in _read(path)["entities"].items()
    }


@cache
def declaration() -> dict[str, tuple[Field, ...]]:
    """The registry's declaration (`fields.yaml`), loaded and checked once."""
    return load(FIELDS_FILE)


def _entity(path: Path, entity: str, spec: dict[str, Any]) -> tuple[Field, ...]:
    model = getattr(models, str(spec.get("model")), None)
    if not isinstance(model, type) or not hasattr(model, "__table__"):
        raise ConfigurationError(f"{path.name}: {entity}: unknown model {spec.get('model')!r}")
    declared = tuple(_field(path, entity, raw) for raw in spec.get("fields") or ())
    names = [f.name for f in declared]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigurationError(f"{path.name}: {entity}: fields declared twice: {twice}")
    for f in declared:
        _check(path, f, model)
    return declared


def _field(path: Path, entity: str, raw: Any) -> Field:
    if not isinstance(raw, dict) or not {"name", "type", "labels"} <= set(raw):
        raise ConfigurationError(f"{path.name}: {entity}: {raw!r} needs name, type and labels")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ConfigurationError(f"{path.name}: {entity}.{raw['name']}: unknown keys {unknown}")
    return Field(entity=entity, **raw)


def _check(path: Path, f: Field, model: type) -> None:
    """Fail loudly, naming the field, on anything the derived code could not rely on."""
    where = f"{path.name}: {f.entity}.{f.name}"
    languages = vocabulary(path, "content_languages")
    problems = [
        f.type not in SINGLE_TYPES | MANY_TYPES and f"unknown type {f.type!r}",
        f.merge not in MERGES and f"merge must be one of {', '.join(MERGES)}",
        _missing_labels(f, languages) and f"labels needed in {', '.join(languages)}",
        f.sensitive
        and f.default_visibility not in vocabulary(path, "visibility_levels")
        and f"unknown default_visibility {f.default_visibility!r}",
        f.csv is not None and not f.csv_headers[0] and "csv needs English headers (en)",
        _column_problem(f, model),
    ]
    found = [p for p in problems if p]
    if found:
        raise ConfigurationError(f"{where}: {'; '.join(found)}")


def _missing_labels(f: Field, languages: tuple[str, ...]) -> bool:
    labels = f.labels if isinstance(f.labels, dict) else {}
    return any(not str(labels.get(lang) or "").strip() for lang in languages)


def _column_problem(f: Field, model: type) -> str | None:
    """Why the table cannot hold the field, or None when it can."""
    mapper = inspect(model)
    if f.single and f.column not in ("", f.name):
        return "a single value is stored under its own name (no `column`)"
    if f.attribute in mapper.relationships:
        return f"{f.attribute} is a relationship, not a single value" if f.single else None
    column = mapper.columns.get(f.attribute)
    if column is None:
        return f"no column or relationship {f.attribute!r} in table {model.__tablename__}"
    length = column.type.length if isinstance(column.type, String) else None
    if f.max_length and length and f.max_length > length:
        return f"max_length {f.max_length} exceeds the column's {length}"
    return None


# --- accessors ----------------------------------------------------------------------------


def of(entity: str) -> tuple[Field, ...]:
    """The declared fields of `entity`, in declared order."""
    try:
        return declaration()[entity]
    except KeyError:
        raise ConfigurationError(f"no fields declared for {entity!r}") from None


def get(entity: str, name: str) -> Field:
    """One declared field."""
    for f in of(entity):
        if f.name == name:
            return f
    raise ConfigurationError(f"{entity} has no declared field {name!r}")


def sensitive(entity: str) -> tuple[str, ...]:
    """Names of the fields with their own visibility level."""
    return tuple(f.name for f in of(entity) if f.sensitive)


def default_levels(entity: str) -> dict[str, str]:
    """Sensitive field -> its level when a record does not set one."""
    return {f.name: f.default_visibility for f in of(entity) if f.default_visibility}


def fill_blanks(entity: str) -> tuple[str, ...]:
    """Single-valued fields a merge fills where the stored value is blank."""
    return tuple(f.name for f in of(entity) if f.fills_blanks)


def csv_headers(entity: str, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """English and Italian CSV headers of a field."""
    return get(entity, name).csv_headers


def label(entity: str, name: str, lang: str = "en") -> str:
    """The field's label in `lang` (English when `lang` is not a content language)."""
    labels = get(entity, name).labels
    return labels.get(lang) or labels["en"]
