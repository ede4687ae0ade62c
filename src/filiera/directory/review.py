"""The review queue: possible duplicates the resolver was unsure about, and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from filiera.access import policy
from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.directory.profiles import OrganisationSummary, summary
from filiera.registry.merge import decide_review
from filiera.registry.models import ReviewItem
from filiera.registry.resolve import read_reason


class ReviewReason(BaseModel):
    """One reason as a code and its values, for front ends that say it in their language."""

    code: str = Field(
        examples=["similar_name"],
        description="A key of `registry.resolve.REASONS`, or `free_text` for any other text.",
    )
    values: dict[str, str] = Field(default_factory=dict, examples=[{"score": "0.95"}])


class ReviewOut(BaseModel):
    """A possible duplicate: the newer record and the candidate it may duplicate."""

    id: int = Field(examples=[3])
    score: float = Field(examples=[0.86])
    reasons: list[str] = Field(examples=[["similar name (0.95)", "same country IT"]])
    why: list[ReviewReason] = Field(
        default_factory=list, description="The same reasons, as codes and values."
    )
    status: str = Field(examples=["open"])
    created_at: datetime | None = None
    organisation: OrganisationSummary
    candidate: OrganisationSummary


class ReviewDecisionIn(BaseModel):
    """`merge` folds the newer record into the candidate; `reject` keeps both."""

    decision: Literal["merge", "reject"] = Field(examples=["merge"])


class ReviewDecisionOut(BaseModel):
    id: int
    status: Literal["merged", "rejected"]
    organisation_id: int = Field(description="The organisation that remains.")


def review_out(item: ReviewItem) -> ReviewOut:
    return ReviewOut(
        id=item.id,
        score=item.score,
        reasons=list(item.reasons or []),
        why=[reason_of(text) for text in item.reasons or []],
        status=item.status,
        created_at=item.created_at,
        organisation=summary(item.organisation),
        candidate=summary(item.candidate),
    )


def reason_of(text: str) -> ReviewReason:
    """A stored reason read back into its code and values (`free_text` if not the resolver's)."""
    found = read_reason(text)
    if found is None:
        return ReviewReason(code="free_text", values={"text": text})
    code, values = found
    return ReviewReason(code=code, values=values)


def open_items(session: Session, viewer: Viewer) -> list[ReviewOut]:
    """Open review items, most likely duplicates first, with both organisations (admins)."""
    policy.require_role(viewer, "review.decide")
    return [review_out(item) for item in queries.open_reviews(session)]


def decide(
    session: Session, viewer: Viewer, item_id: int, decision: ReviewDecisionIn
) -> ReviewDecisionOut:
    """`merge` folds the newer organisation into the candidate; `reject` keeps both (admins)."""
    policy.require_role(viewer, "review.decide")
    item = session.get(ReviewItem, item_id)
    kept = item.candidate_id if item is not None else 0
    own = item.organisation_id if item is not None else 0
    result = decide_review(session, item_id, merge=decision.decision == "merge")
    session.flush()
    if result is None:
        return ReviewDecisionOut(id=item_id, status="merged", organisation_id=kept)
    return ReviewDecisionOut(id=item_id, status="rejected", organisation_id=own)
