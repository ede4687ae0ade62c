"""Training the learned ranker on the registry's own history (`filiera match train`).

Temporal protocol: the registry as it was up to year Y (projects of later calls left out,
`build_index(until_year=Y)`) is searched with the title and objective of each project of
year Y + 1; its participants that already had a project up to Y are the right answers
(coordinator: grade 2, any other role: 1). The settings are chosen, and the model
adopted or not, by a forward split: a model trained on the queries of year Y - 1 is checked
on those of year Y (default: the second newest year); the model kept is trained on both.
The newest year is never seen: `benchmarks/match_quality.py` reports on it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.errors import ValidationFailed, field_error
from filiera.match import features
from filiera.match.engine import query_terms, raw_scores, scaled
from filiera.match.index import MatchIndex, build_index, call_year
from filiera.match.need_type import read_need
from filiera.registry.models import Participation, Project

GRADE = {"coordinator": 2}
MIN_QUERIES = 10
PARAMS = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "eval_at": [10, 50],
    "label_gain": [0, 1, 3],
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambdarank_truncation_level": 50,
    "verbose": -1,
    "seed": 7,
    "deterministic": True,
    "num_threads": 1,
}
ROUNDS = (50, 100, 200, 400)  # chosen on the validation year
LEAVES = (3, 7)
# With some fifty validation queries, smaller gains are within noise: a model that beat the
# fixed weights by 2.8 % on 2023 lost to them by 7.6 % on 2024 (docs/matchmaking.md).
ADOPT_GAIN = 1.05


@dataclass
class Query:
    """A past project used as a query, with the organisations that took part."""

    project_id: int
    text: str
    grades: dict[int, int]  # organisation id -> grade


@dataclass
class Examples:
    """Feature rows, grades and the size of each query's group (LightGBM's layout)."""

    rows: list[np.ndarray] = field(default_factory=list)
    grades: list[np.ndarray] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    missed: int = 0  # right answers outside the pool (the model cannot see them)

    def matrix(self) -> tuple[np.ndarray, np.ndarray, list[int]]:
        empty = np.zeros((0, len(features.FEATURES)))
        rows = np.vstack(self.rows) if self.rows else empty
        return rows, np.concatenate(self.grades) if self.grades else np.zeros(0), self.groups


def projects_of_year(session: Session, index: MatchIndex, year: int) -> list[Query]:
    """The projects of calls of `year` as queries (participants known in `index` only)."""
    known = set(index.org_ids[(index.project_count > 0) & index.public].tolist())
    stmt = select(
        Project.id, Project.title, Project.objective, Project.call_identifier, Project.start_date
    )
    grades: dict[int, dict[int, int]] = {}
    for project_id, org_id, role in session.execute(
        select(Participation.project_id, Participation.organisation_id, Participation.role)
    ):
        if org_id in known:
            grades.setdefault(project_id, {})[org_id] = GRADE.get(role, 1)
    out = []
    for project_id, title, objective, call, start in session.execute(stmt):
        if call_year(call, start.year if start else None) == year and grades.get(project_id):
            out.append(Query(project_id, f"{title}\n{objective or ''}", grades[project_id]))
    return sorted(out, key=lambda q: q.project_id)


def query_rows(index: MatchIndex, text: str, lang: str | None = "en"):
    """(pool positions, feature rows, first-stage scores) of `text` over the whole index."""
    terms = query_terms(text, lang)
    raw = raw_scores(index, terms)
    mask = index.alive & index.public & ~index.synthetic  # public records only: a model
    # trained on what some viewers may not see would carry it into everyone's rankings
    need = read_need(text, terms.lang)
    first_stage, parts = scaled(index, raw, mask, need.kind, terms.concepts)
    positions, rows = features.pool_rows(index, terms, first_stage, parts, mask, need)
    return positions, rows, first_stage


def examples(index: MatchIndex, queries: list[Query]) -> Examples:
    """Feature rows and grades of every query's pool."""
    out = Examples()
    for query in queries:
        positions, rows, _ = query_rows(index, query.text)
        ids = index.org_ids[positions]
        grades = np.array([query.grades.get(int(i), 0) for i in ids], dtype=np.int32)
        out.missed += len(query.grades) - int((grades > 0).sum())
        if grades.any():
            out.rows.append(rows)
            out.grades.append(grades)
            out.groups.append(len(rows))
    return out


