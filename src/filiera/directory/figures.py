"""Ecosystem figures and the capability taxonomy as trees, for the API, the web and the CLI."""

from __future__ import annotations

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.registry import taxonomy


class Stats(BaseModel):
    """Ecosystem figures."""

    organisations: int = Field(examples=[1250])
    projects: int = Field(examples=[140])
    participations: int = Field(examples=[2100])
    eu_contribution: float = Field(examples=[2_450_000_000.0])
    countries: int = Field(examples=[27])
    by_country: dict[str, int] = Field(examples=[{"IT": 310, "FR": 280}])
    by_kind: dict[str, int] = Field(examples=[{"sme": 600, "prime": 12}])


class TaxonomyNode(BaseModel):
    code: str = Field(examples=["space.satellites"])
    label: str = Field(examples=["Satellites"])
    children: list[TaxonomyNode] = Field(default_factory=list)


def ecosystem(session: Session, viewer: Viewer) -> dict[str, object]:
    """The home page's figures, of what `viewer` may see (`stats` in a plain dict)."""
    return queries.figures(session, viewer=viewer)


def by_region(session: Session, viewer: Viewer) -> list[tuple[str, str | None, int]]:
    """Counts of visible organisations per (country, NUTS region or None), largest first."""
    return queries.by_region(session, viewer=viewer)


def countries(session: Session, viewer: Viewer) -> list[str]:
    """The countries of the organisations `viewer` may see (for filter choices)."""
    return queries.countries(session, viewer=viewer)


def stats(session: Session, viewer: Viewer) -> Stats:
    """Counts, EU contribution, by country and kind, of what `viewer` may see."""
    figures = ecosystem(session, viewer)
    counts = {k: figures[k] for k in Stats.model_fields if k != "countries"}
    return Stats(**counts, countries=len(figures["by_country"]))


def capability_node(code: str, lang: str) -> TaxonomyNode:
    children = [capability_node(child, lang) for child in taxonomy.children(code)]
    return TaxonomyNode(code=code, label=taxonomy.label(code, lang), children=children)


def capability_tree(lang: str) -> list[TaxonomyNode]:
    """The capability taxonomy as a tree with labels in `lang`."""
    return [capability_node(code, lang) for code in taxonomy.roots()]
