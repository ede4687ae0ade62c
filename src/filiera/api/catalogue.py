"""`/api/stats` and `/api/taxonomy`: ecosystem figures and the capability taxonomy."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from filiera.api.responses import errors
from filiera.directory import figures
from filiera.directory.figures import Stats, TaxonomyNode
from filiera.http.deps import SessionDep, ViewerDep

router = APIRouter(prefix="/api", responses=errors({422: "Invalid parameters"}))
Lang = Literal["en", "it"]


@router.get("/stats", response_model=Stats, tags=["stats"])
def stats(session: SessionDep, viewer: ViewerDep) -> Stats:
    """Ecosystem figures (of what you may see): counts, EU contribution, by country, kind."""
    return figures.stats(session, viewer)


@router.get("/taxonomy/capabilities", response_model=list[TaxonomyNode], tags=["taxonomy"])
def capabilities(lang: Lang = "en") -> list[TaxonomyNode]:
    """The capability taxonomy as a tree, labelled in English or Italian."""
    return figures.capability_tree(lang)
