"""`/api/consortia`: build consortia for a call or a topic, and check one typed in.

Both only read: everything is computed among the organisations you may see."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from filiera.api.responses import errors
from filiera.consortia import checker, service
from filiera.consortia.schemas import BuildIn, BuildOut, CheckIn, CheckOut
from filiera.http.deps import SessionDep, ViewerDep

router = APIRouter(
    prefix="/api/consortia",
    tags=["consortia"],
    responses=errors(
        {
            404: "No such call or organisation (or not visible to you)",
            422: "Invalid input, an unknown rule set, or an impossible request "
            "(code `no_consortium`: every rule, size or capability that makes it so is listed)",
        }
    ),
)


@router.post("/build", response_model=BuildOut)
def build_consortia(
    session: SessionDep, viewer: ViewerDep, body: Annotated[BuildIn, Body()]
) -> BuildOut:
    """Propose up to `alternatives` different consortia that satisfy every rule, best first.

    Give a stored call (`call_id`) or a `text` with a rule set (`rules`); `with` fixes
    partners (the first coordinates), `without` excludes them; each member comes with the
    reasons it is there, each rule with whether it holds and is tight, and the EDF SME bonus
    where the rule set has one."""
    return service.build(session, viewer, body)


@router.post("/check", response_model=CheckOut)
def check_consortium(
    session: SessionDep, viewer: ViewerDep, body: Annotated[CheckIn, Body()]
) -> CheckOut:
    """Check a consortium you typed in against a rule set: every violated rule in plain
    words (`violations`), the warnings and the capabilities nobody covers."""
    return checker.check(session, viewer, body)
