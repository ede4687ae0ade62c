"""Meeting requests and group meetings through the services (issue 12), on SQLite and
PostgreSQL: who asks whom, duplicates either way, answers by the receiver only,
auto-accept, cancelling, who lists what, and what the scheduler is given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from filiera.errors import Conflict, FilieraError, Forbidden, NotFound, ValidationFailed
from filiera.events import participants, requests
from filiera.events.models import Event, Meeting, MeetingRequest
from filiera.events.schemas import ParticipantPatch, RequestIn
from support.event_registry import Registry, ids_masked, make_registry


@pytest.fixture(scope="module")
def reg(module_db_url: str) -> Iterator[Registry]:
    made = make_registry(module_db_url)
    yield made
    made.db.dispose()


def ask(reg: Registry, who: str, event_id: int, to: int, **fields) -> MeetingRequest:
    with reg.db.session() as session:
        data = RequestIn(to_participant=to, **fields)
        request = requests.request_meeting(session, reg.viewer(who), event_id, data)
        session.expunge(request)
        return request


def ask_fails(reg: Registry, who: str, event_id: int, error: type, **fields) -> FilieraError:
    with reg.db.session() as session, pytest.raises(error) as info:
        requests.request_meeting(session, reg.viewer(who), event_id, RequestIn(**fields))
    return info.value


def answer(reg: Registry, who: str, request_id: int, accept: bool = True) -> str:
    with reg.db.session() as session:
        return requests.answer(session, reg.viewer(who), request_id, accept).status


def box(reg: Registry, who: str, event_id: int, which: str = "all") -> list[int]:
    with reg.db.session() as session:
        return [r.id for r in requests.list_requests(session, reg.viewer(who), event_id, which)]


@pytest.fixture
def trio(reg: Registry) -> tuple[int, dict[str, int]]:
    """A fresh event with Leonardo, Safran and Politecnico di Milano registered."""
    event_id = reg.event()
    return event_id, {who: reg.register(event_id, who) for who in ("leo", "saf", "poli")}


# --- asking ---------------------------------------------------------------------------------


def test_a_request_names_known_participants_of_this_event(reg: Registry, trio) -> None:
    event_id, people = trio
    elsewhere = reg.register(reg.event(), "lux")
    unknown = ask_fails(reg, "leo", event_id, NotFound, to_participant=10**6)
    foreign = ask_fails(reg, "leo", event_id, NotFound, to_participant=elsewhere)
    assert unknown.errors[0]["field"] == "to_participant"
    assert ids_masked(foreign.message, elsewhere) == ids_masked(unknown.message, 10**6)
    itself = ask_fails(reg, "leo", event_id, ValidationFailed, to_participant=people["leo"])
    assert itself.errors[0]["field"] == "to_participant"
    # asking for someone else's registration is refused; nobody registered has no default
    ask_fails(
        reg,
        "saf",
        event_id,
        Forbidden,
        to_participant=people["poli"],
        from_participant=people["leo"],
    )
    lonely = ask_fails(reg, "lux", event_id, ValidationFailed, to_participant=people["leo"])
    assert lonely.errors[0]["field"] == "from_participant"


def test_one_open_request_per_pair_either_way(reg: Registry, trio) -> None:
    event_id, people = trio
    first = ask(reg, "leo", event_id, people["saf"], priority=3, message="Radar?")
    assert (first.status, first.priority, first.requester_id) == ("pending", 3, people["leo"])
    for who, to in (("leo", "saf"), ("saf", "leo")):
        error = ask_fails(reg, who, event_id, Conflict, to_participant=people[to])
        assert error.key == "meeting_already_requested"
        assert error.params["request_id"] == first.id
        assert f"request {first.id} (pending)" in error.message
    assert answer(reg, "saf", first.id, accept=False) == "declined"
    again = ask(reg, "saf", event_id, people["leo"])  # a declined request is closed
    assert again.status == "pending"


def test_only_the_receiver_answers(reg: Registry, trio) -> None:
    event_id, people = trio
    request = ask(reg, "leo", event_id, people["saf"])
    with reg.db.session() as session, pytest.raises(Forbidden):  # the requester
        requests.answer(session, reg.viewer("leo"), request.id, True)
    for stranger in ("poli", "lux", "anonymous"):  # to them the request does not exist
        with reg.db.session() as session, pytest.raises(NotFound) as info:
            requests.answer(session, reg.viewer(stranger), request.id, True)
        with reg.db.session() as session, pytest.raises(NotFound) as missing:
            requests.answer(session, reg.viewer(stranger), 10**6, True)
        assert ids_masked(info.value.message, request.id) == ids_masked(
            missing.value.message, 10**6
        )
    assert answer(reg, "saf", request.id) == "accepted"
    with reg.db.session() as session, pytest.raises(Conflict) as twice:
        requests.answer(session, reg.viewer("saf"), request.id, False)
    assert twice.value.key == "request_answered"
    other = ask(reg, "poli", event_id, people["leo"])
    assert answer(reg, "manager", other.id, accept=False) == "declined"  # an organiser may


def test_auto_accept_by_the_event_or_the_receiver(reg: Registry, trio) -> None:
    event_id, people = trio
    with reg.db.session() as session:
        participants.update_participant(
            session,
            reg.viewer("poli"),
            event_id,
            people["poli"],
            ParticipantPatch(auto_accept=True),
        )
    assert ask(reg, "leo", event_id, people["poli"]).status == "accepted"
    assert ask(reg, "leo", event_id, people["saf"]).status == "pending"
    reg.set_event(event_id, auto_accept=True)
    assert ask(reg, "poli", event_id, people["saf"]).status == "accepted"


def test_requests_need_an_open_event_and_respect_the_limit(reg: Registry, trio) -> None:
    event_id, people = trio
    reg.set_event(event_id, max_requests=1)
    ask(reg, "leo", event_id, people["saf"])
    limit = ask_fails(reg, "leo", event_id, Conflict, to_participant=people["poli"])
    assert (limit.key, limit.params) == ("too_many_meeting_requests", {"max": 1})
    reg.set_event(event_id, status="closed", max_requests=None)
    closed = ask_fails(reg, "poli", event_id, Conflict, to_participant=people["saf"])
    assert closed.key == "event_not_open"


def test_a_cancelled_participant_cannot_be_asked(reg: Registry, trio) -> None:
    event_id, people = trio
    with reg.db.session() as session:
        participants.cancel(session, reg.viewer("saf"), event_id, people["saf"])
    gone = ask_fails(reg, "leo", event_id, NotFound, to_participant=people["saf"])
    assert gone.errors[0]["field"] == "to_participant"
    by_organiser = ask_fails(
        reg,
        "manager",
        event_id,
        Conflict,
        to_participant=people["saf"],
        from_participant=people["leo"],
    )
    assert by_organiser.key == "participant_not_active"


# --- cancelling and listing -----------------------------------------------------------------


def test_the_requester_cancels_and_the_meeting_goes(reg: Registry, trio) -> None:
    event_id, people = trio
    request = ask(reg, "leo", event_id, people["saf"])
    answer(reg, "saf", request.id)
    with reg.db.session() as session:
        slot = session.get(Event, event_id).slots[0]
        session.add(Meeting(event_id=event_id, request_id=request.id, slot_id=slot.id, table_no=1))
    with reg.db.session() as session, pytest.raises(Forbidden):  # the receiver declines instead
        requests.cancel_request(session, reg.viewer("saf"), request.id)
    with reg.db.session() as session:
        assert requests.cancel_request(session, reg.viewer("leo"), request.id).status == "cancelled"
        assert session.scalars(select(Meeting).where(Meeting.request_id == request.id)).all() == []
    with reg.db.session() as session, pytest.raises(Conflict):
        requests.cancel_request(session, reg.viewer("leo"), request.id)


def test_participants_list_their_own_requests_organisers_all(reg: Registry, trio) -> None:
    event_id, people = trio
    a = ask(reg, "leo", event_id, people["saf"]).id
    b = ask(reg, "poli", event_id, people["leo"]).id
    c = ask(reg, "saf", event_id, people["poli"]).id
    assert box(reg, "leo", event_id, "sent") == [a]
    assert box(reg, "leo", event_id, "received") == [b]
    assert box(reg, "leo", event_id) == [b, a]
    assert box(reg, "manager", event_id) == [c, b, a]
    assert box(reg, "lux", event_id) == [] and box(reg, "anonymous", event_id) == []
    with reg.db.session() as session, pytest.raises(ValidationFailed):
        requests.list_requests(session, reg.viewer("leo"), event_id, "spam")
    with reg.db.session() as session:
        viewer = reg.viewer("saf")
        request, event = requests.get_request(session, viewer, a)
        out = requests.request_out(viewer, event, request)
    assert (out.requester.contact_name, out.receiver.organisation) == ("Luca Leone", "Safran SA")
    assert (out.can_answer, out.can_cancel, out.priority_name) == (True, False, "would_like")


# --- group meetings and the scheduler's input -----------------------------------------------


def group(reg: Registry, who: str, event_id: int, ids: list[int], **options) -> MeetingRequest:
    with reg.db.session() as session:
        made = requests.create_group_meeting(
            session, reg.viewer(who), event_id, "Consortium table", ids, **options
        )
        session.expunge(made)
        return made


def test_group_meetings_are_set_by_the_organiser_for_three_or_more(reg: Registry, trio) -> None:
    event_id, people = trio
    three = [people["leo"], people["saf"], people["poli"]]
    with pytest.raises(Forbidden):
        group(reg, "leo", event_id, three)
    with pytest.raises(ValidationFailed) as two:
        group(reg, "manager", event_id, three[:2])
    assert two.value.errors[0]["field"] == "participant_ids"
    with pytest.raises(ValidationFailed):
        group(reg, "manager", event_id, [three[0], three[0], three[1]])
    made = group(reg, "manager", event_id, three, priority=2)
    assert (made.kind, made.status, made.priority) == ("group", "accepted", 2)
    assert made.id in box(reg, "poli", event_id, "received")
    assert made.id in box(reg, "leo", event_id, "sent")
    with reg.db.session() as session, pytest.raises(Conflict) as fixed:
        requests.answer(session, reg.viewer("poli"), made.id, False)
    assert fixed.value.key == "group_meeting_fixed"


def test_the_scheduler_gets_accepted_requests_of_active_members(reg: Registry, trio) -> None:
    event_id, people = trio
    lux = reg.register(event_id, "lux")
    kept = ask(reg, "leo", event_id, people["saf"])
    answer(reg, "saf", kept.id)
    pending = ask(reg, "leo", event_id, people["poli"])
    dropped = ask(reg, "lux", event_id, people["poli"])
    answer(reg, "poli", dropped.id)
    table = group(reg, "manager", event_id, [people["leo"], people["saf"], people["poli"]])
    with reg.db.session() as session:
        participants.mark_no_show(session, reg.viewer("manager"), event_id, lux)
    with reg.db.session() as session:
        event = session.get(Event, event_id)
        accepted = requests.accepted_for_schedule(session, event)
        every = requests.accepted_requests(session, event)
        members = {r.id: [m.contact_name for m in requests.members(r)] for r in accepted}
    assert [r.id for r in every] == [kept.id, dropped.id, table.id]
    assert [r.id for r in accepted] == [kept.id, table.id] and pending.id not in members
    assert members[kept.id] == ["Luca Leone", "Sara Blanc"]
    assert members[table.id] == ["Luca Leone", "Sara Blanc", "Paola Poli"]
