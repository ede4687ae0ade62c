"""The in-memory match index: every organisation's profile, read once from the registry.

Two BM25 indexes share one term space (`en:<stem>`, `it:<stem>`..., and `c:<concept>`):
one over projects (title, objective, keywords) and one over organisations' own text
(names, descriptions in any language, capabilities). Participations link the two; numpy
arrays hold what the hard filters need.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from filiera.match.bm25 import Bm25
from filiera.match.concepts import lexicon
from filiera.match.text import LANGUAGES, stems
from filiera.registry import taxonomy
from filiera.registry.models import (
    Alias,
    Certification,
    Identifier,
    Membership,
    Organisation,
    OrgCapability,
    Participation,
    Project,
)

ROLE_WEIGHT = {"coordinator": 1.3, "participant": 1.0, "thirdParty": 0.6, "associatedPartner": 0.6}
LEVEL_TF = {"claimed": 1, "evidenced": 2, "certified": 3}
TITLE_REPEAT = 2
PROFILE_K1, PROFILE_B = 1.2, 0.6  # tuned on the first half of the EDF benchmark queries
CALL_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def bag_of(text: str, lang: str, bag: Counter[str], repeat: int = 1) -> None:
    """Add the stems and the concepts of `text` (in `lang`) to `bag`."""
    if not text:
        return
    stemmed = stems(text, lang)
    for stem in stemmed:
        bag[f"{lang}:{stem}"] += repeat
    for concept, count in lexicon().find(stemmed, lang).items():
        bag[f"c:{concept}"] += count * repeat


@dataclass
class ProjectInfo:
    id: int
    programme: str
    acronym: str | None
    title: str
    year: int | None
    external_id: str | None = None  # the source's key (EDF project id, CORDIS rcn)
    call: str | None = None  # call identifier (EDF-2023-..., EDF-ASAP-2023-...)
    action: str | None = None  # type of action (EDF Research Actions, ...)

    @property
    def call_year(self) -> int | None:
        return call_year(self.call, self.year)


def call_year(call: str | None, start_year: int | None) -> int | None:
    """The year of a project's call (the 4-digit year in its identifier), else its start."""
    found = CALL_YEAR.search(call or "")
    return int(found.group(1)) if found else start_year


@dataclass
class MatchIndex:
    """Everything a query needs, positions aligned with `org_ids` and `projects`."""

    org_ids: np.ndarray
    names: list[str]
    pics: dict[int, str]
    country: np.ndarray
    region: np.ndarray
    kind: np.ndarray
    synthetic: np.ndarray
    public: np.ndarray  # visibility == "public": the part of the index anyone may see
    capabilities: list[dict[str, str]]  # position -> {code: level}
    capability_masks: dict[str, np.ndarray]  # code -> holders of it or of a descendant
    certifications: dict[str, np.ndarray]  # code -> mask
    clusters: dict[int, np.ndarray]  # cluster id -> mask
    org_text: Bm25  # own profile only: names, descriptions, capabilities
    profile: Bm25  # own profile plus the texts of every project (the ranking's main part)
    experience: np.ndarray  # log(1 + projects) per organisation, the prior
    projects: list[ProjectInfo]
    project_text: Bm25
    part_org: np.ndarray
    part_project: np.ndarray
    part_weight: np.ndarray
    part_role: list[str]
    project_count: np.ndarray
    coordinated: np.ndarray
    built_seconds: float = 0.0
    alive: np.ndarray | None = None  # False where an organisation was deleted (live index)
    order: np.ndarray | None = None  # argsort of org_ids when they are not ascending

    def __post_init__(self) -> None:
        if self.alive is None:
            self.alive = np.ones(len(self.org_ids), dtype=bool)

    @property
    def size(self) -> int:
        return len(self.org_ids)

    def positions(self, ids: np.ndarray, *, deleted: bool = False) -> np.ndarray:
        """Positions of organisations `ids` in the arrays, -1 where absent (or deleted,
        unless `deleted`)."""
        ids = np.asarray(ids, dtype=np.int64)
        if not self.size or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        ordered = self.org_ids if self.order is None else self.org_ids[self.order]
        at = np.minimum(np.searchsorted(ordered, ids), self.size - 1)
        found = at if self.order is None else self.order[at]
        hit = (ordered[at] == ids) & (deleted | self.alive[found])
        return np.where(hit, found, -1)

    def position(self, org_id: int) -> int | None:
        """Where organisation `org_id` sits in the arrays (None if not indexed)."""
        found = int(self.positions(np.array([org_id]))[0])
        return found if found >= 0 else None


