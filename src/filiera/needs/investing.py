"""Investment theses rank start-ups first: the matchmaking relevance re-weighted by a
start-up prior (`needs.prior`), with the start-up's traction in the reasons (`traction`).

Everything is counted and scaled among the organisations the viewer may see:
`match.service.relevance` does so for the scores, the prior reads only the rows of
organisations in that set (and a non-public employees field only where the viewer may
see it), and partners are named only when the viewer may see them.

Synthetic organisations: by default they are left out per kind when a real organisation
of the same kind matches ("real ones first", as on /match, but kind by kind), so a
registry whose only start-ups are synthetic still shows start-ups to an investor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy.orm import Session

from filiera.access import audit
from filiera.access.viewer import Viewer
from filiera.match.engine import PROJECT_POWER, MatchFilters, MatchHit, top_positions
from filiera.match.index import MatchIndex
from filiera.match.service import MatchResult, Relevance, relevance
from filiera.match.visibility import visible_of
from filiera.needs import prior, traction


@dataclass
class ThesisRanking:
    """The fit of every organisation for one thesis, as one viewer may see it."""

    relevance: Relevance
    fits: np.ndarray  # position -> fit in [0, 1]; 0 where not shown or not relevant
    priors: prior.Priors
    left_out: int  # relevant synthetic organisations left out (real ones of their kind match)

    @property
    def index(self) -> MatchIndex:
        return self.relevance.index


def real_first(index: MatchIndex, mask: np.ndarray, relevant: np.ndarray) -> tuple[np.ndarray, int]:
    """`mask` without the synthetic organisations of each kind for which a real one in
    `mask` is relevant, and how many relevant ones that left out."""
    shown, left_out = mask.copy(), 0
    for kind in np.unique(index.kind[mask]):
        of_kind = mask & (index.kind == kind)
        if (of_kind & relevant & ~index.synthetic).any():
            dropped = of_kind & index.synthetic
            left_out += int((dropped & relevant).sum())
            shown &= ~dropped
    return shown, left_out


def rank(
    session: Session,
    viewer: Viewer,
    text: str,
    *,
    lang: str | None,
    filters: MatchFilters,
    stages: list[str],
) -> ThesisRanking:
    """Fit of every organisation passing `filters` that the viewer may see, for a thesis
    searching with `text` and funding `stages` (`filters.include_synthetic`: True all,
    False none, None real ones first per kind)."""
    # Related projects weigh steeply whatever the thesis's length: counting every related
    # project rewards the incumbents' track record, which the start-up prior replaces here.
    rel = relevance(
        session,
        viewer,
        text,
        lang=lang,
        filters=replace(filters, include_synthetic=True),
        power=PROJECT_POWER,
    )
    index, relevant = rel.index, rel.final > 0
    shown, left_out = rel.eligible, 0
    if filters.include_synthetic is None:
        shown, left_out = real_first(index, rel.eligible, relevant)
    elif filters.include_synthetic is False:
        shown = rel.eligible & ~index.synthetic
    positions = np.flatnonzero(shown & relevant)
    found = prior.read_priors(session, viewer, index, positions, stages)
    values = np.zeros(index.size)
    values[positions] = found.value
    fits = np.where(shown & relevant, prior.fit(rel.final, values), 0.0)
    return ThesisRanking(rel, fits, found, left_out)


def explained(
    session: Session, viewer: Viewer, ranking: ThesisRanking, positions: list[int], lang: str
) -> list[MatchHit]:
    """Results at `positions` with their fit, its parts and the reasons: the start-up
    profile, stage and traction first, then the matchmaking's own reasons."""
    rel = ranking.relevance
    found = traction.read_traction(
        session, viewer, rel.index, rel.parts["project_scores"], positions
    )
    out = rel.explain(positions, lang)
    for hit, pos in zip(out, positions, strict=True):
        mine = ranking.priors.of(pos)
        hit.score = round(float(ranking.fits[pos]), 4)
        hit.parts = {
            **hit.parts,
            "relevance": round(float(rel.final[pos]), 4),
            "startup": mine.value,
        }
        hit.explanations = traction.reasons(hit.kind, mine, found[pos], lang) + hit.explanations
    return out


def result(
    session: Session,
    viewer: Viewer,
    ranking: ThesisRanking,
    *,
    query: str,
    top: int,
    offset: int = 0,
    lang: str | None = None,
) -> MatchResult:
    """The results ranked `offset + 1` to `offset + top`, best fit first, as a MatchResult
    (what the API, the pages and the CLI show for a match)."""
    index, terms = ranking.index, ranking.relevance.terms
    positions = top_positions(ranking.fits, top, offset)
    seen, restricted = visible_of(session, viewer, [int(index.org_ids[p]) for p in positions])
    chosen = [p for p in positions if int(index.org_ids[p]) in seen]  # changed meanwhile
    audit.record_read(session, "organisation", restricted, "thesis results")
    return MatchResult(
        query,
        terms.lang,
        explained(session, viewer, ranking, chosen, lang or terms.lang),
        terms.concepts[:20],
        int((ranking.fits > 0).sum()),
        offset,
        ranking.left_out,
        ranking.relevance.ranking,
    )


def fit_of(
    session: Session, viewer: Viewer, ranking: ThesisRanking, org_id: int, lang: str
) -> dict | None:
    """One organisation's fit: score, rank among the organisations ranked ("N of M"),
    reasons. None when it does not pass the filters or does not match at all."""
    where = ranking.index.position(org_id)
    if where is None or ranking.fits[where] <= 0:
        return None
    mine = float(ranking.fits[where])
    return {
        "score": round(mine, 4),
        "rank": int((ranking.fits > mine).sum()) + 1,
        "of": int((ranking.fits > 0).sum()),
        "explanations": explained(session, viewer, ranking, [where], lang)[0].explanations,
    }
