"""Pydantic shapes of registry records: what imports, the API and the CLI accept and return."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from filiera.errors import ValidationFailed, field_error
from filiera.registry import checks, fields
from filiera.registry.models import CAPABILITY_LEVELS, ORG_KINDS, RELATION_KINDS

OrgKind = Literal[ORG_KINDS]  # type: ignore[valid-type]
SiteKind = Literal["production", "research", "office", "test", "other"]
CapabilityLevel = Literal[CAPABILITY_LEVELS]  # type: ignore[valid-type]
RelationKind = Literal[RELATION_KINDS]  # type: ignore[valid-type]
Visibility = Literal[fields.VISIBILITY_LEVELS]  # type: ignore[valid-type]
OrgSensitiveField = Literal[fields.sensitive("organisation")]  # type: ignore[valid-type]
SiteSensitiveField = Literal[fields.sensitive("site")]  # type: ignore[valid-type]
Text300 = Annotated[str, Field(max_length=300)]
T = TypeVar("T", bound=BaseModel)
# Validation context key: the caller has checked that no text of the input holds NUL (a CSV
# file checked once as a whole), so the per-field check is skipped.
NUL_CHECKED = "nul_checked"
REPLACES = "Replaces the whole list when given"


def _has_nul(value: Any) -> bool:
    """Does any text in `value` (nested lists and dicts included) hold a NUL character?"""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        """NUL characters are refused (PostgreSQL cannot store them; nobody types them)."""
        if info.context and info.context.get(NUL_CHECKED):
            return value
        if _has_nul(value):
            raise ValueError("must not contain NUL (\\x00) characters")
        return value


class CapabilityIn(_In):
    code: checks.CapabilityCode = Field(examples=["munitions.ammunition"])
    level: CapabilityLevel = "claimed"
    evidence: str | None = None


class CertificationIn(_In):
    code: checks.CertificationCode = Field(examples=["en9100"])
    scope: str | None = None
    issuer: str | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None


# --- shapes derived from the field declaration (fields.yaml) -------------------------------

# Single-value type -> (annotation of a given value, annotation of a value that may be left
# out); CONSTRAINTS holds the limits a type always has.
SINGLE: dict[str, tuple[Any, Any]] = {
    "text": (str, str | None),
    "country": (checks.Country, checks.OptionalCountry),
    "nuts": (checks.OptionalNuts, checks.OptionalNuts),
    "url": (checks.OptionalUrl, checks.OptionalUrl),
    "count": (int, int | None),
    "year": (checks.OptionalYear, checks.OptionalYear),
    "revenue_band": (checks.OptionalRevenue, checks.OptionalRevenue),
    "org_kind": (OrgKind, OrgKind | None),
    "site_kind": (SiteKind, SiteKind | None),
    "visibility": (Visibility, Visibility | None),
    "flag": (bool, bool | None),
    "latitude": (float, float | None),
    "longitude": (float, float | None),
}
CONSTRAINTS: dict[str, dict[str, Any]] = {
    "count": {"ge": 0, "le": 2_147_483_647},  # what an INTEGER column holds on PostgreSQL
    "latitude": {"ge": -90, "le": 90},
    "longitude": {"ge": -180, "le": 180},
}
# List or mapping type -> annotation (`_many` adds the types that depend on the entity).
MANY: dict[str, Any] = {
    "names": list[Text300],
    "descriptions": checks.Descriptions,
    "identifiers": checks.Identifiers,
    "nace": checks.NaceList,
    "capabilities": list[CapabilityIn],
    "certifications": list[CertificationIn],
    "markings": checks.Markings,
}
MAPPINGS = ("descriptions", "identifiers", "field_visibility")
PARTS = {"capabilities": 200, "certifications": 100, "sites": 200}  # most items in a patch


def _many(f: fields.Field) -> Any:
    """The annotation of a list or mapping type."""
    if f.type == "field_visibility":
        return dict[Literal[fields.sensitive(f.entity)], Visibility]  # type: ignore[valid-type]
    if f.type == "sites":
        return list[SiteIn]
    return MANY[f.type]


def _constraints(f: fields.Field) -> dict[str, Any]:
    limits = dict(CONSTRAINTS.get(f.type, {}))
    if f.max_length is not None:
        limits["max_length"] = f.max_length
    if f.required and f.type == "text":
        limits["min_length"] = 1
    return limits


def _docs(f: fields.Field) -> dict[str, Any]:
    docs: dict[str, Any] = {"examples": [f.example]} if f.example is not None else {}
    return {**docs, "description": f.description} if f.description else docs


def _input(f: fields.Field) -> tuple[Any, Any]:
    """Annotation and pydantic Field of `f` in the input shape."""
    if not f.single:
        empty = dict if f.type in MAPPINGS else list
        return _many(f), Field(default_factory=empty, **_docs(f))
    given, optional = SINGLE[f.type]
    if f.required:
        return given, Field(**_constraints(f), **_docs(f))
    if f.default is not None:
        return given, Field(default=f.default, **_constraints(f), **_docs(f))
    return optional, Field(default=None, **_constraints(f), **_docs(f))


def _patch(f: fields.Field) -> tuple[Any, Any]:
    """Annotation and pydantic Field of `f` in the patch shape: every field may be left out."""
    if not f.single:
        limits = {"max_length": PARTS[f.type], "description": REPLACES} if f.type in PARTS else {}
        return _many(f) | None, Field(default=None, **limits)
    return SINGLE[f.type][1], Field(default=None, **_constraints(f))


def shape(entity: str, *, patch: bool = False) -> dict[str, Any]:
    """`create_model` definitions of the declared input (or patch) fields of `entity`."""
    declared = [f for f in fields.of(entity) if f.input and (f.patch or not patch)]
    if patch:  # parts replaced whole when given come last
        declared.sort(key=lambda f: f.type in PARTS)
    return {f.name: (_patch if patch else _input)(f) for f in declared}


class _SiteIn(_In):
    @model_validator(mode="after")
    def _region_in_country(self) -> _SiteIn:
        checks.region_matches_country(self.region, self.country)
        return self


SiteIn = create_model("SiteIn", __base__=_SiteIn, **shape("site"))


class _OrganisationIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Leonardo S.p.A.",
                    "kind": "prime",
                    "country": "IT",
                    "city": "Rome",
                    "website": "https://www.leonardo.com",
                    "identifiers": {"pic": "999880463"},
                    "capabilities": [{"code": "air.rotorcraft", "level": "evidenced"}],
                }
            ]
        },
    )

    @model_validator(mode="after")
    def _region_in_country(self) -> _OrganisationIn:
        checks.region_matches_country(self.region, self.country)
        return self


OrganisationIn = create_model(
    "OrganisationIn",
    __base__=_OrganisationIn,
    __doc__="A new or updated organisation, validated field by field.",
    **shape("organisation"),
)
OrganisationPatch = create_model(
    "OrganisationPatch",
    __base__=_In,
    __doc__="Partial update: only the fields given change.",
    **shape("organisation", patch=True),
)


class PersonIn(_In):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=60)
    organisation: str | None = Field(default=None, description="name or PIC of the organisation")
    title: str | None = None
    since: dt.date | None = None


class MembershipIn(_In):
    organisation: str = Field(description="name or PIC of the member")
    cluster: str = Field(description="name of the cluster or association")
    role: str = Field(default="member", min_length=1, max_length=40)
    since: dt.date | None = None
    until: dt.date | None = None


class RelationIn(_In):
    kind: RelationKind
    source: str
    target: str
    date: dt.date | None = None
    description: str | None = None
    reference: str | None = None


def validation_errors(record: str, error: ValidationError) -> list[dict[str, str]]:
    """Turn pydantic's errors into Filiera's {record, field, message} list."""
    return [
        field_error(record, ".".join(str(p) for p in e["loc"]) or "(record)", _message(e))
        for e in error.errors()
    ]


def _message(error: dict[str, Any]) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def parse(
    model: type[T], data: dict[str, Any], record: str, *, context: dict[str, Any] | None = None
) -> T:
    """Validate `data` as `model`, raising one ValidationFailed listing every bad field."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as error:
        errors = validation_errors(record, error)
        raise ValidationFailed(f"{record}: {len(errors)} invalid field(s)", errors=errors) from None


