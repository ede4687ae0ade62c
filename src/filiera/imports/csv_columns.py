"""The CSV header names each import kind accepts (English and Italian), as data.

The headers of declared fields live in `registry/fields.yaml`; this module adds the columns
that are not a field of the record (identifiers, descriptions by language, links).

Headers are compared by `header_key`: accents, case, spaces and punctuation are ignored, so
"Città", "citta" and "CITTA'" are the same header. Within a column the first header found
wins; a header is used by one column only ("Ragione sociale" is the name unless a "Nome"
column exists, in which case it is the legal name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii

from filiera.registry import fields

NOT_KEY = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class Column:
    field: str
    english: tuple[str, ...]
    italian: tuple[str, ...] = ()
    required: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return self.english + self.italian


@lru_cache(maxsize=4096)
def header_key(text: str) -> str:
    """Comparison key of a header: ASCII, lower case, letters and digits only (cached: cells
    of words such as kinds, levels and codes repeat)."""
    return NOT_KEY.sub("", anyascii(text or "").casefold())


def declared(entity: str, *names: str) -> tuple[Column, ...]:
    """Columns of the declared fields of `entity` that have CSV headers (or of `names`)."""
    return tuple(
        Column(f.name, *f.csv_headers, required=f.csv_required)
        for f in fields.of(entity)
        if f.csv and (not names or f.name in names)
    )


C = Column
# Organisation fields come from the declaration (registry/fields.yaml); the columns below are
# parts of a record: its headquarters site, descriptions, identifiers and cluster.
ORGANISATION_COLUMNS = (
    *declared("organisation"),
    *declared("site", "address", "lat", "lon"),
    C("description_en", ("Description", "Description (en)"), ("Descrizione (en)",)),
    C("description_it", ("Description (it)",), ("Descrizione", "Descrizione (it)")),
    C("pic", ("PIC",), ("Codice PIC",)),
    C("vat", ("VAT", "VAT number"), ("Partita IVA", "P.IVA", "P. IVA")),
    C("lei", ("LEI",), ("Codice LEI",)),
    C("ncage", ("NCAGE", "CAGE", "NCAGE code"), ("Codice NCAGE",)),
    C("cluster", ("Cluster", "Member of"), ("Distretto", "Socio di", "Associazione")),
)

PEOPLE_COLUMNS = (
    *declared("person"),
    C(
        "organisation",
        ("Organisation", "Organization", "Company"),
        ("Organizzazione", "Azienda", "Ente", "Società"),
    ),
    C("title", ("Title", "Role", "Job title", "Position"), ("Ruolo", "Qualifica", "Incarico")),
    C("since", ("Since", "From"), ("Dal", "Da")),
)

MEMBERSHIP_COLUMNS = (
    C(
        "organisation",
        ("Organisation", "Organization", "Member", "Company"),
        ("Organizzazione", "Azienda", "Socio"),
        required=True,
    ),
    C(
        "cluster",
        ("Cluster", "Association", "Network"),
        ("Distretto", "Associazione", "Rete"),
        required=True,
    ),
    C("role", ("Role",), ("Ruolo",)),
    C("since", ("Since", "From"), ("Dal", "Data adesione")),
    C("until", ("Until", "To"), ("Al", "Fino al")),
)

SITE_COLUMNS = (
    C(
        "organisation",
        ("Organisation", "Organization", "Company"),
        ("Organizzazione", "Azienda"),
        required=True,
    ),
    *declared("site"),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "organisations": ORGANISATION_COLUMNS,
    "people": PEOPLE_COLUMNS,
    "memberships": MEMBERSHIP_COLUMNS,
    "sites": SITE_COLUMNS,
}

# Cell values accepted for organisation and site kinds, by `header_key`.
ORG_KIND_WORDS = {
    "pmi": "sme",
    "piccolaemediaimpresa": "sme",
    "piccolaimpresa": "sme",
    "mediaimpresa": "sme",
    "smallormediumenterprise": "sme",
    "startup": "startup",
    "grandeimpresa": "prime",
    "largeenterprise": "prime",
    "primecontractor": "prime",
    "midcap": "midcap",
    "universita": "university",
    "ateneo": "university",
    "centrodiricerca": "research",
    "entediricerca": "research",
    "researchcentre": "research",
    "researchcenter": "research",
    "researchorganisation": "research",
    "entepubblico": "public_body",
    "pubblicaamministrazione": "public_body",
    "publicbody": "public_body",
    "investitore": "investor",
    "fondo": "investor",
    "distretto": "cluster",
    "distrettotecnologico": "cluster",
    "associazione": "cluster",
    "committente": "buyer",
    "altro": "other",
}
SITE_KIND_WORDS = {
    "produzione": "production",
    "stabilimento": "production",
    "plant": "production",
    "factory": "production",
    "ricerca": "research",
    "laboratorio": "research",
    "lab": "research",
    "rd": "research",
    "ufficio": "office",
    "sede": "office",
    "headquarters": "office",
    "hq": "office",
    "prove": "test",
    "collaudo": "test",
    "poligono": "test",
    "altro": "other",
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "si", "vero"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "falso", ""})
