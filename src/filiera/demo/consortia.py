"""Demo calls for proposals and a draft bid (demo.yaml `calls:` and `bids:`).

Everything goes through the consortia services, acting as the demo account named in `by`,
so the demo data obeys the same rules as data entered in the web UI: who may publish a call
or save a bid for an organisation, which rule set and parameters a call may have, who
answers an invitation. The Lombardia Aerospace Cluster gets its own cluster-manager
account, which publishes the tri-regional call and saves the bid.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from filiera.access import accounts
from filiera.access.viewer import Viewer, viewer_for
from filiera.consortia import bids, calls
from filiera.consortia.schemas import BidIn, CallIn
from filiera.registry.schemas import parse

LOMBARDIA_MANAGER = {
    "email": "manager@lombardia-aerospace.demo",
    "name": "Demo Lombardia Aerospace Cluster manager",
    "role": "cluster_manager",
    "org": "lombardia_aerospace_cluster",
}
# A partner's answer recorded by the loader stands for the partner's own user: an admin
# viewer under a label that says where the answer comes from.
ANSWERED_BY = Viewer(None, "Filiera demo data", "admin", via="cli")
ANSWERS = {"accepted": True, "declined": False}
CALL_EXTRA = ("key", "by", "owner", "credit", "source")
BID_EXTRA = ("key", "by", "owner", "call", "partners", "source")


def load_demo_consortia(
    session: Session, data: dict[str, Any], keys: dict[str, int], password: str
) -> dict[str, int]:
    """The Lombardia manager's account, the calls, then the bids with their answers."""
    _add_lombardia_manager(session, keys, password)
    call_ids = {
        row["key"]: _publish(session, row, index, keys)
        for index, row in enumerate(data.get("calls", []))
    }
    partners = 0
    for index, row in enumerate(data.get("bids", [])):
        partners += _save_bid(session, row, index, keys, call_ids)
    return {
        "calls": len(call_ids),
        "bids": len(data.get("bids", [])),
        "bid_partners": partners,
    }


def _add_lombardia_manager(session: Session, keys: dict[str, int], password: str) -> None:
    who = LOMBARDIA_MANAGER
    accounts.add_user(
        session, who["email"], who["name"], password, role=who["role"], org_ids=[keys[who["org"]]]
    )
    session.flush()


def _acting(session: Session, email: str) -> Viewer:
    """The viewer of the demo account `email`, as if signed in to the web UI."""
    return viewer_for(session, accounts.get_user(session, email), via="session")


def _publish(session: Session, row: dict[str, Any], index: int, keys: dict[str, int]) -> int:
    fields = {k: v for k, v in row.items() if k not in CALL_EXTRA}
    data = parse(CallIn, {**fields, "owner_id": keys[row["owner"]]}, f"calls[{index}]")
    call = calls.publish_call(session, _acting(session, row["by"]), data, credit=row["credit"])
    return call.id


def _save_bid(
    session: Session,
    row: dict[str, Any],
    index: int,
    keys: dict[str, int],
    call_ids: dict[str, int],
) -> int:
    """Save the bid as its author, invite every partner, record the partners' answers."""
    fields = {k: v for k, v in row.items() if k not in BID_EXTRA}
    partners = [
        {
            "organisation": str(keys[p["org"]]),
            "role": p.get("role", "participant"),
            "reasons": p.get("reasons", []),
        }
        for p in row["partners"]
    ]
    raw = {
        **fields,
        "owner_id": keys[row["owner"]],
        "call_id": call_ids[row["call"]] if row.get("call") else None,
        "partners": partners,
    }
    author = _acting(session, row["by"])
    bid = bids.save_bid(session, author, parse(BidIn, raw, f"bids[{index}]"))
    bids.invite(session, author, bid.id)
    for partner in row["partners"]:
        if partner.get("status") in ANSWERS:
            accept = ANSWERS[partner["status"]]
            bids.answer(session, ANSWERED_BY, bid.id, keys[partner["org"]], accept)
    return len(partners)
