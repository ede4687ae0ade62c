"""`/api/review`: possible duplicates the resolver was unsure about, and decisions on them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from filiera.access import policy
from filiera.api.auth import ViewerDep
from filiera.api.deps import SessionDep
from filiera.api.models import ErrorBody, ReviewDecisionIn, ReviewDecisionOut, ReviewOut
from filiera.registry import queries
from filiera.registry.merge import decide_review
from filiera.registry.models import ReviewItem
from filiera.registry.views import summary

router = APIRouter(
    prefix="/api",
    tags=["review"],
    responses={
        404: {"model": ErrorBody, "description": "No such review item"},
        409: {"model": ErrorBody, "description": "Already decided"},
        422: {"model": ErrorBody, "description": "Invalid decision"},
    },
)


def review_out(item: ReviewItem) -> ReviewOut:
    return ReviewOut(
        id=item.id,
        score=item.score,
        reasons=list(item.reasons or []),
        status=item.status,
        created_at=item.created_at,
        organisation=summary(item.organisation),
        candidate=summary(item.candidate),
    )


@router.get("/review", response_model=list[ReviewOut])
def list_review(session: SessionDep, viewer: ViewerDep) -> list[ReviewOut]:
    """Open review items, most likely duplicates first, with both organisations (admins)."""
    policy.require_role(viewer, "review.decide")
    return [review_out(item) for item in queries.open_reviews(session)]


@router.post("/review/{item_id}", response_model=ReviewDecisionOut)
def decide(
    session: SessionDep,
    viewer: ViewerDep,
    item_id: Annotated[int, Path(ge=1)],
    body: Annotated[ReviewDecisionIn, Body()],
) -> ReviewDecisionOut:
    """`merge` folds the newer organisation into the candidate; `reject` keeps both (admins)."""
    policy.require_role(viewer, "review.decide")
    item = session.get(ReviewItem, item_id)
    kept = item.candidate_id if item is not None else 0
    own = item.organisation_id if item is not None else 0
    result = decide_review(session, item_id, merge=body.decision == "merge")
    session.flush()
    if result is None:
        return ReviewDecisionOut(id=item_id, status="merged", organisation_id=kept)
    return ReviewDecisionOut(id=item_id, status="rejected", organisation_id=own)
