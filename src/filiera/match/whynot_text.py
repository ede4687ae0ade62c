"""The sentences of a "why not" answer in English, Italian, French and German.

Each reason of `match.whynot` is a dict with a `key`, its facts and a `text` made here from
one template per key and language (English when a language is missing). Numbers keep a
dot in every language, as scores do on the results page.
"""

from __future__ import annotations

from filiera.match.concepts import lexicon
from filiera.match.explain import KIND_LABELS as KINDS
from filiera.registry import taxonomy

LANGS = ("en", "it", "fr", "de")
TEMPLATES: dict[str, tuple[str, str, str, str]] = {
    "filter.country": (
        "Its country ({has}) is not among the eligible countries ({wanted})",
        "Il suo paese ({has}) non è tra i paesi ammessi ({wanted})",
        "Son pays ({has}) ne fait pas partie des pays éligibles ({wanted})",
        "Sein Land ({has}) gehört nicht zu den zulässigen Ländern ({wanted})",
    ),
    "filter.region": (
        "Its region ({has}) is not in {wanted}",
        "La sua regione ({has}) non rientra in {wanted}",
        "Sa région ({has}) n'est pas dans {wanted}",
        "Seine Region ({has}) liegt nicht in {wanted}",
    ),
    "filter.kind": (
        "Its type ({has}) is not among the types asked for ({wanted})",
        "Il suo tipo ({has}) non è tra quelli richiesti ({wanted})",
        "Son type ({has}) ne fait pas partie des types demandés ({wanted})",
        "Sein Typ ({has}) gehört nicht zu den gesuchten Typen ({wanted})",
    ),
    "filter.sme": (
        "Only SMEs and start-ups are asked for, and its type is {has}",
        "Sono richieste solo PMI e start-up, e il suo tipo è {has}",
        "Seules les PME et start-up sont demandées, et son type est {has}",
        "Nur KMU und Start-ups sind gefragt, und sein Typ ist {has}",
    ),
    "filter.exclude_kind": (
        "Organisations of its type ({has}) are left out of this search",
        "Le organizzazioni del suo tipo ({has}) sono escluse da questa ricerca",
        "Les organisations de son type ({has}) sont exclues de cette recherche",
        "Organisationen seines Typs ({has}) sind von dieser Suche ausgeschlossen",
    ),
    "filter.certification": (
        "It does not hold the certification {wanted}",
        "Non ha la certificazione {wanted}",
        "Elle ne détient pas la certification {wanted}",
        "Sie besitzt die Zertifizierung {wanted} nicht",
    ),
    "filter.capability": (
        "It does not have the capability {wanted} (nor a more specific one)",
        "Non ha la capacità {wanted} (né una più specifica)",
        "Elle n'a pas la capacité {wanted} (ni une plus précise)",
        "Sie hat die Fähigkeit {wanted} nicht (auch keine speziellere)",
    ),
    "filter.cluster": (
        "It is not a member of cluster {wanted}",
        "Non è membro del cluster {wanted}",
        "Elle n'est pas membre du cluster {wanted}",
        "Sie ist kein Mitglied des Clusters {wanted}",
    ),
    "filter.synthetic": (
        "It is a synthetic (demo) record and this search leaves synthetic records out",
        "È un record sintetico (dimostrativo) e questa ricerca esclude i record sintetici",
        "C'est un enregistrement synthétique (démo) et cette recherche les exclut",
        "Es ist ein synthetischer (Demo-)Datensatz, und diese Suche schließt solche aus",
    ),
    "synthetic_left_out": (
        "It is a synthetic (demo) record, left out because real organisations match; "
        "include synthetic records to rank it",
        "È un record sintetico (dimostrativo), escluso perché corrispondono organizzazioni "
        "reali; includi i record sintetici per classificarlo",
        "C'est un enregistrement synthétique (démo), écarté car des organisations réelles "
        "correspondent ; incluez les enregistrements synthétiques pour le classer",
        "Es ist ein synthetischer (Demo-)Datensatz, ausgelassen, weil echte Organisationen "
        "passen; synthetische Datensätze einschließen, um ihn zu reihen",
    ),
    "no_match": (
        "None of the need's words or concepts appear in its profile or its projects; "
        "it lacks: {missing}",
        "Nessuna parola o concetto del bisogno compare nel suo profilo o nei suoi progetti; "
        "mancano: {missing}",
        "Aucun mot ni concept du besoin n'apparaît dans son profil ou ses projets ; "
        "il manque : {missing}",
        "Kein Wort und kein Begriff des Bedarfs kommt in seinem Profil oder seinen Projekten "
        "vor; es fehlen: {missing}",
    ),
    "first_page": (
        "It is on the first page: ranked {rank} of {of}",
        "È nella prima pagina: posizione {rank} su {of}",
        "Elle est sur la première page : rang {rank} sur {of}",
        "Sie steht auf der ersten Seite: Rang {rank} von {of}",
    ),
    "rank": (
        "Ranked {rank} of {of}, after the first page (the first {page}); overall: "
        "{mine} vs {theirs} for {name} at rank {page}",
        "In posizione {rank} su {of}, oltre la prima pagina (i primi {page}); in totale: "
        "{mine} contro {theirs} di {name} in posizione {page}",
        "Rang {rank} sur {of}, après la première page (les {page} premiers) ; au total : "
        "{mine} contre {theirs} pour {name} au rang {page}",
        "Rang {rank} von {of}, nach der ersten Seite (den ersten {page}); insgesamt: "
        "{mine} gegenüber {theirs} für {name} auf Rang {page}",
    ),
    "part": (
        "{part}: {mine} vs {theirs} at rank {page}",
        "{part}: {mine} contro {theirs} in posizione {page}",
        "{part} : {mine} contre {theirs} au rang {page}",
        "{part}: {mine} gegenüber {theirs} auf Rang {page}",
    ),
    "lacks.capability": (
        "Lacks the capability {label}, which {count} of the first {page} have",
        "Non ha la capacità {label}, che {count} dei primi {page} hanno",
        "N'a pas la capacité {label}, que {count} des {page} premiers ont",
        "Ohne die Fähigkeit {label}, die {count} der ersten {page} haben",
    ),
    "lacks.certification": (
        "Lacks the certification {label}, which {count} of the first {page} hold",
        "Non ha la certificazione {label}, che {count} dei primi {page} hanno",
        "N'a pas la certification {label}, que {count} des {page} premiers détiennent",
        "Ohne die Zertifizierung {label}, die {count} der ersten {page} besitzen",
    ),
    "lacks.topic": (
        "Its profile does not mention {label}, which {count} of the first {page} mention",
        "Il suo profilo non cita {label}, citato da {count} dei primi {page}",
        "Son profil ne mentionne pas {label}, que {count} des {page} premiers mentionnent",
        "Sein Profil nennt {label} nicht, das {count} der ersten {page} nennen",
    ),
}
PARTS = {  # the parts of a score, as the results page names them
    "profile": ("Profile text", "Testo del profilo", "Texte du profil", "Profiltext"),
    "projects": ("Related projects", "Progetti affini", "Projets proches", "Verwandte Projekte"),
    "record": ("Track record", "Esperienza", "Expérience", "Erfahrung"),
    "fit": (
        "Fit to the kind of need",
        "Adeguatezza al tipo di bisogno",
        "Adéquation au type de besoin",
        "Eignung für die Art des Bedarfs",
    ),
}
NOT_STATED = ("not stated", "non indicato", "non indiqué", "nicht angegeben")


def at(lang: str) -> int:
    """The column of `lang` in the tables above (English for any other language)."""
    return LANGS.index(lang) if lang in LANGS else 0


def say(key: str, lang: str, **values: object) -> str:
    return TEMPLATES[key][at(lang)].format(**values)


def part_label(part: str, lang: str) -> str:
    return PARTS[part][at(lang)]


def kind_label(kind: str | None, lang: str) -> str:
    return KINDS[kind][at(lang)] if kind in KINDS else kind or NOT_STATED[at(lang)]


def not_stated(lang: str) -> str:
    return NOT_STATED[at(lang)]


def capability_label(code: str, lang: str) -> str:
    return taxonomy.label(code, lang) if code in taxonomy.capabilities() else code


def certification_label(code: str, lang: str) -> str:
    known = taxonomy.certifications().get(code)
    return known.labels.get(lang, known.labels["en"]) if known else code


def term_label(term: str, shown: dict[str, str], lang: str) -> str:
    """A query term as a reader knows it: a concept's label, else the word as written."""
    if term.startswith("c:"):
        concept = lexicon().concepts.get(term[2:])
        if concept is not None:
            return concept.labels.get(lang) or concept.labels.get("en") or term[2:]
    return shown.get(term, term.split(":", 1)[-1])
