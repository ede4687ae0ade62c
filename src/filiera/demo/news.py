"""The demo's news: the four seed articles ingested as a cluster manager would, then
reviewed by the decisions in `data/news_review.yaml` (what to accept, with which edits);
what is not decided stays in the review queue. The facts demo.yaml gives from public
knowledge (not from the articles) are entered as accepted facts with that source."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from filiera import yamlfile
from filiera.demo.events import acting
from filiera.errors import ConfigurationError
from filiera.news import review, store
from filiera.news.models import NewsArticle, NewsFact, NewsLink
from filiera.registry.models import utcnow

REVIEWER = "manager@luxdefence.demo"
REVIEW_FILE = Path(__file__).parent / "data" / "news_review.yaml"


def seed_path(file_name: str) -> Path:
    """A seed article shipped with the package."""
    return Path(str(resources.files("filiera.news").joinpath("data", "seeds", file_name)))


def review_plan() -> dict[str, Any]:
    return yamlfile.safe_load(REVIEW_FILE.read_text(encoding="utf-8"))


def load_demo_news(session: Session, data: dict[str, Any], keys: dict[str, int]) -> dict[str, int]:
    """Ingest and review the seed articles; enter the public-knowledge facts."""
    reviewer = acting(session, REVIEWER)
    plan = review_plan()
    totals = {"articles": 0, "accepted": 0, "proposed": 0}
    for file_name, decisions in plan["articles"].items():
        article = _ingest(session, reviewer, file_name, decisions)
        totals["articles"] += 1
        totals["accepted"] += _apply(session, reviewer, article, decisions, keys)
        totals["proposed"] += sum(f.status == "proposed" for f in article.facts)
    totals["public_knowledge"] = _public_knowledge(session, data, keys)
    return totals


def _ingest(session: Session, reviewer, file_name: str, decisions: dict) -> NewsArticle:
    (result,) = store.ingest(
        session, reviewer, [str(seed_path(file_name))], credit=decisions["credit"]
    )
    if result.status != "added":
        raise ConfigurationError(f"demo news {file_name}: {result.message}")
    article = session.get(NewsArticle, result.article_id)
    article.given_as = f"filiera/news/data/seeds/{file_name}"  # not this machine's path
    article.url = article.url or decisions.get("url")
    article.published = article.published or _date(decisions.get("published"))
    return article


def _date(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _apply(session: Session, reviewer, article: NewsArticle, decisions: dict, keys) -> int:
    accepted = 0
    for decision in decisions.get("accept", []):
        matches = [f for f in article.facts if f.status == "proposed" and _matches(f, decision)]
        if not matches:
            raise ConfigurationError(
                f"demo news {article.given_as}: no proposed fact matches {decision}"
            )
        if decision.get("once_per_name"):
            matches = list({f.data.get("name"): f for f in reversed(matches)}.values())[::-1]
        for fact in matches:
            changes = _changes(decision.get("changes", {}), keys)
            review.decide(session, reviewer, fact.id, "accept", changes=changes, note="demo review")
            accepted += 1
    for decision in decisions.get("reject", []):
        for fact in [f for f in article.facts if f.status == "proposed" and _matches(f, decision)]:
            review.decide(session, reviewer, fact.id, "reject", note="demo review")
    return accepted


def _matches(fact: NewsFact, decision: dict[str, Any]) -> bool:
    if fact.kind != decision["kind"]:
        return False
    data = fact.data
    for name, wanted in decision.items():
        if name in ("kind", "changes", "once_per_name"):
            continue
        if name == "linked":
            if (data.get("registry_id") is not None) != wanted:
                return False
            continue
        if name == "text":
            if wanted not in fact.text:
                return False
        elif name == "participants_include":
            if not set(wanted) <= set(data.get("participants") or []):
                return False
        elif name == "sentence_has":
            if wanted not in (fact.sentence or ""):
                return False
        elif data.get(name) != wanted:
            return False
    return True


def _changes(changes: dict[str, Any], keys: dict[str, int]) -> dict[str, Any]:
    """`organization_ids`/`subject_ids` are given as demo keys."""
    out = dict(changes)
    for name in ("organization_ids", "subject_ids"):
        if name in out:
            out[name] = [keys[k] for k in out[name]]
    for name in ("registry_id", "organization_id"):
        if isinstance(out.get(name), str):
            out[name] = keys[out[name]]
    if isinstance(out.get("date"), dt.date):
        out["date"] = out["date"].isoformat()
    return out


def _public_knowledge(session: Session, data: dict[str, Any], keys: dict[str, int]) -> int:
    """demo.yaml facts not from the articles, as accepted facts citing their source."""
    count = 0
    for row in data.get("facts", []):
        if str(row.get("source", "")).startswith("seed:"):
            continue
        subjects = [row["subject"], *row.get("also_about", [])]
        money = row.get("unit") == "EUR"
        value = (
            {"amount": row["value"], "currency": "EUR"}
            if money
            else {"value": row["value"], "unit": row["unit"]}
        )
        fact = NewsFact(
            kind="money" if money else "quantity",
            text=f"{row['predicate'].replace('_', ' ')}: {row['value']} {row['unit']}",
            data={
                **value,
                "predicate": row["predicate"],
                "subject_ids": [keys[s] for s in subjects],
            },
            status="accepted",
            source=row["source"],
            fact_date=row.get("date"),
            reviewed_at=utcnow(),
            note=row.get("note"),
        )
        fact.links = [NewsLink(organisation_id=keys[s]) for s in subjects]
        session.add(fact)
        count += 1
    session.flush()
    return count
