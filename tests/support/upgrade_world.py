"""A small head database with rows in every table, for the upgrade-path test.

The registry comes from `support.dataset.build` (the real writer), accounts from the
access services; the rest is written through the models, a few rows per table, with the
values a migration's data step would change (a locked account) set on purpose.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from filiera.access import accounts
from filiera.access.models import (
    AccessGrant,
    RateLimitWindow,
    SignInBackoff,
    User,
)
from filiera.capacity.models import CapacityLink, CapacityScenario
from filiera.consortia.models import Bid, BidPartner, Call
from filiera.db import Database
from filiera.directory.models import IntroductionRequest
from filiera.events.models import (
    Event,
    EventParticipant,
    EventSlot,
    Meeting,
    MeetingGuest,
    MeetingRequest,
    ScheduleRun,
)
from filiera.match.models import Shortlist, ShortlistEntry
from filiera.needs.models import Interest, Need, Thesis
from filiera.news.models import NewsArticle, NewsFact, NewsLink, NewsWatch
from filiera.registry.models import (
    Alias,
    ClusterInvitation,
    OrgActivity,
    Organisation,
    Participation,
    Person,
    PersonRole,
    Relation,
    ReviewItem,
    Site,
)
from filiera.registry.names import normalise_name
from filiera.settings import Settings
from support.auth import PASSWORD
from support.dataset import Dataset, build

AT = datetime(2026, 3, 2, 9, 30, 15, 123456)  # microseconds survive on both backends
LOCKED_UNTIL = AT + timedelta(minutes=15)
HIDDEN = "aerosud"  # a members-only organisation: the anonymous directory leaves it out


def populate(db: Database) -> Dataset:
    """Write the small registry, then a few rows of every other table, into `db`."""
    data = build(db)
    with db.session() as session:
        orgs = data.orgs
        users = _accounts(session, orgs)
        person_id = _registry_details(session, orgs)
        _matchmaking(session, orgs, users)
        _consortia(session, orgs)
        _event(session, orgs, users["member"])
        _capacity(session, orgs)
        _news(session, orgs, person_id, users["member"])
    return data


def _accounts(session: Session, orgs: dict[str, int]) -> dict[str, User]:
    """An admin and a cluster member, a token, a web session, a locked-out sign-in."""
    admin = accounts.add_user(session, "admin@upgrade.example", "Admin", PASSWORD, role="admin")
    member = accounts.add_user(
        session, "member@upgrade.example", "Member", PASSWORD, org_ids=[orgs["polimi"]]
    )
    member.role = "member"
    accounts.create_token(session, Settings(), admin, "ops")
    accounts.start_session(session, Settings(), member.id)
    member.failed_sign_ins, member.locked_until = 4, LOCKED_UNTIL  # migration 0006 resets
    member.last_sign_in_at = AT
    session.add(
        SignInBackoff(user_id=member.id, address="192.0.2.7", failures=4, last_failed_at=AT)
    )
    session.add(RateLimitWindow(key="sign-in:192.0.2.7", window=29_553_000, hits=3))
    session.add(
        AccessGrant(entity="organisation", entity_id=orgs[HIDDEN], organisation_id=orgs["safran"])
    )
    return {"admin": admin, "member": member}


def _registry_details(session: Session, orgs: dict[str, int]) -> int:
    """Sites, a person (their id), relations, activities, a review pair, an invitation,
    markings, a participation's contribution."""
    leonardo = session.get(Organisation, orgs["leonardo"])
    leonardo.markings = ["dual_use"]
    leonardo.field_visibility = {"revenue_band": "members"}
    leonardo.control_group, leonardo.controlled_from = "Leonardo group", "IT"
    session.get(Organisation, orgs[HIDDEN]).visibility = "members"
    session.add(
        Site(
            organisation_id=orgs["leonardo"],
            name="Grottaglie plant",
            city="Grottaglie",
            country="IT",
            region="ITF43",
            lat=40.53,
            lon=17.4,
            markings=["itar"],
        )
    )
    person = Person(name="Giulia Bianchi", email="g.bianchi@example.org", visibility="members")
    person.roles.append(PersonRole(organisation_id=orgs["polimi"], title="Professor"))
    session.add(person)
    session.add_all(
        [
            Alias(
                organisation_id=orgs["leonardo"],
                name="Leonardo",
                name_key=normalise_name("Leonardo"),
            ),
            Relation(
                kind="supplier_of", source_org_id=orgs["aerosud"], target_org_id=orgs["leonardo"]
            ),
            OrgActivity(organisation_id=orgs["safran"], nace="30.32", primary=True),
            ReviewItem(
                organisation_id=orgs["safran"],
                candidate_id=orgs["luxspace"],
                score=0.61,
                reasons=["same city"],
            ),
            ClusterInvitation(
                cluster_id=orgs["cluster"],
                organisation_id=orgs["luxspace"],
                since=date(2026, 1, 1),
                invited_by="manager@upgrade.example",
            ),
        ]
    )
    session.flush()
    participation = session.query(Participation).filter_by(organisation_id=orgs["polimi"]).first()
    participation.contribution = 1_250_000.5
    session.flush()
    return person.id


