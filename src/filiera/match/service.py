"""`match()`: the entry point the CLI, the API and the web pages share.

The index is built on first use and rebuilt when the registry changes (a cheap signature
query per call). Only organisations the viewer may see are returned, checked with the
same SQL rule as every other read.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from filiera.access import audit
from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.match.engine import (
    MatchFilters,
    MatchHit,
    filter_mask,
    hits,
    leave_out_synthetic,
    query_terms,
    raw_scores,
    scaled,
    score,
    top_positions,
)
from filiera.match.index import MatchIndex, build_index, signature
from filiera.match.requests import MatchRequest
from filiera.registry import models as reg
from filiera.registry.models import Organisation

SIGNATURE_SECONDS = 10.0  # how often to look for writes made by other processes
INDEXED = (
    reg.Organisation,
    reg.Alias,
    reg.OrgCapability,
    reg.Certification,
    reg.Membership,
    reg.Project,
    reg.Participation,
)
_lock = threading.Lock()
_indexes: dict[str, tuple[MatchIndex, int, float]] = {}  # url -> index, generation, checked
_generation = 0  # bumped by every flush in this process that touches what the index reads


def _bump(session: Session, _context: object) -> None:
    global _generation
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, INDEXED) for obj in touched):
        _generation += 1


def _watch() -> None:
    if not event.contains(Session, "after_flush", _bump):
        event.listen(Session, "after_flush", _bump)


def current_index(session: Session) -> MatchIndex:
    """The index of this database, rebuilt when the registry changed since it was built.

    Writes in this process are noticed at once (a flush hook); writes by other processes
    (an import from the CLI) within SIGNATURE_SECONDS, by a signature query.
    """
    _watch()
    key = session.get_bind().url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _lock:
        index, generation, checked = _indexes.get(key, (None, -1, 0.0))
        stale = index is None or generation != _generation
        if not stale and now - checked > SIGNATURE_SECONDS:
            stale = index.signature != signature(session)
            checked = now
        if stale:
            generation, index, checked = _generation, build_index(session), now
        _indexes[key] = (index, generation, checked)
        return index


def forget_indexes() -> None:
    with _lock:
        _indexes.clear()


@dataclass
class MatchResult:
    query: str
    lang: str
    results: list[MatchHit]
    concepts: list[str] = field(default_factory=list)
    candidates: int = 0  # organisations passing the filters with a positive score
    offset: int = 0  # the first result is ranked offset + 1
    synthetic_left_out: int = 0  # relevant synthetic organisations left out by default


def _visible(session: Session, viewer: Viewer, ids: list[int]) -> dict[int, str]:
    """id -> visibility of those of `ids` the viewer may see (the live check)."""
    if not ids:
        return {}
    stmt = select(Organisation.id, Organisation.visibility).where(
        Organisation.id.in_(ids), visible_organisations(viewer)
    )
    return {org_id: level for org_id, level in session.execute(stmt)}


def viewer_mask(session: Session, index: MatchIndex, viewer: Viewer) -> np.ndarray:
    """Positions of the organisations `viewer` may see: the public ones plus, read live,
    the non-public ones their organisations, clusters and grants open to them."""
    if viewer.is_admin:
        return np.ones(index.size, dtype=bool)
    mask = index.public.copy()
    if viewer.signed_in:
        stmt = select(Organisation.id).where(
            Organisation.visibility != "public", visible_organisations(viewer)
        )
        ids = np.fromiter(session.scalars(stmt), dtype=np.int64)
        at = np.searchsorted(index.org_ids, ids)  # ids are sorted ascending in the index
        inside = at < index.size
        at, ids = at[inside], ids[inside]
        mask[at[index.org_ids[at] == ids]] = True
    return mask


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
    terms = query_terms(text, lang)
    raw = raw_scores(index, terms)
    mask = eligible(session, index, viewer, flt)
    mask, left_out = leave_out_synthetic(index, raw, mask, flt.include_synthetic)
    final, parts = scaled(index, raw, mask)
    positive = int((final > 0).sum())
    positions = top_positions(final, top, offset)
    seen = _visible(session, viewer, [int(index.org_ids[p]) for p in positions])
    chosen = [p for p in positions if int(index.org_ids[p]) in seen]  # changed meanwhile
    restricted = [
        int(index.org_ids[p])
        for p in chosen
        if seen.get(int(index.org_ids[p])) in ("restricted", "owner")
    ]
    audit.record_read(session, "organisation", restricted, "match results")
    found = hits(index, terms, final, parts, chosen, flt, explain_lang or terms.lang)
    return MatchResult(text, terms.lang, found, terms.concepts[:20], positive, offset, left_out)


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
    terms = query_terms(text, lang)
    mask = eligible(session, index, viewer, filters)
    if not mask[where]:
        return None
    final, parts = score(index, terms, mask)
    mine = float(final[where])
    found = hits(index, terms, final, parts, [where], filters, terms.lang)[0]
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
) -> Relevance:
    """Score every organisation `viewer` may see for `text` (see `Relevance`)."""
    index = current_index(session)
    flt = filters or MatchFilters()
    terms = query_terms(text, lang)
    raw = raw_scores(index, terms)
    mask = eligible(session, index, viewer, flt)
    mask, _left_out = leave_out_synthetic(index, raw, mask, flt.include_synthetic)
    final, parts = scaled(index, raw, mask)
    return Relevance(index, terms, final, parts, mask, flt)