class SharedFieldsSet(set):
    """The names of the fields a record was given, one set shared by many records: it
    refuses to grow (assigning a field of a shared record raises) and copies as a set."""

    def _refuse(self, *_args: Any) -> None:
        raise TypeError("a record whose fields set is shared (a bulk import's) is read-only")

    add = discard = remove = pop = clear = update = _refuse
    __ior__ = __iand__ = __isub__ = __ixor__ = _refuse
    difference_update = intersection_update = symmetric_difference_update = _refuse

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, _memo: Any) -> set[str]:
        return set(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (SharedFieldsSet, (list(self),))


_SHARED_FIELDS_SETS: dict[frozenset[str], SharedFieldsSet] = {}
SHARED_FIELDS_SETS_MAX = 4096  # distinct sets kept; a file's rows share a few dozen


def share_fields_sets(record: BaseModel) -> BaseModel:
    """`record`, its nested models' too, with each fields set replaced by one shared set
    per distinct set of names (`SharedFieldsSet`), and returned.

    A bulk import holds every validated record of its file at once, and each model's own
    set of the fields it was given was a third of a record's memory (2.2 of 6.5 KB for a
    member-list row). The record reads, compares, dumps and pickles as before; assigning a
    field afterwards raises, so only records that are no longer changed are shared.
    """
    shared = _SHARED_FIELDS_SETS
    if len(shared) >= SHARED_FIELDS_SETS_MAX:
        shared.clear()
    names = frozenset(record.__pydantic_fields_set__)
    one = shared.get(names)
    if one is None:
        one = shared[names] = SharedFieldsSet(names)
    object.__setattr__(record, "__pydantic_fields_set__", one)
    values = record.__dict__
    for name in _nested(type(record)):
        value = values[name]
        for item in value if isinstance(value, list) else (value,):
            if item is not None:
                share_fields_sets(item)
    return record


@cache
def _nested(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `model` that hold a model or a list of models."""
    return tuple(name for name, info in model.model_fields.items() if _holds_model(info.annotation))


def _holds_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_holds_model(arg) for arg in get_args(annotation))
