"""Whom to meet: the event's other participants ranked by mutual interest.

For a participant P and another participant Q:

- `for_me`: how well Q fits what P looks for — the matchmaking relevance of Q's
  organisation to P's `looking_for` (`match.service.relevance`, among the organisations
  the viewer may see), combined with how much of it Q's offer and profile at the event
  mention;
- `for_them`: the same the other way round, P for Q's `looking_for`.

The score is their sum; each side brings its reasons in the requested language. Left out:
P, P's own organisation, and whoever P already has a request or a group meeting with
(a cancelled request does not count). A pair with nothing to go on (no `looking_for` on
either side, or no match) is never suggested: the list may be empty, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from filiera.access.viewer import Viewer
from filiera.errors import ValidationFailed, field_error
from filiera.events import roles
from filiera.events.models import EventParticipant, MeetingGuest, MeetingRequest
from filiera.events.participants import participant_in, require_acting
from filiera.events.schemas import SuggestionOut, SuggestionsOut
from filiera.match.concepts import lexicon
from filiera.match.engine import QueryTerms, query_terms
from filiera.match.service import Relevance, relevance
from filiera.match.text import LANGUAGES, detect_language, stopwords

MAX_LIMIT = 50
MAX_TERMS = 6
OFFER = {
    "en": "Offer at the event mentions {terms}",
    "it": "L'offerta all'evento cita {terms}",
    "fr": "L'offre à l'événement mentionne {terms}",
    "de": "Das Angebot bei der Veranstaltung nennt {terms}",
}


@dataclass
class Side:
    """How well one participant fits another's `looking_for`, and why."""

    score: float = 0.0
    reasons: tuple[str, ...] = ()


def suggest(
    session: Session,
    viewer: Viewer,
    event_id: int,
    participant_id: int,
    limit: int = 10,
    lang: str | None = None,
) -> SuggestionsOut:
    """The best `limit` participants for `participant_id` to meet (see the module)."""
    event = roles.get_event(session, viewer, event_id)
    me = participant_in(session, viewer, event, participant_id, "participant_id")
    require_acting(viewer, event, me)
    if not 1 <= limit <= MAX_LIMIT:
        message = f"limit is from 1 to {MAX_LIMIT}"
        raise ValidationFailed(message, errors=[field_error("suggestion", "limit", message)])
    others = _candidates(session, me)
    lang = lang if lang in LANGUAGES else detect_language(me.looking_for or "", "en")
    scorer = _Scorer(session, viewer, lang)
    found = []
    for other in others:
        for_me = scorer.side(me.looking_for, other)
        for_them = scorer.side(other.looking_for, me)
        if for_me.score + for_them.score > 0:
            found.append(_suggestion(other, for_me, for_them))
    found.sort(
        key=lambda s: (-s.score, s.organisation.casefold(), s.contact_name, s.participant_id)
    )
    reason = None
    if not found:
        asked = me.looking_for or any(o.looking_for for o in others)
        reason = "no_match" if asked else "no_looking_for"
    return SuggestionsOut(participant_id=me.id, suggestions=found[:limit], empty_reason=reason)


def _candidates(session: Session, me: EventParticipant) -> list[EventParticipant]:
    """Active participants of the event other than me, my organisation and those I
    already have a request (not cancelled) or a group meeting with."""
    met = _already_asked(session, me)
    stmt = (
        select(EventParticipant)
        .where(
            EventParticipant.event_id == me.event_id,
            EventParticipant.status == roles.ACTIVE,
            EventParticipant.id != me.id,
            EventParticipant.organisation_id != me.organisation_id,
        )
        .options(selectinload(EventParticipant.organisation))
        .order_by(EventParticipant.id)
    )
    return [p for p in session.scalars(stmt) if p.id not in met]


