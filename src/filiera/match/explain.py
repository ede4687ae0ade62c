"""Why an organisation ranks where it does: terms, capabilities, projects, partners, filters.

Every explanation is a dict with a `kind`, the structured facts and a `text` sentence in
the user's language (en, it, fr, de).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from filiera.match.concepts import lexicon
from filiera.match.need_type import SHORT_CUE
from filiera.registry import taxonomy

if TYPE_CHECKING:
    from filiera.match.engine import MatchFilters, QueryTerms
    from filiera.match.index import MatchIndex

TEMPLATES = {
    "terms": {
        "en": "Profile mentions {terms}",
        "it": "Il profilo cita {terms}",
        "fr": "Le profil mentionne {terms}",
        "de": "Das Profil nennt {terms}",
    },
    "capability": {
        "en": "Capability {label} ({level})",
        "it": "Capacità {label} ({level})",
        "fr": "Capacité {label} ({level})",
        "de": "Fähigkeit {label} ({level})",
    },
    "project": {
        "en": "{role} in {acronym} ({year}): {title}; matches {terms}",
        "it": "{role} in {acronym} ({year}): {title}; corrisponde a {terms}",
        "fr": "{role} dans {acronym} ({year}) : {title} ; correspond à {terms}",
        "de": "{role} in {acronym} ({year}): {title}; passt zu {terms}",
    },
    "record": {
        "en": "Track record: {projects} funded projects, {coordinated} as coordinator",
        "it": "Esperienza: {projects} progetti finanziati, {coordinated} come coordinatore",
        "fr": "Expérience : {projects} projets financés, {coordinated} comme coordinateur",
        "de": "Erfahrung: {projects} geförderte Projekte, davon {coordinated} koordiniert",
    },
    "filter": {
        "en": "Passes the filter {name} = {value}",
        "it": "Rispetta il filtro {name} = {value}",
        "fr": "Respecte le filtre {name} = {value}",
        "de": "Erfüllt den Filter {name} = {value}",
    },
}
TEMPLATES["learned"] = {
    "en": "Ranked up by the learned model for: {features}",
    "it": "Portato in alto dal modello appreso per: {features}",
    "fr": "Classé plus haut par le modèle appris pour : {features}",
    "de": "Vom gelernten Modell höher gereiht wegen: {features}",
}
# What each ranker feature means to a reader (features.FEATURES), en / it / fr / de.
FEATURE_LABELS = {
    "fixed": (
        "overall text match",
        "corrispondenza complessiva",
        "correspondance globale",
        "Gesamttreffer",
    ),
    "profile": ("profile text", "testo del profilo", "texte du profil", "Profiltext"),
    "projects": ("related projects", "progetti affini", "projets proches", "verwandte Projekte"),
    "own_text": (
        "own description",
        "descrizione propria",
        "description propre",
        "eigene Beschreibung",
    ),
    "best_project": (
        "a very close past project",
        "un progetto passato molto vicino",
        "un projet passé très proche",
        "ein sehr ähnliches früheres Projekt",
    ),
    "related_projects": (
        "several related projects",
        "diversi progetti affini",
        "plusieurs projets proches",
        "mehrere verwandte Projekte",
    ),
    "first_stage_rank": ("first-stage rank", "posizione iniziale", "rang initial", "Anfangsrang"),
    "projects_log": ("track record", "esperienza", "expérience", "Erfahrung"),
    "coordinator_share": (
        "coordination experience",
        "esperienza di coordinamento",
        "expérience de coordination",
        "Koordinationserfahrung",
    ),
    "recent_projects": (
        "recent projects",
        "progetti recenti",
        "projets récents",
        "neuere Projekte",
    ),
    "years_since_last": (
        "recent activity",
        "attività recente",
        "activité récente",
        "jüngste Aktivität",
    ),
    "research_share": (
        "research profile",
        "profilo di ricerca",
        "profil de recherche",
        "Forschungsprofil",
    ),
    "overlap_cap": (
        "capabilities named in the need",
        "capacità citate nel bisogno",
        "capacités citées dans le besoin",
        "genannte Fähigkeiten",
    ),
    "overlap_cert": (
        "certifications named in the need",
        "certificazioni citate nel bisogno",
        "certifications citées dans le besoin",
        "genannte Zertifizierungen",
    ),
    "overlap_country": (
        "country named in the need",
        "paese citato nel bisogno",
        "pays cité dans le besoin",
        "genanntes Land",
    ),
    "overlap_g": ("domain terms", "termini del settore", "termes du domaine", "Fachbegriffe"),
    "capability_level": (
        "capability level",
        "livello della capacità",
        "niveau de capacité",
        "Fähigkeitsstufe",
    ),
    "country_fit": ("country", "paese", "pays", "Land"),
    "certifications": ("certifications", "certificazioni", "certifications", "Zertifizierungen"),
    "capabilities_evidenced": (
        "evidenced capabilities",
        "capacità documentate",
        "capacités attestées",
        "belegte Fähigkeiten",
    ),
    "partners_in_top": (
        "past partners among the best matches",
        "partner passati tra i migliori risultati",
        "partenaires passés parmi les meilleurs résultats",
        "frühere Partner unter den besten Treffern",
    ),
    "query_words": (
        "length of the need",
        "lunghezza del bisogno",
        "longueur du besoin",
        "Länge des Bedarfs",
    ),
}
LABEL_LANGS = ("en", "it", "fr", "de")


KIND_LABELS = {  # organisation kinds, en / it / fr / de
    "prime": ("prime", "capocommessa", "maître d'œuvre", "Hauptauftragnehmer"),
    "midcap": ("mid-cap", "media impresa", "ETI", "Mittelständler"),
    "sme": ("SME", "PMI", "PME", "KMU"),
    "startup": ("start-up", "start-up", "start-up", "Start-up"),
    "research": ("research centre", "centro di ricerca", "centre de recherche", "Forschung"),
    "university": ("university", "università", "université", "Universität"),
    "public_body": ("public body", "ente pubblico", "organisme public", "öffentliche Stelle"),
    "investor": ("investor", "investitore", "investisseur", "Investor"),
    "cluster": ("cluster", "cluster", "cluster", "Cluster"),
    "buyer": ("buyer", "acquirente", "acheteur", "Käufer"),
    "other": ("not stated", "non indicato", "non indiqué", "nicht angegeben"),
}
NEED_LABELS = {  # kinds of need
    "production": ("production", "produzione", "production", "Produktion"),
    "research": ("research", "ricerca", "recherche", "Forschung"),
    "procurement": ("procurement", "approvvigionamento", "achat public", "Beschaffung"),
}
PREFIX_LABELS = {
    "kind": (
        "organisation type",
        "tipo di organizzazione",
        "type d'organisation",
        "Organisationstyp",
    ),
    "need": ("type of need", "tipo di bisogno", "type de besoin", "Art des Bedarfs"),
}


def feature_label(feature: str, lang: str) -> str:
    """A reader's name for a ranker feature (kind_* and need_* read as "type: value")."""
    at = LABEL_LANGS.index(lang) if lang in LABEL_LANGS else 0
    if feature in FEATURE_LABELS:
        return FEATURE_LABELS[feature][at]
    prefix, _, value = feature.partition("_")
    values = {"kind": KIND_LABELS, "need": NEED_LABELS}.get(prefix, {})
    if value in values:
        return f"{PREFIX_LABELS[prefix][at]}: {values[value][at]}"
    return feature


