"""Field validators for the pydantic schemas, built on the value types."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

from filiera.registry import fields, taxonomy, values
from filiera.registry.markings import clean_markings

DESCRIPTION_LANGUAGES = fields.CONTENT_LANGUAGES
KNOWN_TEXTS = 4096  # answers remembered per value type (countries, regions, codes recur)


def _remembered(clean: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`clean` remembering its answer for each text; refusals are not remembered (the
    ValueError is raised afresh, with the same message)."""
    known = lru_cache(maxsize=KNOWN_TEXTS)(clean)

    def check(raw: Any) -> Any:
        return known(raw) if type(raw) is str else clean(raw)

    return check


_country = _remembered(values.clean_country)
_nuts = _remembered(values.clean_nuts)
_nace = _remembered(values.clean_nace)
_nuts_in_country = lru_cache(maxsize=KNOWN_TEXTS)(values.check_nuts_country)


def _required(clean):
    def check(raw: Any) -> str:
        value = clean(raw)
        if value is None:
            raise ValueError("is required")
        return value

    return check


def identifiers(raw: dict[str, str]) -> dict[str, str]:
    """Validate each identifier by its scheme; `source_key` is free text."""
    cleaned: dict[str, str] = {}
    problems: list[str] = []
    for scheme, value in raw.items():
        if scheme == "source_key":
            cleaned[scheme] = str(value).strip()
            continue
        try:
            result = values.clean_identifier(scheme, value)
        except ValueError as error:
            problems.append(str(error))
            continue
        if result:
            cleaned[scheme] = result
    if problems:
        raise ValueError("; ".join(problems))
    return cleaned


def descriptions(raw: dict[str, str]) -> dict[str, str]:
    unknown = sorted(set(raw) - set(DESCRIPTION_LANGUAGES))
    if unknown:
        use = ", ".join(DESCRIPTION_LANGUAGES)
        raise ValueError(f"unsupported description language(s) {unknown}: use {use}")
    return {lang: text.strip() for lang, text in raw.items() if text and text.strip()}


def nace_list(raw: list[str]) -> list[str]:
    return [code for code in (_nace(c) for c in raw) if code]


def capability_code(code: str) -> str:
    if code not in taxonomy.capabilities():
        raise ValueError(f"unknown capability {code!r} (see `filiera taxonomy`)")
    return code


def certification_code(code: str) -> str:
    if code not in taxonomy.certifications():
        raise ValueError(f"unknown certification {code!r}")
    return code


Country = Annotated[str, BeforeValidator(_required(_country))]
OptionalCountry = Annotated[str | None, BeforeValidator(_country)]
OptionalNuts = Annotated[str | None, BeforeValidator(_nuts)]
OptionalUrl = Annotated[str | None, BeforeValidator(values.clean_url)]
OptionalYear = Annotated[int | None, BeforeValidator(values.clean_year)]
OptionalRevenue = Annotated[str | None, BeforeValidator(values.clean_revenue_band)]
Identifiers = Annotated[dict[str, str], AfterValidator(identifiers)]
Descriptions = Annotated[dict[str, str], AfterValidator(descriptions)]
NaceList = Annotated[list[str], AfterValidator(nace_list)]
CapabilityCode = Annotated[str, AfterValidator(capability_code)]
CertificationCode = Annotated[str, AfterValidator(certification_code)]
Markings = Annotated[list[str], AfterValidator(clean_markings)]


def region_matches_country(region: str | None, country: str | None) -> None:
    """A NUTS region must lie in the record's country."""
    if region and country:
        _nuts_in_country(str(region), str(country))
