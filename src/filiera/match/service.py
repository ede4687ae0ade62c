"""`match()`: the entry point the CLI, the API and the web pages share.

The index is loaded or built on first use and follows the registry's change log
(`match/live.py`): every committed edit shows in the next query. Only organisations the
viewer may see are returned, checked with the same SQL rule as every other read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from filiera import metrics
from filiera.access import audit
from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.match import explain, features, persist, ranker
from filiera.match.engine import (
    MatchFilters,
    MatchHit,
    filter_mask,
    hits,
    leave_out_synthetic,
    query_terms,
    raw_scores,
    scaled,
    top_positions,
)
from filiera.match.expansion import expand_for
from filiera.match.index import MatchIndex
from filiera.match.live import LiveIndex
from filiera.match.need_type import NeedType, read_need
from filiera.match.requests import MatchRequest
from filiera.match.visibility import viewer_mask, visible_of

_lock = threading.Lock()
_live: dict[str, LiveIndex] = {}  # database URL -> its live index
_index_dir: Path | None = None  # where server databases' indexes are saved


def use_index_dir(index_dir: Path | None) -> None:
    """Save and load the indexes of PostgreSQL databases in `index_dir` (settings.index_dir);
    a SQLite database's index is always saved beside its file."""
    global _index_dir
    _index_dir = index_dir


def live_index(session: Session) -> LiveIndex:
    """The live index of the session's database (created, not yet built, on first use)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = engine.url.render_as_string(hide_password=True)
    with _lock:
        if key not in _live:
            _live[key] = LiveIndex(engine, persist.store_path(engine.url, _index_dir))
        return _live[key]


def current_index(session: Session) -> MatchIndex:
    """The index of this database with every committed registry change applied.

    Loaded from disk or built on first use; then each call reads the change log since the
    index (one primary-key range read) and applies what is new, in this process or another.
    """
    return live_index(session).current(session)


def open_index(database: Database, index_dir: Path | None = None) -> MatchIndex:
    """What a server calls at start: load the saved index (or build it), catch up."""
    use_index_dir(index_dir)
    with database.session() as session:
        return current_index(session)


def forget_indexes() -> None:
    with _lock:
        _live.clear()


@dataclass
class MatchResult:
    query: str
    lang: str
    results: list[MatchHit]
    concepts: list[str] = field(default_factory=list)
    candidates: int = 0  # organisations passing the filters with a positive score
    offset: int = 0  # the first result is ranked offset + 1
    synthetic_left_out: int = 0  # relevant synthetic organisations left out by default
    ranking: ranker.Ranking = field(default_factory=lambda: ranker.Ranking("fixed"))
    need: NeedType | None = None  # what kind of need the text reads as


def eligible(session: Session, index: MatchIndex, viewer: Viewer, flt: MatchFilters) -> np.ndarray:
    """Organisations that pass the filters and that `viewer` may see.

    A cluster filter naming a cluster the viewer may not see selects nobody, exactly as a
    cluster that does not exist: the result must not depend on hidden records.
    """
    visible = viewer_mask(session, index, viewer)
    mask = filter_mask(index, flt) & visible
    if flt.cluster is not None:
        where = index.position(flt.cluster)
        if where is None or not visible[where]:
            mask[:] = False
    return mask


def own_model_path(session: Session) -> Path | None:
    """Where `filiera ranker train` saves this database's model: beside its match index
    (None for an in-memory database, or a server database without an index directory)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    store = persist.store_path(engine.url, _index_dir)
    return (
        store.with_name(store.name.replace(".match-index.npz", ".ranker.json")) if store else None
    )


def model_for(session: Session) -> ranker.Ranker | str:
    """The learned ranker for this database, or why matching uses the fixed weights."""
    return ranker.load(ranker.model_path(own_model_path(session)))


@dataclass
class Scored:
    """Final scores of one query and how they were made (for explanations)."""

    final: np.ndarray
    parts: dict
    ranking: ranker.Ranking
    model: ranker.Ranker | None = None
    pool: np.ndarray | None = None
    rows: np.ndarray | None = None

    def carried(self, positions: list[int]) -> dict[int, list[tuple[str, float]]]:
        """Per position, the features that pushed it up most (learned ranking only)."""
        if self.model is None or self.pool is None:
            return {}
        return ranker.carried(self.model, self.rows, self.pool, positions)


def final_scores(
    session: Session, index: MatchIndex, terms, raw, mask: np.ndarray, need: NeedType
) -> Scored:
    """First stage (fixed weights, with the fit to the kind of need), then the learned ranker
    over its best POOL when a model is there and was adopted on its validation year; every
    number among `mask` only."""
    first_stage, parts = scaled(index, raw, mask, need.kind, terms.concepts)
    model = model_for(session)

    def ranking(kind: str, **why: str | None) -> ranker.Ranking:
        return ranker.Ranking(kind, related_projects_power=raw.power, **why)

    if isinstance(model, str):
        return Scored(first_stage, parts, ranking("fixed", notice=model))
    if not model.meta.get("adopted", True):
        return Scored(first_stage, parts, ranking("fixed", source=model.source))
    pool, rows = features.pool_rows(index, terms, first_stage, parts, mask, need)
    final = ranker.rerank(model, first_stage, rows, pool)
    return Scored(final, parts, ranking("learned", source=model.source), model, pool, rows)


