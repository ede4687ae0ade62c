"""The CSV header names each import kind accepts (English and Italian), as data.

Headers are compared by `header_key`: accents, case, spaces and punctuation are ignored, so
"Città", "citta" and "CITTA'" are the same header. Within a column the first header found
wins; a header is used by one column only ("Ragione sociale" is the name unless a "Nome"
column exists, in which case it is the legal name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyascii import anyascii


@dataclass(frozen=True)
class Column:
    field: str
    english: tuple[str, ...]
    italian: tuple[str, ...] = ()
    required: bool = False

    @property
    def headers(self) -> tuple[str, ...]:
        return self.english + self.italian


def header_key(text: str) -> str:
    """Comparison key of a header: ASCII, lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", anyascii(text or "").casefold())


C = Column
ORGANISATION_COLUMNS = (
    C("name", ("Name", "Organisation", "Organization", "Company"),
      ("Nome", "Denominazione", "Azienda", "Ragione sociale"), required=True),
    C("legal_name", ("Legal name",), ("Ragione sociale",)),
    C("aliases", ("Aliases", "Also known as"), ("Altri nomi", "Alias")),
    C("kind", ("Kind", "Type"), ("Tipo", "Tipologia")),
    C("country", ("Country",), ("Paese", "Nazione", "Stato"), required=True),
    C("region", ("Region", "NUTS", "NUTS code"), ("Regione", "Codice NUTS")),
    C("city", ("City", "Town"), ("Città", "Comune", "Località")),
    C("address", ("Address",), ("Indirizzo",)),
    C("lat", ("Lat", "Latitude"), ("Latitudine",)),
    C("lon", ("Lon", "Lng", "Longitude"), ("Longitudine",)),
    C("website", ("Website", "Web", "URL"), ("Sito web", "Sito", "Sito internet")),
    C("description_en", ("Description", "Description (en)"), ("Descrizione (en)",)),
    C("description_it", ("Description (it)",), ("Descrizione", "Descrizione (it)")),
    C("pic", ("PIC",), ("Codice PIC",)),
    C("vat", ("VAT", "VAT number"), ("Partita IVA", "P.IVA", "P. IVA")),
    C("lei", ("LEI",), ("Codice LEI",)),
    C("ncage", ("NCAGE", "CAGE", "NCAGE code"), ("Codice NCAGE",)),
    C("employees", ("Employees", "Headcount"), ("Dipendenti", "Numero dipendenti", "Addetti")),
    C("revenue_band", ("Revenue band", "Revenue"), ("Fascia di fatturato", "Fatturato")),
    C("founded_year", ("Founded year", "Founded", "Year founded"),
      ("Anno fondazione", "Anno di fondazione", "Fondazione")),
    C("capabilities", ("Capabilities",), ("Capacità", "Competenze")),
    C("certifications", ("Certifications",), ("Certificazioni",)),
    C("nace", ("NACE", "NACE codes"), ("ATECO", "Codice ATECO", "Codici ATECO")),
    C("cluster", ("Cluster", "Member of"), ("Distretto", "Socio di", "Associazione")),
    C("synthetic", ("Synthetic",), ("Sintetico",)),
)  # fmt: skip

PEOPLE_COLUMNS = (
    C("name", ("Name", "Full name"), ("Nome e cognome", "Nominativo", "Nome", "Referente"),
      required=True),
    C("email", ("Email", "E-mail", "Mail"), ("Posta elettronica",)),
    C("phone", ("Phone", "Telephone", "Tel"), ("Telefono", "Cellulare")),
    C("organisation", ("Organisation", "Organization", "Company"),
      ("Organizzazione", "Azienda", "Ente", "Società")),
    C("title", ("Title", "Role", "Job title", "Position"), ("Ruolo", "Qualifica", "Incarico")),
    C("since", ("Since", "From"), ("Dal", "Da")),
)  # fmt: skip

MEMBERSHIP_COLUMNS = (
    C("organisation", ("Organisation", "Organization", "Member", "Company"),
      ("Organizzazione", "Azienda", "Socio"), required=True),
    C("cluster", ("Cluster", "Association", "Network"), ("Distretto", "Associazione", "Rete"),
      required=True),
    C("role", ("Role",), ("Ruolo",)),
    C("since", ("Since", "From"), ("Dal", "Data adesione")),
    C("until", ("Until", "To"), ("Al", "Fino al")),
)  # fmt: skip

SITE_COLUMNS = (
    C("organisation", ("Organisation", "Organization", "Company"),
      ("Organizzazione", "Azienda"), required=True),
    C("name", ("Name", "Site name", "Site"), ("Nome sito", "Nome", "Sito", "Sede"),
      required=True),
    C("kind", ("Kind", "Type"), ("Tipo", "Tipologia")),
    C("address", ("Address",), ("Indirizzo",)),
    C("city", ("City", "Town"), ("Città", "Comune", "Località")),
    C("country", ("Country",), ("Paese", "Nazione", "Stato")),
    C("region", ("Region", "NUTS", "NUTS code"), ("Regione", "Codice NUTS")),
    C("lat", ("Lat", "Latitude"), ("Latitudine",)),
    C("lon", ("Lon", "Lng", "Longitude"), ("Longitudine",)),
)  # fmt: skip

COLUMNS: dict[str, tuple[Column, ...]] = {
    "organisations": ORGANISATION_COLUMNS,
    "people": PEOPLE_COLUMNS,
    "memberships": MEMBERSHIP_COLUMNS,
    "sites": SITE_COLUMNS,
}

# Cell values accepted for organisation and site kinds, by `header_key`.
ORG_KIND_WORDS = {
    "pmi": "sme", "piccolaemediaimpresa": "sme", "piccolaimpresa": "sme", "mediaimpresa": "sme",
    "smallormediumenterprise": "sme", "startup": "startup", "grandeimpresa": "prime",
    "largeenterprise": "prime", "primecontractor": "prime", "midcap": "midcap",
    "universita": "university", "ateneo": "university", "centrodiricerca": "research",
    "entediricerca": "research", "researchcentre": "research", "researchcenter": "research",
    "researchorganisation": "research", "entepubblico": "public_body",
    "pubblicaamministrazione": "public_body", "publicbody": "public_body",
    "investitore": "investor", "fondo": "investor", "distretto": "cluster",
    "distrettotecnologico": "cluster", "associazione": "cluster", "committente": "buyer",
    "altro": "other",
}  # fmt: skip
SITE_KIND_WORDS = {
    "produzione": "production", "stabilimento": "production", "plant": "production",
    "factory": "production", "ricerca": "research", "laboratorio": "research", "lab": "research",
    "rd": "research", "ufficio": "office", "sede": "office", "headquarters": "office",
    "hq": "office", "prove": "test", "collaudo": "test", "poligono": "test", "altro": "other",
}  # fmt: skip
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "si", "vero"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "falso", ""})