def _matchmaking(session: Session, orgs: dict[str, int], users: dict[str, User]) -> None:
    """A need with an interest, a thesis, a shortlist, an introduction request."""
    need = Need(
        title="Radar absorbing coatings",
        text="Coatings for naval radar signature reduction.",
        lang="en",
        owner_id=orgs["leonardo"],
        capabilities=["materials.composites"],
        trl_min=4,
        trl_max=7,
        countries=["IT", "FR"],
        deadline=date(2026, 9, 30),
        markings=["dual_use"],
    )
    session.add(need)
    session.flush()
    session.add(Interest(need_id=need.id, organisation_id=orgs["polimi"], note="We can help"))
    session.add(
        Thesis(
            owner_id=orgs["safran"],
            title="Space start-ups",
            text="Seed tickets for space start-ups.",
            sectors=["space.satellites"],
            stages=["seed"],
            ticket_min=250_000.0,
            ticket_max=2_000_000.0,
            countries=["LU"],
        )
    )
    shortlist = Shortlist(
        name="Composites", owner_user_id=users["member"].id, query="composites", filters={"c": "IT"}
    )
    session.add(shortlist)
    session.flush()
    session.add(ShortlistEntry(shortlist_id=shortlist.id, organisation_id=orgs["polimi"], note="a"))
    session.add(
        IntroductionRequest(
            requester_id=users["member"].id,
            from_org_id=orgs["polimi"],
            to_org_id=orgs["leonardo"],
            message="May we meet?",
        )
    )


def _consortia(session: Session, orgs: dict[str, int]) -> None:
    """A call and a draft bid with two partners."""
    call = Call(
        programme="EDF",
        identifier="EDF-2026-UAS",
        title="Small UAS",
        text="Small unmanned aircraft for contested airspace.",
        rules="edf_research",
        rule_params={"min_countries": 3},
        capabilities=["air.rotorcraft"],
        work_packages=[{"name": "WP1", "capabilities": ["air.rotorcraft"]}],
        owner_id=orgs["cluster"],
        deadline=date(2026, 11, 5),
        budget=25_000_000.0,
    )
    session.add(call)
    session.flush()
    bid = Bid(title="UAS bid", call_id=call.id, rules="edf_research", owner_id=orgs["leonardo"])
    session.add(bid)
    session.flush()
    for position, (key, role) in enumerate(
        (("leonardo", "coordinator"), ("safran", "participant"))
    ):
        session.add(
            BidPartner(
                bid_id=bid.id,
                organisation_id=orgs[key],
                position=position,
                role=role,
                status="invited",
                reasons=["capability"],
                invited_by="manager@upgrade.example",
                invited_at=AT,
            )
        )


def _event(session: Session, orgs: dict[str, int], member: User) -> None:
    """An event with two slots, three participants, a pair and a group meeting, a run."""
    event = Event(
        name="Varese cluster meeting",
        city="Varese",
        country="IT",
        starts_on=date(2026, 5, 14),
        ends_on=date(2026, 5, 14),
        tables=2,
        table_names=["A", "B"],
        owner_id=orgs["cluster"],
    )
    session.add(event)
    session.flush()
    slots = [
        EventSlot(event_id=event.id, starts_at=AT, ends_at=AT + timedelta(minutes=30)),
        EventSlot(
            event_id=event.id,
            starts_at=AT + timedelta(minutes=30),
            ends_at=AT + timedelta(hours=1),
            kind="break",
        ),
    ]
    people = [
        EventParticipant(
            event_id=event.id,
            organisation_id=orgs[key],
            contact_name=f"Delegate {n} (synthetic)",
            user_id=member.id if key == "polimi" else None,
            blocked_slots=[],
            synthetic=True,
        )
        for n, key in enumerate(("polimi", "leonardo", "safran"), start=1)
    ]
    session.add_all(slots + people)
    session.flush()
    run = ScheduleRun(event_id=event.id, time_limit=1.0, seed=7, stats={"scheduled": 2})
    pair = MeetingRequest(
        event_id=event.id, requester_id=people[0].id, receiver_id=people[1].id, status="accepted"
    )
    group = MeetingRequest(
        event_id=event.id, requester_id=people[0].id, kind="group", title="Consortium table"
    )
    session.add_all([run, pair, group])
    session.flush()
    session.add(MeetingGuest(request_id=group.id, participant_id=people[2].id))
    session.add(
        Meeting(
            event_id=event.id, request_id=pair.id, slot_id=slots[0].id, table_no=1, run_id=run.id
        )
    )


def _capacity(session: Session, orgs: dict[str, int]) -> None:
    scenario = CapacityScenario(
        name="Shells 2027",
        text="line shells: 155mm shells, 1000 per month",
        owner_id=orgs["leonardo"],
        result={"feasible": True},
        result_at=AT,
    )
    session.add(scenario)
    session.flush()
    session.add(
        CapacityLink(scenario_id=scenario.id, line_id="shells", organisation_id=orgs["safran"])
    )


def _news(session: Session, orgs: dict[str, int], person_id: int, member: User) -> None:
    """An article with a reviewed fact linked to an organisation and a person, a watch."""
    article = NewsArticle(
        title="Cluster meeting in Varese",
        url="https://news.example/varese",
        given_as="https://news.example/varese",
        published=date(2026, 2, 1),
        lang="it",
        kind="html",
        text="Il Politecnico di Milano partecipa all'incontro di Varese.",
        fingerprint="f" * 64,
        signature=[1, 2, 3],
        credit="News example",
    )
    session.add(article)
    session.flush()
    fact = NewsFact(
        article_id=article.id,
        kind="event",
        text="incontro di Varese",
        start=33,
        end=51,
        sentence=article.text,
        sentence_index=0,
        data={"name": "Varese meeting"},
        status="accepted",
        reviewed_by=member.id,
        reviewed_at=AT,
    )
    session.add(fact)
    session.flush()
    session.add(NewsLink(fact_id=fact.id, organisation_id=orgs["polimi"]))
    session.add(NewsLink(fact_id=fact.id, person_id=person_id))
    session.add(NewsWatch(user_id=member.id, name="Polimi", organisation_id=orgs["polimi"]))
