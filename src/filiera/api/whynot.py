"""`POST /api/match/why-not`: where one organisation stands for a need, and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from filiera.api.responses import errors
from filiera.http.deps import SessionDep, ViewerDep
from filiera.match import whynot
from filiera.match.whynot_shapes import WhyNotOut, WhyNotRequest, whynot_out

router = APIRouter(
    prefix="/api",
    tags=["matchmaking"],
    responses=errors(
        {
            404: "No such organisation (or not visible to you)",
            422: "Invalid input; every bad field is listed",
        }
    ),
)


@router.post("/match/why-not", response_model=WhyNotOut)
def why_not(
    session: SessionDep, viewer: ViewerDep, body: Annotated[WhyNotRequest, Body()]
) -> WhyNotOut:
    """Why an organisation is not on the first page for a need (or that it is, and why).

    `status` says which case: `filtered` (one reason per filter it fails, or the synthetic
    rule), `no_match` (score 0: the need's words and concepts its profile lacks),
    `first_page` (ranked 1 to 10, with its match reasons) or `below_first_page` (ranked N of
    M, compared part by part with the organisation at rank 10, and what at least half of the
    first page has and it lacks). An organisation you may not see answers 404 exactly like
    one that does not exist; ranks count only what you may see."""
    return whynot_out(whynot.run(session, viewer, body))