CHUNK = 2000  # ids per IN (...) list


def among(session: Session, stmt, column, ids: Iterable[int] | None) -> Iterator:
    """Rows of `stmt`, restricted to `column` IN `ids` (in chunks) unless `ids` is None."""
    if ids is None:
        yield from session.execute(stmt)
        return
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), CHUNK):
        yield from session.execute(stmt.where(column.in_(wanted[start : start + CHUNK])))


def org_rows(session: Session, ids: Iterable[int] | None = None) -> list:
    """(id, name, country, region, kind, synthetic, descriptions, visibility) by id."""
    stmt = select(
        Organisation.id,
        Organisation.name,
        Organisation.country,
        Organisation.region,
        Organisation.kind,
        Organisation.synthetic,
        Organisation.descriptions,
        Organisation.visibility,
    ).order_by(Organisation.id)
    return list(among(session, stmt, Organisation.id, ids))


def grouped(session: Session, stmt, column=None, ids=None) -> dict[int, list[tuple]]:
    """First column -> the rest of each row (restricted to `column` IN `ids` if given)."""
    out: dict[int, list[tuple]] = {}
    for row in among(session, stmt, column, ids):
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def capability_rows(session: Session, ids: Iterable[int] | None = None) -> dict:
    stmt = select(OrgCapability.organisation_id, OrgCapability.code, OrgCapability.level)
    return grouped(session, stmt, OrgCapability.organisation_id, ids)


def org_bags(session: Session, rows, caps: dict[int, list[tuple]], ids=None) -> list[Counter[str]]:
    """Names, aliases, descriptions, country, capabilities, certifications and clusters.

    Only public clusters' names enter the text: a profile is shared by every viewer, and a
    hidden cluster's name must not make its members findable (filters use live visibility).
    """
    alias_stmt = select(Alias.organisation_id, Alias.name)
    aliases = grouped(session, alias_stmt, Alias.organisation_id, ids)
    certs = grouped(
        session,
        select(Certification.organisation_id, Certification.code),
        Certification.organisation_id,
        ids,
    )
    cluster = aliased(Organisation)
    clusters = grouped(
        session,
        select(Membership.organisation_id, cluster.name)
        .join(cluster, cluster.id == Membership.cluster_id)
        .where(cluster.visibility == "public"),
        Membership.organisation_id,
        ids,
    )
    bags = []
    for org_id, name, country, _r, _k, _s, descriptions, _v in rows:
        bag: Counter[str] = Counter()
        if country:
            bag[f"c:country:{country}"] += 1
        bag_of(name, "en", bag, repeat=2)
        for (alias,) in aliases.get(org_id, []):
            bag_of(alias, "en", bag)
        for lang, text in (descriptions or {}).items():
            bag_of(text, lang if lang in LANGUAGES else "en", bag)
        for (code,) in certs.get(org_id, []):
            bag[f"c:cert:{code}"] += 2
            if code in taxonomy.certifications():
                for lang in LANGUAGES:
                    bag_of(taxonomy.certification_label(code, lang), lang, bag)
        for (cluster_name,) in clusters.get(org_id, []):
            bag_of(cluster_name, "en", bag)
        for code, level in caps.get(org_id, []):
            bag[f"c:cap:{code}"] += LEVEL_TF.get(level, 1)
            for parent in taxonomy.ancestors(code) if code in taxonomy.capabilities() else ():
                bag[f"c:cap:{parent}"] += 1
        bags.append(bag)
    return bags


def project_bags(session: Session, ids=None) -> tuple[list[ProjectInfo], list[Counter[str]]]:
    """Projects (by id) and their bags: title, objective, keywords, acronym."""
    stmt = select(
        Project.id,
        Project.programme,
        Project.acronym,
        Project.title,
        Project.objective,
        Project.keywords,
        Project.start_date,
        Project.external_id,
        Project.call_identifier,
        Project.type_of_action,
    ).order_by(Project.id)
    infos, bags = [], []
    for pid, programme, acronym, title, objective, keywords, start, key, call, action in among(
        session, stmt, Project.id, ids
    ):
        bag: Counter[str] = Counter()
        bag_of(title, "en", bag, repeat=TITLE_REPEAT)
        bag_of(objective or "", "en", bag)
        bag_of(" ; ".join(keywords or []), "en", bag, repeat=TITLE_REPEAT)
        if acronym:
            bag[f"en:{acronym.lower()}"] += 1
        year = start.year if start else None
        infos.append(ProjectInfo(pid, programme, acronym, title, year, key, call, action))
        bags.append(bag)
    return infos, bags


