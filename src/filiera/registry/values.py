"""Small validating value types for registry fields.

Every `clean_*` function takes raw user or import input and returns the normalised value, or
None when the input is empty; invalid input raises `ValueError` with a message meant for humans.
`clean_identifier` picks the cleaner of an identifier scheme (pic, vat, lei, ncage).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import naceconverter
from anyascii import anyascii
from stdnum import lei as _lei
from stdnum.eu import vat as _vat
from stdnum.exceptions import ValidationError

from filiera.registry import nuts_table

# ISO 3166-1 alpha-2 (all 249 officially assigned codes) plus XK (Kosovo), used by the EU.
_ISO_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW XK
    """
ISO_COUNTRIES = frozenset(_ISO_CODES.split())

# EU institutions' conventions that differ from ISO 3166-1.
COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}

# Country names (en, it, fr, de, native) and alpha-3 codes for EU, EEA, NATO and neighbours.
COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "AL": ("ALB", "Albania", "Albanie", "Albanien", "Shqiperia"),
    "AT": ("AUT", "Austria", "Autriche", "Österreich"),
    "BE": ("BEL", "Belgium", "Belgio", "Belgique", "Belgien", "België"),
    "BG": ("BGR", "Bulgaria", "Bulgarie", "Bulgarien", "България"),
    "CA": ("CAN", "Canada", "Kanada"),
    "CH": ("CHE", "Switzerland", "Svizzera", "Suisse", "Schweiz"),
    "CY": ("CYP", "Cyprus", "Cipro", "Chypre", "Zypern", "Κύπρος"),
    "CZ": (
        "CZE",
        "Czechia",
        "Czech Republic",
        "Cechia",
        "Repubblica Ceca",
        "Tchéquie",
        "République tchèque",
        "Tschechien",
        "Česko",
        "Česká republika",
    ),
    "DE": ("DEU", "Germany", "Germania", "Allemagne", "Deutschland"),
    "DK": ("DNK", "Denmark", "Danimarca", "Danemark", "Dänemark", "Danmark"),
    "EE": ("EST", "Estonia", "Estonie", "Estland", "Eesti"),
    "ES": ("ESP", "Spain", "Spagna", "Espagne", "Spanien", "España"),
    "FI": ("FIN", "Finland", "Finlandia", "Finlande", "Finnland", "Suomi"),
    "FR": ("FRA", "France", "Francia", "Frankreich"),
    "GB": (
        "GBR",
        "United Kingdom",
        "Great Britain",
        "Britain",
        "Regno Unito",
        "Royaume-Uni",
        "Vereinigtes Königreich",
        "Großbritannien",
    ),
    "GR": ("GRC", "Greece", "Grecia", "Grèce", "Griechenland", "Ελλάδα", "Hellas"),
    "HR": ("HRV", "Croatia", "Croazia", "Croatie", "Kroatien", "Hrvatska"),
    "HU": ("HUN", "Hungary", "Ungheria", "Hongrie", "Ungarn", "Magyarország"),
    "IE": ("IRL", "Ireland", "Irlanda", "Irlande", "Irland", "Éire"),
    "IS": ("ISL", "Iceland", "Islanda", "Islande", "Island", "Ísland"),
    "IT": ("ITA", "Italy", "Italia", "Italie", "Italien"),
    "LI": ("LIE", "Liechtenstein"),
    "LT": ("LTU", "Lithuania", "Lituania", "Lituanie", "Litauen", "Lietuva"),
    "LU": ("LUX", "Luxembourg", "Lussemburgo", "Luxemburg", "Lëtzebuerg"),
    "LV": ("LVA", "Latvia", "Lettonia", "Lettonie", "Lettland", "Latvija"),
    "ME": ("MNE", "Montenegro", "Monténégro", "Crna Gora"),
    "MK": (
        "MKD",
        "North Macedonia",
        "Macedonia del Nord",
        "Macédoine du Nord",
        "Nordmazedonien",
        "Северна Македонија",
    ),
    "MT": ("MLT", "Malta", "Malte"),
    "NL": (
        "NLD",
        "Netherlands",
        "The Netherlands",
        "Holland",
        "Paesi Bassi",
        "Olanda",
        "Pays-Bas",
        "Niederlande",
        "Nederland",
    ),
    "NO": ("NOR", "Norway", "Norvegia", "Norvège", "Norwegen", "Norge"),
    "PL": ("POL", "Poland", "Polonia", "Pologne", "Polen", "Polska"),
    "PT": ("PRT", "Portugal", "Portogallo"),
    "RO": ("ROU", "Romania", "Roumanie", "Rumänien", "România"),
    "RS": ("SRB", "Serbia", "Serbie", "Serbien", "Srbija"),
    "SE": ("SWE", "Sweden", "Svezia", "Suède", "Schweden", "Sverige"),
    "SI": ("SVN", "Slovenia", "Slovénie", "Slowenien", "Slovenija"),
    "SK": ("SVK", "Slovakia", "Slovacchia", "Slovaquie", "Slowakei", "Slovensko"),
    "TR": ("TUR", "Turkey", "Türkiye", "Turchia", "Turquie", "Türkei"),
    "UA": ("UKR", "Ukraine", "Ucraina", "Україна"),
    "US": (
        "USA",
        "United States",
        "United States of America",
        "Stati Uniti",
        "États-Unis",
        "Vereinigte Staaten",
    ),
}