NEED_TEXT = {
    "production": {
        "en": "Production need ({cues}): makers with the named capabilities first",
        "it": "Bisogno di produzione ({cues}): prima chi produce, con le capacità citate",
        "fr": "Besoin de production ({cues}) : d'abord les fabricants dotés des capacités citées",
        "de": "Produktionsbedarf ({cues}): zuerst Hersteller mit den genannten Fähigkeiten",
    },
    "procurement": {
        "en": "Procurement need ({cues}): ministries and agencies that procure first",
        "it": "Bisogno di approvvigionamento ({cues}): prima ministeri e agenzie che acquistano",
        "fr": "Besoin d'achat public ({cues}) : d'abord les ministères et agences acheteurs",
        "de": "Beschaffungsbedarf ({cues}): zuerst beschaffende Ministerien und Behörden",
    },
}


SHORT_TEXT = {
    "en": "a short text naming a product",
    "it": "un testo breve che nomina un prodotto",
    "fr": "un texte court qui nomme un produit",
    "de": "ein kurzer Text, der ein Produkt nennt",
}


def need_fit(need, fit: float, lang: str) -> dict:
    """Why the kind of need moved this organisation: production makers, procuring bodies."""
    texts = NEED_TEXT.get(need.kind, NEED_TEXT["production"])
    cues = [SHORT_TEXT.get(lang, SHORT_TEXT["en"]) if c == SHORT_CUE else c for c in need.cues]
    text = texts.get(lang, texts["en"]).format(cues=", ".join(cues[:3]))
    return {"kind": "need_type", "need": need.kind, "fit": round(fit, 3), "text": text}


