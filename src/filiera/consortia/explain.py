"""Why each partner is in a proposed consortium, in the user's language (en/it)."""

from __future__ import annotations

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "locked": "locked by you",
        "coordinator": "coordinator",
        "fit": "fits the topic: score {score:.2f}, #{rank} of {of} candidates",
        "weak_fit": "little overlap with the topic (score {score:.2f})",
        "covers": "covers {labels}",
        "worked_with": "worked with {names} ({projects} project(s) in common)",
        "close_project": "with {partner} in {project}, a project close to this topic",
        "newcomer": "newcomer: no EU-funded project yet (newcomer bonus)",
        "history": "{n} funded project(s) on record",
        "sme": "SME: counts for the SME share and the EDF SME bonus",
        "midcap": "mid-cap: counts for the EDF mid-cap increase",
        "country": "brings {country} to the consortium",
        "region": "located in {region}",
        "no_visible": "no organisation you may see offers {label}",
        "pool": "best of {pool} candidates considered",
    },
    "it": {
        "locked": "fissato da te",
        "coordinator": "coordinatore",
        "fit": "pertinente al tema: punteggio {score:.2f}, {rank}° di {of} candidati",
        "weak_fit": "poca attinenza con il tema (punteggio {score:.2f})",
        "covers": "copre {labels}",
        "worked_with": "ha già lavorato con {names} ({projects} progetti in comune)",
        "close_project": "con {partner} in {project}, un progetto vicino a questo tema",
        "newcomer": "nuovo ingresso: nessun progetto UE finora (bonus nuovi ingressi)",
        "history": "{n} progetti finanziati in archivio",
        "sme": "PMI: conta per la quota di PMI e per il bonus PMI dell'EDF",
        "midcap": "mid-cap: conta per l'aumento EDF per le mid-cap",
        "country": "porta {country} nel consorzio",
        "region": "con sede in {region}",
        "no_visible": "nessuna organizzazione che puoi vedere offre {label}",
        "pool": "la migliore fra {pool} candidati considerati",
    },
}


def say(lang: str, key: str, **params: object) -> str:
    """The phrase `key` in `lang` (English when that language has none)."""
    table = PHRASES.get(lang) or PHRASES["en"]
    return (table.get(key) or PHRASES["en"][key]).format(**params)