def _with_carried(
    found: list[MatchHit], scored: Scored, positions: list[int], lang: str, need: NeedType
) -> None:
    """Add the kind-of-need reason (when it weighed) and the learned ranker's (its
    strongest features) to each hit."""
    carried = scored.carried(positions)
    fit = scored.parts.get("fit")
    for hit, pos in zip(found, positions, strict=True):
        extra = []
        if fit is not None and fit[pos] > 0:
            extra.append(explain.need_fit(need, float(fit[pos]), lang))
        if carried.get(pos):
            extra.append(explain.learned(carried[pos], lang))
        filters_from = next(
            (i for i, e in enumerate(hit.explanations) if e["kind"] == "filter"),
            len(hit.explanations),
        )
        hit.explanations[filters_from:filters_from] = extra  # filters stay last


@metrics.MATCH_LATENCY.time()
def match(
    session: Session,
    viewer: Viewer,
    text: str,
    *,
    lang: str | None = None,
    filters: MatchFilters | None = None,
    top: int = 50,
    offset: int = 0,
    explain_lang: str | None = None,
) -> MatchResult:
    """Rank the organisations `viewer` may see for `text` (en/it/fr/de), best first; the
    results ranked `offset + 1` to `offset + top`.

    Counting, scaling and ranking happen among the organisations the viewer may see only,
    so a hidden organisation changes nothing in the answer (docs/access-control.md).
    Synthetic organisations are left out when a real one matches, unless the filters
    include (or exclude) them explicitly.
    """
    index = current_index(session)
    flt = filters or MatchFilters()
    terms = expand_for(index, query_terms(text, lang))
    raw = raw_scores(index, terms)
    mask = eligible(session, index, viewer, flt)
    mask, left_out = leave_out_synthetic(index, raw, mask, flt.include_synthetic)
    need = read_need(text, terms.lang)
    scored = final_scores(session, index, terms, raw, mask, need)
    final, parts = scored.final, scored.parts
    positive = int((final > 0).sum())
    positions = top_positions(final, top, offset)
    seen, restricted = visible_of(session, viewer, [int(index.org_ids[p]) for p in positions])
    chosen = [p for p in positions if int(index.org_ids[p]) in seen]  # changed meanwhile
    found = hits(index, terms, final, parts, chosen, flt, explain_lang or terms.lang)
    _with_carried(found, scored, chosen, explain_lang or terms.lang, need)
    audit.record_read(session, "organisation", restricted, "match results")
    return MatchResult(
        text,
        terms.lang,
        found,
        terms.concepts[:20],
        positive,
        offset,
        left_out,
        scored.ranking,
        need,
    )


def score_for_orgs(
    session: Session,
    viewer: Viewer,
    text: str,
    lang: str | None,
    filters: MatchFilters,
    org_id: int,
) -> dict | None:
    """How well one organisation fits `text`: score, rank among eligible ones, reasons.

    None when the organisation does not pass the filters. The rank ("N of M") counts only
    organisations `viewer` may see (the caller checked the organisation itself is visible).
    """
    index = current_index(session)
    where = index.position(org_id)
    if where is None:
        return None
    terms = expand_for(index, query_terms(text, lang))
    mask = eligible(session, index, viewer, filters)
    if not mask[where]:
        return None
    need = read_need(text, terms.lang)
    scored = final_scores(session, index, terms, raw_scores(index, terms), mask, need)
    final, parts = scored.final, scored.parts
    mine = float(final[where])
    found = hits(index, terms, final, parts, [where], filters, terms.lang)[0]
    _with_carried([found], scored, [where], terms.lang, need)
    return {
        "score": round(mine, 4),
        "rank": int((final > mine).sum()) + 1,
        "of": int((final > 0).sum()),
        "explanations": found.explanations,
    }


def run(session: Session, viewer: Viewer, request: MatchRequest) -> MatchResult:
    """Rank for a validated request (what the API, the web form and the CLI all call)."""
    return match(
        session,
        viewer,
        request.text,
        lang=request.lang,
        filters=request.filters(),
        top=request.top,
        offset=request.offset,
        explain_lang=request.explain_lang,
    )


@dataclass
class Relevance:
    """Scores of every organisation for one text, among those the viewer may see and the
    filters let through (the same counting and scaling as `match`): what other features
    (consortium building) rank with, instead of a second ranking of their own."""

    index: MatchIndex
    terms: object
    final: np.ndarray  # position -> score in [0, 1]; 0 where not eligible
    parts: dict
    eligible: np.ndarray  # position -> may be used (visible, filters, synthetic rule)
    filters: MatchFilters
    ranking: ranker.Ranking = field(default_factory=lambda: ranker.Ranking("fixed"))

    def explain(self, positions: list[int], lang: str | None = None) -> list[MatchHit]:
        """The match reasons of `positions` in `lang` (the query's language by default)."""
        return hits(
            self.index,
            self.terms,
            self.final,
            self.parts,
            positions,
            self.filters,
            lang or self.terms.lang,
        )


def relevance(
    session: Session,
    viewer: Viewer,
    text: str,
    *,
    lang: str | None = None,
    filters: MatchFilters | None = None,
    power: float | None = None,
) -> Relevance:
    """Score every organisation `viewer` may see for `text` (see `Relevance`); `power`
    weights related projects (default: by the length of `text`, `engine.project_power`)."""
    index = current_index(session)
    flt = filters or MatchFilters()
    terms = expand_for(index, query_terms(text, lang))
    raw = raw_scores(index, terms, power)
    mask = eligible(session, index, viewer, flt)
    mask, _left_out = leave_out_synthetic(index, raw, mask, flt.include_synthetic)
    scored = final_scores(session, index, terms, raw, mask, read_need(text, terms.lang))
    return Relevance(index, terms, scored.final, scored.parts, mask, flt, scored.ranking)