def learned(carried: list[tuple[str, float]], lang: str) -> dict:
    """The learned ranker's reason: the features that pushed the result up most."""
    names = [feature_label(f, lang) for f, _ in carried]
    return {
        "kind": "learned",
        "features": [{"feature": f, "contribution": c} for f, c in carried],
        "text": say("learned", lang, features=", ".join(names)),
    }


ROLES = {
    "coordinator": {
        "en": "Coordinator",
        "it": "Coordinatore",
        "fr": "Coordinateur",
        "de": "Koordinator",
    },
    "participant": {"en": "Partner", "it": "Partner", "fr": "Partenaire", "de": "Partner"},
}
LEVELS = {
    "claimed": {"en": "declared", "it": "dichiarata", "fr": "déclarée", "de": "angegeben"},
    "evidenced": {
        "en": "shown by projects",
        "it": "dimostrata da progetti",
        "fr": "attestée par des projets",
        "de": "durch Projekte belegt",
    },
    "certified": {"en": "certified", "it": "certificata", "fr": "certifiée", "de": "zertifiziert"},
}
MAX_TERMS = 6
MAX_PROJECTS = 3


def say(kind: str, lang: str, **values: object) -> str:
    table = TEMPLATES[kind]
    return table.get(lang, table["en"]).format(**values)


