"""The kind of need in matching: a short product text reads as supply, and the fit part
orders organisations for production and procurement needs, with its reason (SQLite and
PostgreSQL for the ranking). Detection itself: tests/test_need_type.py."""

from __future__ import annotations

from filiera.access.viewer import Viewer
from filiera.db import Database
from filiera.match.need_type import SHORT_CUE, read_need
from filiera.match.service import forget_indexes, match
from filiera.registry.models import Organisation


def test_a_short_product_text_reads_as_supply_with_low_confidence() -> None:
    found = read_need("sensori ottici per droni", "it")
    assert (found.kind, found.cues) == ("production", [SHORT_CUE])
    assert found.confidence < 0.5


def test_a_long_text_with_no_cue_stays_unknown() -> None:
    text = "Electro-optical sensors, thermal cameras and lasers for armoured vehicles up north"
    assert read_need(text, "en").kind == "unknown"


# --- in the ranking ---------------------------------------------------------------------


def registry(db_url: str) -> Database:
    """Three organisations with the same text: a university, a maker, a ministry."""
    db = Database(db_url)
    db.ensure_ready()
    text = {"en": "air defence missiles and launchers for ground based air defence"}
    with db.session() as session:
        for name, kind in (("Uni", "university"), ("Maker", "sme"), ("Ministry", "public_body")):
            session.add(
                Organisation(
                    name=name, name_key=name.lower(), kind=kind, country="IT", descriptions=text
                )
            )
    forget_indexes()
    return db


def test_the_kind_of_need_orders_equal_texts_and_says_why(db_url: str) -> None:
    db = registry(db_url)
    system = Viewer.system()
    with db.session() as session:
        buying = match(
            session,
            system,
            "Joint procurement of air defence missiles by member states, a common procurement",
            explain_lang="it",
        )
        making = match(
            session,
            system,
            "Ramp up production of air defence missiles: a new factory and production line",
        )
        research = match(
            session,
            system,
            "air defence missiles and launchers research study "
            "and prototype for ground based air defence",
        )
    assert buying.need.kind == "procurement" and buying.results[0].name == "Ministry"
    reason = next(e for e in buying.results[0].explanations if e["kind"] == "need_type")
    assert reason["text"].startswith("Bisogno di approvvigionamento")
    assert making.need.kind == "production" and making.results[0].name == "Maker"
    names = [h.name for h in making.results]
    assert names.index("Maker") < names.index("Uni") and names.index("Maker") < names.index(
        "Ministry"
    )
    assert research.need.kind == "research"
    assert not any(e["kind"] == "need_type" for h in research.results for e in h.explanations)