def _profile_bags(own, project_bags, part_org, part_project) -> list[Counter[str]]:
    """Each organisation's own bag plus the bags of the projects it took part in."""
    bags = [Counter(bag) for bag in own]
    for org, project in zip(part_org.tolist(), part_project.tolist(), strict=True):
        bags[org].update(project_bags[project])
    return bags


def capability_masks(caps: dict, position: dict[int, int], n: int) -> dict[str, np.ndarray]:
    masks: dict[str, np.ndarray] = {}
    known = taxonomy.capabilities()
    for org_id, held in caps.items():
        if org_id not in position:
            continue
        for code, _level in held:
            for node in (code, *(taxonomy.ancestors(code) if code in known else ())):
                masks.setdefault(node, np.zeros(n, dtype=bool))[position[org_id]] = True
    return masks


def _masks(session: Session, stmt, position: dict[int, int], n: int) -> dict:
    masks: dict = {}
    for org_id, key in session.execute(stmt):
        if org_id in position:
            masks.setdefault(key, np.zeros(n, dtype=bool))[position[org_id]] = True
    return masks


def pic_rows(session: Session, ids: Iterable[int] | None = None) -> dict[int, str]:
    stmt = select(Identifier.organisation_id, Identifier.value).where(Identifier.scheme == "pic")
    rows = among(session, stmt, Identifier.organisation_id, ids)
    return {org_id: value for org_id, value in rows}


def build_index(session: Session, until_year: int | None = None) -> MatchIndex:
    """Read the registry and build the index (seconds for 100,000 organisations).

    With `until_year`, the registry as it was then: projects of later calls (and their
    participations) are left out (what the learned ranker trains on, `match/training.py`).
    """
    started = time.perf_counter()
    rows = org_rows(session)
    org_ids = np.array([r[0] for r in rows], dtype=np.int64)
    position = {int(org_id): i for i, org_id in enumerate(org_ids)}
    n = len(rows)
    caps = capability_rows(session)
    pics = pic_rows(session)
    own_bags = org_bags(session, rows, caps)
    projects, bags_of_projects = project_bags(session)
    if until_year is not None:
        kept = [i for i, p in enumerate(projects) if (p.call_year or 0) <= until_year]
        projects = [projects[i] for i in kept]
        bags_of_projects = [bags_of_projects[i] for i in kept]
    project_pos = {p.id: i for i, p in enumerate(projects)}
    parts = [
        (position[o], project_pos[p], role)
        for p, o, role in session.execute(
            select(Participation.project_id, Participation.organisation_id, Participation.role)
        )
        if o in position and p in project_pos
    ]
    part_org = np.array([p[0] for p in parts], dtype=np.int32)
    part_project = np.array([p[1] for p in parts], dtype=np.int32)
    return MatchIndex(
        org_ids=org_ids,
        names=[r[1] for r in rows],
        pics={position[o]: v for o, v in pics.items() if o in position},
        country=np.array([r[2] or "" for r in rows], dtype="<U2"),
        region=np.array([r[3] or "" for r in rows], dtype="<U5"),
        kind=np.array([r[4] for r in rows], dtype="<U12"),
        synthetic=np.array([bool(r[5]) for r in rows], dtype=bool),
        public=np.array([r[7] == "public" for r in rows], dtype=bool),
        capabilities=[dict(caps.get(int(o), [])) for o in org_ids],
        capability_masks=capability_masks(caps, position, n),
        certifications=_masks(
            session, select(Certification.organisation_id, Certification.code), position, n
        ),
        clusters=_masks(
            session, select(Membership.organisation_id, Membership.cluster_id), position, n
        ),
        org_text=Bm25(own_bags),
        profile=Bm25(
            _profile_bags(own_bags, bags_of_projects, part_org, part_project),
            k1=PROFILE_K1,
            b=PROFILE_B,
        ),
        experience=np.log1p(np.bincount(part_org, minlength=n)).astype(np.float32),
        projects=projects,
        project_text=Bm25(bags_of_projects),
        part_org=part_org,
        part_project=part_project,
        part_weight=np.array([ROLE_WEIGHT.get(p[2], 0.6) for p in parts], dtype=np.float32),
        part_role=[p[2] for p in parts],
        project_count=np.bincount(part_org, minlength=n).astype(np.int32),
        coordinated=np.bincount(
            part_org, weights=[r[2] == "coordinator" for r in parts], minlength=n
        ).astype(np.int32),
        built_seconds=time.perf_counter() - started,
    )