def contains(ids: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """For each of `docs`, whether it is in the sorted array `ids` (vectorised)."""
    if not len(ids):
        return np.zeros(len(docs), dtype=bool)
    at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
    return ids[at] == docs


class Reasons:
    """Builds the explanations of the results of one query."""

    def __init__(
        self, index: MatchIndex, terms: QueryTerms, parts: dict, lang: str, positions: list[int]
    ) -> None:
        self.index, self.terms, self.parts, self.lang = index, terms, parts, lang
        self.ranked_terms = sorted(terms.weights, key=lambda t: -terms.weights[t])
        self.top_projects = {pos: self._top_projects(pos) for pos in positions}
        projects = sorted({p for rows in self.top_projects.values() for _, p in rows})
        self.org_terms = self._term_table(index.org_text, positions)
        self.project_terms = self._term_table(index.project_text, projects)

    def _term_table(self, bm25, docs: list[int]) -> dict[int, list[str]]:
        """doc -> labels of the query terms it contains, most important first."""
        table: dict[int, list[str]] = {doc: [] for doc in docs}
        if not docs:
            return table
        wanted = np.asarray(docs, dtype=np.int64)
        for term in self.ranked_terms:
            found = wanted[contains(bm25.term_scores(term)[0], wanted)]
            if not len(found):
                continue
            label = self._label(term)
            for doc in found.tolist():
                labels = table[doc]
                seen = {x.casefold() for x in labels}
                if len(labels) < MAX_TERMS and label.casefold() not in seen:
                    labels.append(label)
        return table

    def _top_projects(self, pos: int) -> list[tuple[int, int]]:
        """(participation row, project) of the org's most relevant projects."""
        index, scores = self.index, self.parts["project_scores"]
        rows = np.flatnonzero(index.part_org == pos)
        ranked = sorted(rows, key=lambda r: -scores[index.part_project[r]] * index.part_weight[r])
        return [
            (int(r), int(index.part_project[r]))
            for r in ranked[:MAX_PROJECTS]
            if scores[index.part_project[r]] > 0
        ]

    def _label(self, term: str) -> str:
        if term.startswith("c:"):
            concept = lexicon().concepts.get(term[2:])
            if concept is not None:
                return concept.labels.get(self.lang) or concept.labels.get("en") or term
        return self.terms.shown.get(term, term.split(":", 1)[-1])

    def of(self, pos: int) -> list[dict]:
        out = []
        matched = self.org_terms.get(pos, [])
        if matched:
            out.append(
                {
                    "kind": "terms",
                    "terms": matched,
                    "weight": round(float(self.parts["profile"][pos]), 3),
                    "text": say("terms", self.lang, terms=", ".join(matched)),
                }
            )
        out += self._capabilities(pos)
        out += self._projects(pos)
        out += self._record(pos)
        return out

    def _capabilities(self, pos: int) -> list[dict]:
        wanted = [c[4:] for c in self.terms.concepts if c.startswith("cap:")]
        held = self.index.capabilities[pos]
        out = []
        for code, level in sorted(held.items()):
            lineage = set(taxonomy.ancestors(code)) if code in taxonomy.capabilities() else set()
            if code in wanted or lineage & set(wanted):
                label = taxonomy.label(code, self.lang)
                level_text = LEVELS.get(level, {}).get(self.lang, level)
                out.append(
                    {
                        "kind": "capability",
                        "code": code,
                        "level": level,
                        "text": say("capability", self.lang, label=label, level=level_text),
                    }
                )
        return out[:3]

    def _projects(self, pos: int) -> list[dict]:
        index, scores = self.index, self.parts["project_scores"]
        out = []
        for r, p in self.top_projects.get(pos) or self._top_projects(pos):
            info = index.projects[p]
            terms = self.project_terms.get(p, [])
            role = ROLES.get(index.part_role[r], ROLES["participant"])[self.lang]
            out.append(
                {
                    "kind": "project",
                    "project_id": info.id,
                    "acronym": info.acronym,
                    "role": index.part_role[r],
                    "year": info.year,
                    "title": info.title,
                    "weight": round(float(scores[p]), 3),
                    "terms": terms,
                    "text": say(
                        "project",
                        self.lang,
                        role=role,
                        acronym=info.acronym or info.id,
                        year=info.year or "–",
                        title=info.title,
                        terms=", ".join(terms) or "–",
                    ),
                }
            )
        return out

    def _record(self, pos: int) -> list[dict]:
        if float(self.parts["record"][pos]) <= 0:
            return []
        projects = int(self.index.project_count[pos])
        coordinated = int(self.index.coordinated[pos])
        return [
            {
                "kind": "record",
                "projects": projects,
                "coordinated": coordinated,
                "weight": round(float(self.parts["record"][pos]), 3),
                "text": say("record", self.lang, projects=projects, coordinated=coordinated),
            }
        ]


def filters_used(flt: MatchFilters, lang: str) -> list[dict]:
    """One explanation per hard filter the result passed."""
    given = {
        "country": ", ".join(flt.countries),
        "region": flt.region,
        "kind": ", ".join(flt.kinds),
        "sme": "yes" if flt.sme_only else None,
        "certification": flt.certification,
        "capability": flt.capability,
        "cluster": flt.cluster,
    }
    return [
        {"kind": "filter", "name": k, "value": v, "text": say("filter", lang, name=k, value=v)}
        for k, v in given.items()
        if v
    ]
