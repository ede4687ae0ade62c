"""`/api/review`: possible duplicates the resolver was unsure about, and decisions on them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from filiera.api.responses import errors
from filiera.directory import review
from filiera.directory.review import ReviewDecisionIn, ReviewDecisionOut, ReviewOut
from filiera.http.deps import RecordId, SessionDep, ViewerDep

router = APIRouter(
    prefix="/api",
    tags=["review"],
    responses=errors({404: "No such review item", 409: "Already decided", 422: "Invalid decision"}),
)


@router.get("/review", response_model=list[ReviewOut])
def list_review(session: SessionDep, viewer: ViewerDep) -> list[ReviewOut]:
    """Open review items, most likely duplicates first, with both organisations (admins)."""
    return review.open_items(session, viewer)


@router.post("/review/{item_id}", response_model=ReviewDecisionOut)
def decide(
    session: SessionDep,
    viewer: ViewerDep,
    item_id: RecordId,
    body: Annotated[ReviewDecisionIn, Body()],
) -> ReviewDecisionOut:
    """`merge` folds the newer organisation into the candidate; `reject` keeps both (admins)."""
    return review.decide(session, viewer, item_id, body)