REVENUE_BANDS = ("<2M", "2-10M", "10-50M", "50-250M", "250M-1B", ">1B")
MIN_YEAR = 1800


def _key(text: str) -> str:
    """Transliterate, case-fold and drop everything but letters and digits."""
    return re.sub(r"[^a-z0-9]", "", anyascii(text).casefold())


@cache
def _country_name_index() -> dict[str, str]:
    return {_key(name): code for code, names in COUNTRY_NAMES.items() for name in names}


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def clean_country(raw: Any) -> str | None:
    """ISO 3166-1 alpha-2 code from a code (any case, EL/UK accepted) or a country name."""
    if _blank(raw):
        return None
    text = str(raw).strip()
    if len(text) == 2 and text.isalpha():
        code = COUNTRY_ALIASES.get(text.upper(), text.upper())
        if code in ISO_COUNTRIES:
            return code
        raise ValueError(f"unknown country code {text!r}: expected ISO 3166-1 alpha-2, e.g. IT")
    code = _country_name_index().get(_key(text))
    if code is None:
        raise ValueError(f"unknown country {text!r}: use an ISO 3166-1 alpha-2 code such as FR")
    return code


def clean_pic(raw: Any) -> str | None:
    """EU Participant Identification Code: exactly nine digits."""
    if _blank(raw):
        return None
    text = re.sub(r"\s", "", str(raw))
    if not re.fullmatch(r"\d{9}", text):
        raise ValueError(f"invalid PIC {raw!r}: a PIC is exactly 9 digits")
    return text


def clean_vat(raw: Any) -> str | None:
    """EU VAT number with its country prefix, in compact form (e.g. IT00743110157)."""
    if _blank(raw):
        return None
    text = str(raw).strip()
    compact = re.sub(r"[\s.\-/]", "", text).upper()
    if not compact[:2].isalpha():
        raise ValueError(f"invalid VAT number {text!r}: it must start with a country prefix")
    try:
        return _vat.validate(compact)
    except ValidationError as exc:
        raise ValueError(f"invalid VAT number {text!r}: {exc}") from None


def vat_country(vat: str) -> str:
    """ISO country of a (clean) VAT number: EL maps to GR and XI (Northern Ireland) to GB."""
    prefix = vat[:2].upper()
    return {"XI": "GB"}.get(prefix, COUNTRY_ALIASES.get(prefix, prefix))


def clean_lei(raw: Any) -> str | None:
    """ISO 17442 Legal Entity Identifier (20 characters, ISO 7064 check digits)."""
    if _blank(raw):
        return None
    text = str(raw).strip()
    try:
        return _lei.validate(text)
    except ValidationError as exc:
        raise ValueError(f"invalid LEI {text!r}: {exc}") from None


def clean_ncage(raw: Any) -> str | None:
    """NATO (N)CAGE code: five letters or digits, upper case; I and O are never used."""
    if _blank(raw):
        return None
    text = re.sub(r"[\s-]", "", str(raw)).upper()
    if not re.fullmatch(r"[A-Z0-9]{5}", text):
        raise ValueError(f"invalid NCAGE code {raw!r}: expected 5 letters or digits")
    if "I" in text or "O" in text:
        raise ValueError(f"invalid NCAGE code {raw!r}: the letters I and O are not used")
    return text


@cache
def _nuts_index() -> dict[str, nuts_table.Region]:
    return {region.code: region for region in nuts_table.regions()}


def preload_nuts() -> None:
    """Read the NUTS table now: a server does it before its first request, which would
    otherwise wait for it (and every request queued behind that one)."""
    _nuts_index()


def clean_nuts(raw: Any) -> str | None:
    """NUTS 2024 region code (levels 1 to 3); GR is accepted for Greece's EL prefix."""
    if _blank(raw):
        return None
    text = re.sub(r"\s", "", str(raw)).upper()
    if text.startswith("GR"):
        text = "EL" + text[2:]
    if text not in _nuts_index():
        raise ValueError(f"unknown NUTS region code {raw!r}")
    return text


def nuts_name(code: str) -> str:
    """Official (native-language) name of a NUTS region."""
    return _nuts_index()[clean_nuts(code) or ""].label


def nuts_level(code: str) -> int:
    """NUTS level (1, 2 or 3) of a region code."""
    return int(_nuts_index()[clean_nuts(code) or ""].level)