def fit(earlier: Examples, later: Examples):
    """Choose the settings (leaves x rounds) by training on `earlier` queries and checking on
    `later` ones (a forward, temporal validation), then train on both with them. The model
    is adopted only when, on `later`, it beats the first stage's own order (nDCG@10) by
    ADOPT_GAIN.
    """
    import lightgbm

    x, y, groups = earlier.matrix()
    lx, ly, lgroups = later.matrix()
    first_stage = mean_ndcg(lx[:, features.FEATURES.index("fixed")], ly, lgroups)
    best: tuple[float, int, int] | None = None
    for leaves in LEAVES:
        data = lightgbm.Dataset(x, y, group=groups)
        booster = lightgbm.train({**PARAMS, "num_leaves": leaves}, data, max(ROUNDS))
        for rounds in ROUNDS:
            found = mean_ndcg(booster.predict(lx, num_iteration=rounds), ly, lgroups)
            if best is None or found > best[0] + 1e-9:
                best = (found, leaves, rounds)
    assert best is not None
    found, leaves, rounds = best
    both = Examples(earlier.rows + later.rows, earlier.grades + later.grades)
    both.groups = earlier.groups + later.groups
    bx, by, bgroups = both.matrix()
    data = lightgbm.Dataset(bx, by, group=bgroups, feature_name=list(features.FEATURES))
    booster = lightgbm.train({**PARAMS, "num_leaves": leaves}, data, num_boost_round=rounds)
    return booster, {
        "num_leaves": leaves,
        "rounds": rounds,
        "validation_ndcg@10": round(found, 4),
        "validation_ndcg@10_first_stage": round(first_stage, 4),
        "adopted": found > first_stage * ADOPT_GAIN,
    }


def mean_ndcg(margins: np.ndarray, grades: np.ndarray, groups: list[int], k: int = 10) -> float:
    """Mean nDCG@k of the groups ordered by `margins` (graded gains 2^g - 1)."""
    found, start = [], 0
    for size in groups:
        m, g = margins[start : start + size], grades[start : start + size]
        start += size
        order = np.argsort(-m, kind="stable")[:k]
        ideal = np.sort(g)[::-1][:k]
        discount = 1 / np.log2(np.arange(2, k + 2))
        best = float(((2.0**ideal - 1) * discount[: len(ideal)]).sum())
        got = float(((2.0 ** g[order] - 1) * discount[: len(order)]).sum())
        found.append(got / best if best > 0 else 0.0)
    return float(np.mean(found)) if found else 0.0


@dataclass
class TrainingReport:
    """What `train` did: years, queries, the settings chosen and the validation score."""

    train_year: int
    train_queries: int
    chosen: dict
    missed: int
    importance: dict[str, float]


def call_years(session: Session) -> Counter[int]:
    """How many projects each call year has."""
    years: Counter[int] = Counter()
    for call, start in session.execute(select(Project.call_identifier, Project.start_date)):
        year = call_year(call, start.year if start else None)
        if year:
            years[year] += 1
    return years


def default_year(session: Session) -> int:
    """The training query year: the second newest call year with MIN_QUERIES projects, so
    that the newest stays unseen (what a later evaluation can use)."""
    years = sorted(y for y, n in call_years(session).items() if n >= MIN_QUERIES)
    if len(years) < 4:  # history, validation's training year, validation, the unseen year
        raise ValidationFailed(
            f"training needs projects of at least 4 call years with {MIN_QUERIES}+ projects each",
            errors=[field_error("registry", "projects", f"call years found: {years or 'none'}")],
        )
    return years[-2]


def year_examples(session: Session, year: int) -> Examples:
    """The projects of `year` searched in the registry as it was the year before."""
    index = build_index(session, until_year=year - 1)
    found = examples(index, projects_of_year(session, index, year))
    if len(found.groups) < MIN_QUERIES:
        raise ValidationFailed(
            f"too few queries in {year}: {len(found.groups)}",
            errors=[field_error("ranker train", "train_year", f"{MIN_QUERIES}+ queries needed")],
        )
    return found


def train(session: Session, train_year: int | None = None):
    """Train on the registry's history; returns (booster, TrainingReport).

    Settings are chosen on `train_year` with a model of the year before (forward
    validation); the model kept is trained on both years.
    """
    train_year = train_year or default_year(session)
    earlier, later = year_examples(session, train_year - 1), year_examples(session, train_year)
    booster, chosen = fit(earlier, later)
    gain = booster.feature_importance(importance_type="gain")
    total = float(gain.sum()) or 1.0
    report = TrainingReport(
        train_year,
        len(earlier.groups) + len(later.groups),
        chosen,
        earlier.missed + later.missed,
        {f: round(float(g) / total, 4) for f, g in zip(features.FEATURES, gain, strict=True)},
    )
    return booster, report
