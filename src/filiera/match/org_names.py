"""An organisation typed by name (the "Why not…?" form): found among what the viewer may see.

First the exact name (normalised as the registry keys names: legal forms, accents and case
do not matter) or alias; else the closest names by `rapidfuzz`. Only organisations the
viewer may see are candidates, so a hidden organisation is never suggested nor changes
which one is.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz import fuzz, process, utils
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.match import service
from filiera.registry.models import Alias, Organisation
from filiera.registry.names import normalise_name

FUZZY_CUTOFF = 80  # rapidfuzz WRatio, 0-100
SUGGESTIONS = 5


def find_by_name(
    session: Session, viewer: Viewer, name: str, limit: int = SUGGESTIONS
) -> list[tuple[int, str]]:
    """(id, name) of the organisations `viewer` may see called `name`, else the closest
    names (best first, then by name and id); empty when nothing is close."""
    key = normalise_name(name)
    if not key:
        return []
    aliased = select(Alias.organisation_id).where(Alias.name_key == key)
    exact = (
        select(Organisation.id, Organisation.name)
        .where(
            or_(Organisation.name_key == key, Organisation.id.in_(aliased)),
            visible_organisations(viewer),
        )
        .order_by(Organisation.name, Organisation.id)
        .limit(limit)
    )
    found = [(int(i), n) for i, n in session.execute(exact)]
    return found or closest(session, viewer, name, limit)


def closest(session: Session, viewer: Viewer, name: str, limit: int) -> list[tuple[int, str]]:
    """The visible organisations whose names are closest to `name` (WRatio >= cutoff)."""
    index = service.current_index(session)
    visible = service.viewer_mask(session, index, viewer)
    choices = {int(p): index.names[p] for p in np.flatnonzero(visible)}
    scored = process.extract(
        name,
        choices,
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=None,
        score_cutoff=FUZZY_CUTOFF,
    )
    best = sorted(scored, key=lambda hit: (-hit[1], hit[0], int(index.org_ids[hit[2]])))
    return [(int(index.org_ids[p]), shown) for shown, _score, p in best[:limit]]