def nuts_country(code: str) -> str:
    """ISO 3166-1 alpha-2 country of a NUTS region (EL becomes GR)."""
    region = _nuts_index()[clean_nuts(code) or ""]
    return COUNTRY_ALIASES.get(region.country_code, region.country_code)


def check_nuts_country(nuts: str, country: str) -> None:
    """Raise ValueError unless the NUTS region lies in `country` (an ISO alpha-2 code)."""
    actual = nuts_country(nuts)
    expected = clean_country(country)
    if actual != expected:
        raise ValueError(f"NUTS region {nuts} is in {actual}, not in {expected}")


# NACE Rev. 2 classes that naceconverter's NACE Rev. 2.1 table split or renumbered.
NACE_REV2_HINTS = {
    "30.30": "30.31 (civilian) or 30.32 (military air and spacecraft)",
    "25.40": "25.30 (weapons and ammunition)",
    "20.51": "20.59 (explosives are other chemical products)",
    "72.19": "72.10 (research on natural sciences and engineering)",
    "62.01": "62.10 (computer programming)",
    "62.02": "62.20 (computer consultancy)",
}


def clean_nace(raw: Any) -> str | None:
    """NACE Rev. 2.1 division, group or class code in dotted form (3032 -> 30.32)."""
    if _blank(raw):
        return None
    text = re.sub(r"[\s.]", "", str(raw))
    if not re.fullmatch(r"\d{2,4}", text):
        raise ValueError(f"invalid NACE code {raw!r}: expected e.g. 30.32")
    code = text if len(text) == 2 else f"{text[:2]}.{text[2:]}"
    if nace_label(code) is None:
        hint = NACE_REV2_HINTS.get(code)
        extra = f" (NACE Rev. 2.1 uses {hint})" if hint else ""
        raise ValueError(f"unknown NACE Rev. 2.1 code {raw!r}{extra}")
    return code


def nace_label(code: str) -> str | None:
    """English title of a NACE Rev. 2.1 code, or None when unknown."""
    if not re.fullmatch(r"\d{2}(\.\d{1,2})?", code.strip()):
        return None
    return naceconverter.get_description(code.strip())


_HOST = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}")


def clean_url(raw: Any) -> str | None:
    """Website URL: https:// is added when no scheme is given; host must look like a domain."""
    if _blank(raw):
        return None
    text = str(raw).strip()
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", text):
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"invalid website {raw!r}: only http and https are allowed")
    host = (parts.hostname or "").rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        ascii_host = ""
    if " " in text or parts.username or not _HOST.fullmatch(ascii_host):
        raise ValueError(f"invalid website {raw!r}: expected a domain name such as example.com")
    netloc = ascii_host if parts.port is None else f"{ascii_host}:{parts.port}"
    path = "" if parts.path == "/" else parts.path
    return urlunsplit((parts.scheme.lower(), netloc, path, parts.query, ""))


def _clean_int(raw: Any, what: str) -> int | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool):
        raise ValueError(f"invalid {what} {raw!r}: expected a whole number")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    text = re.sub(r"(?<=\d)[\s,.'](?=\d{3}\b)", "", str(raw).strip())
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f"invalid {what} {raw!r}: expected a whole number")
    return int(text)


def clean_year(raw: Any) -> int | None:
    """A year between 1800 and the current year."""
    year = _clean_int(raw, "year")
    if year is not None and not MIN_YEAR <= year <= date.today().year:
        raise ValueError(f"invalid year {raw!r}: must be between {MIN_YEAR} and this year")
    return year


def clean_employees(raw: Any) -> int | None:
    """A head count: a non-negative whole number (thousands separators accepted)."""
    count = _clean_int(raw, "employee count")
    if count is not None and count < 0:
        raise ValueError(f"invalid employee count {raw!r}: cannot be negative")
    return count


def clean_revenue_band(raw: Any) -> str | None:
    """One of REVENUE_BANDS; spacing and case are forgiven ("2 - 10 m" -> "2-10M")."""
    if _blank(raw):
        return None
    text = re.sub(r"\s", "", str(raw)).upper()
    if text not in REVENUE_BANDS:
        raise ValueError(
            f"invalid revenue band {raw!r}: expected one of {', '.join(REVENUE_BANDS)}"
        )
    return text


IDENTIFIER_SCHEMES: dict[str, Callable[[Any], str | None]] = {
    "pic": clean_pic,
    "vat": clean_vat,
    "lei": clean_lei,
    "ncage": clean_ncage,
}


def clean_identifier(scheme: str, raw: Any) -> str | None:
    """Clean an identifier of a scheme listed in IDENTIFIER_SCHEMES."""
    clean = IDENTIFIER_SCHEMES.get(scheme)
    if clean is None:
        raise ValueError(
            f"unknown identifier scheme {scheme!r}: use {', '.join(IDENTIFIER_SCHEMES)}"
        )
    return clean(raw)