def _already_asked(session: Session, me: EventParticipant) -> set[int]:
    live = MeetingRequest.status != "cancelled"
    pairs = select(MeetingRequest.requester_id, MeetingRequest.receiver_id).where(
        MeetingRequest.kind == "pair",
        live,
        or_(MeetingRequest.requester_id == me.id, MeetingRequest.receiver_id == me.id),
    )
    met = {who for row in session.execute(pairs) for who in row if who is not None}
    mine = select(MeetingGuest.request_id).where(MeetingGuest.participant_id == me.id)
    groups = select(MeetingRequest).where(
        MeetingRequest.kind == "group",
        live,
        or_(MeetingRequest.requester_id == me.id, MeetingRequest.id.in_(mine)),
    )
    for group in session.scalars(groups.options(selectinload(MeetingRequest.guests))):
        met |= {group.requester_id, *(g.participant_id for g in group.guests)}
    return met - {me.id}


class _Scorer:
    """Scores a participant for a `looking_for` text; one relevance per distinct text."""

    def __init__(self, session: Session, viewer: Viewer, lang: str) -> None:
        self.session, self.viewer, self.lang = session, viewer, lang
        self.relevances: dict[str, Relevance] = {}

    def side(self, looking_for: str | None, candidate: EventParticipant) -> Side:
        text = (looking_for or "").strip()
        if not text:
            return Side()
        rel = self.relevances.get(text)
        if rel is None:
            rel = self.relevances[text] = relevance(self.session, self.viewer, text)
        org, org_reasons = self._organisation(rel, candidate.organisation_id)
        offer, words = _mentions(rel.terms, candidate, self.lang)
        reasons = list(org_reasons)
        if words:
            reasons.append(OFFER.get(self.lang, OFFER["en"]).format(terms=", ".join(words)))
        return Side(round(1 - (1 - org) * (1 - offer), 4), tuple(reasons))

    def _organisation(self, rel: Relevance, org_id: int) -> tuple[float, list[str]]:
        where = rel.index.position(org_id)
        if where is None or not rel.eligible[where] or rel.final[where] <= 0:
            return 0.0, []
        [hit] = rel.explain([where], self.lang)
        return float(rel.final[where]), [e["text"] for e in hit.explanations]


def _mentions(terms: QueryTerms, candidate: EventParticipant, lang: str) -> tuple[float, list[str]]:
    """The share of the query's weight that the candidate's offer and profile mention,
    and the words (or concepts) they share."""
    text = " ".join(t for t in (candidate.offering, candidate.profile) if t)
    total = sum(terms.weights.values())
    if not text or total <= 0:
        return 0.0, []
    theirs = query_terms(text, terms.lang).weights
    shared = sorted((t for t in terms.weights if t in theirs), key=lambda t: -terms.weights[t])
    plain = [t for t in shared if not t.startswith("c:") and not _stopword(terms, t)]
    words: list[str] = []
    for term in plain or shared:  # the words written; the concepts when no word is shared
        word = _word(terms, term, lang)
        if word.casefold() not in {w.casefold() for w in words} and len(words) < MAX_TERMS:
            words.append(word)
    return min(1.0, sum(terms.weights[t] for t in shared) / total), words


def _stopword(terms: QueryTerms, term: str) -> bool:
    """A word like "and" or "in" in any of the four languages (a text's language may be
    misread, and then its little words pass as content)."""
    word = terms.shown.get(term, term.split(":", 1)[-1]).casefold()
    return len(word) < 3 or any(word in stopwords(lang) for lang in LANGUAGES)


def _word(terms: QueryTerms, term: str, lang: str) -> str:
    if term.startswith("c:"):
        concept = lexicon().concepts.get(term[2:])
        if concept is not None:
            return concept.labels.get(lang) or concept.labels.get("en") or term[2:]
    return terms.shown.get(term, term.split(":", 1)[-1])


def _suggestion(other: EventParticipant, for_me: Side, for_them: Side) -> SuggestionOut:
    return SuggestionOut(
        participant_id=other.id,
        contact_name=other.contact_name,
        organisation_id=other.organisation_id,
        organisation=other.organisation.name,
        score=round(for_me.score + for_them.score, 4),
        for_me=for_me.score,
        for_them=for_them.score,
        reasons_for_me=list(for_me.reasons),
        reasons_for_them=list(for_them.reasons),
    )
