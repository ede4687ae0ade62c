"""Which organisations a viewer may see, read live with the SQL rule, one row per query.

Matching needs the rule's answer (`access/policy.py`) as index positions. Each list of ids
comes back as one aggregated string, not one row per id: SQLite hands the GIL back and
forth for every row fetched, and while another thread holds it (a background rebuild of
the match index) each hand-over waits the interpreter's switch interval, 5 ms. A member's
thousands of rows then took seconds (benchmarks/match_speed.py, docs/scaling.md).
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import Text, case, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from filiera.access.disclosure import LOGGED_LEVELS
from filiera.access.policy import visible_organisations
from filiera.access.viewer import Viewer
from filiera.match.index import MatchIndex
from filiera.registry.models import Organisation


class id_list(FunctionElement):  # noqa: N801 (an SQL function)
    """Aggregate: the integer ids of the rows as one comma-separated text (NULLs skipped)."""

    type = Text()
    name = "id_list"
    inherit_cache = True


@compiles(id_list, "sqlite")
def _group_concat(element: id_list, compiler, **kw) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(id_list)
def _string_agg(element: id_list, compiler, **kw) -> str:
    return f"string_agg(CAST({compiler.process(element.clauses, **kw)} AS TEXT), ',')"


def parse_ids(text: str | None) -> np.ndarray:
    """The ids of an `id_list` value (None: no rows)."""
    if not text:
        return np.zeros(0, dtype=np.int64)
    return np.array(text.split(","), dtype=np.int64)


def viewer_mask(session: Session, index: MatchIndex, viewer: Viewer) -> np.ndarray:
    """Positions of the organisations `viewer` may see: the public ones plus, read live,
    the non-public ones their organisations, clusters and grants open to them."""
    if viewer.is_admin:
        return index.alive.copy()
    mask = index.public.copy()
    if viewer.signed_in:
        stmt = select(id_list(Organisation.id)).where(
            Organisation.visibility != "public", visible_organisations(viewer)
        )
        at = index.positions(parse_ids(session.scalar(stmt)))
        mask[at[at >= 0]] = True
    return mask & index.alive


def visible_of(session: Session, viewer: Viewer, ids: list[int]) -> tuple[set[int], list[int]]:
    """Of `ids`, those `viewer` may see now, and among them those whose reading is logged
    (`restricted` and `owner`): the live check of the results shown."""
    if not ids:
        return set(), []
    logged = case((Organisation.visibility.in_(LOGGED_LEVELS), Organisation.id))
    stmt = select(id_list(Organisation.id), id_list(logged)).where(
        Organisation.id.in_(ids), visible_organisations(viewer)
    )
    seen, restricted = session.execute(stmt).one()
    return set(parse_ids(seen).tolist()), sorted(parse_ids(restricted).tolist())
