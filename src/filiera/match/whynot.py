"""Why is an organisation not on the first page? One organisation, one need, the reasons.

Built on `service.relevance` (the final scores every feature shares, among what the viewer
may see and the filters let through), so the answer follows the ranking `match()` gives:

- the organisation does not exist or the viewer may not see it: the same NotFound;
- it does not pass the filters: one reason per failing filter (or the synthetic rule);
- it passes but scores 0: the need's key words and concepts its profile lacks;
- it ranks N of M: on the first page (rank 1 to FIRST_PAGE) with its match reasons, or
  compared with the organisation at rank FIRST_PAGE, part by part, with the capabilities,
  certifications and topics at least half of the first page have and it lacks.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.access import audit
from filiera.access.viewer import Viewer
from filiera.directory import queries
from filiera.errors import NotFound
from filiera.match import service
from filiera.match import whynot_text as words
from filiera.match.engine import MatchFilters, filter_mask, top_positions
from filiera.match.explain import contains
from filiera.registry.models import Organisation

if TYPE_CHECKING:
    from filiera.match.whynot_shapes import WhyNotRequest

FIRST_PAGE = 10  # the results a buyer reads first
MAX_MISSING = 6  # query words and concepts named when nothing matches
MAX_LACKING = 4  # capabilities, certifications, topics named (each)
PARTS = ("profile", "projects", "record", "fit")


@dataclass
class Neighbour:
    """The organisation the answer compares with (the last one on the first page)."""

    org_id: int
    name: str
    rank: int
    score: float
    parts: dict[str, float]


@dataclass
class WhyNot:
    """Where one organisation stands for one need, and why."""

    org_id: int
    name: str
    query: str
    lang: str
    status: str  # filtered | no_match | first_page | below_first_page
    of: int  # organisations with a positive score among those the viewer may see
    reasons: list[dict] = field(default_factory=list)
    rank: int | None = None
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    explanations: list[dict] = field(default_factory=list)
    last: Neighbour | None = None
    concepts: list[str] = field(default_factory=list)


def why_not(
    session: Session,
    viewer: Viewer,
    text: str,
    org_id: int,
    *,
    lang: str | None = None,
    filters: MatchFilters | None = None,
    explain_lang: str | None = None,
) -> WhyNot:
    """Why organisation `org_id` is (or is not) on the first page for `text`.

    An organisation the viewer may not see answers exactly like one that does not exist,
    and everything counted or compared is among the organisations the viewer may see.
    """
    queries.require_visible(session, org_id, viewer=viewer)
    rel = service.relevance(session, viewer, text, lang=lang, filters=filters)
    pos = rel.index.position(org_id)
    if pos is None:  # not indexed (yet): as if it did not exist
        raise NotFound(f"organisation {org_id} does not exist")
    answer = WhyNot(
        org_id,
        rel.index.names[pos],
        text,
        rel.terms.lang,
        "filtered",
        int((rel.final > 0).sum()),
        concepts=rel.terms.concepts[:20],
    )
    say_in = explain_lang or rel.terms.lang
    if not rel.eligible[pos]:
        answer.reasons = excluded_by(session, viewer, rel, pos, say_in)
    elif rel.final[pos] <= 0:
        answer.status, answer.reasons = "no_match", [no_match(rel, pos, say_in)]
    else:
        ranked(rel, pos, answer, say_in)
    _audit(session, [org_id] + ([answer.last.org_id] if answer.last else []))
    return answer


def run(session: Session, viewer: Viewer, request: WhyNotRequest) -> WhyNot:
    """`why_not` for a validated request (what the API, the web page and the CLI call)."""
    return why_not(
        session,
        viewer,
        request.text,
        request.organisation_id,
        lang=request.lang,
        filters=request.filters(),
        explain_lang=request.explain_lang,
    )


# --- (b) filters ------------------------------------------------------------------------------


def single_filters(flt: MatchFilters) -> list[tuple[str, MatchFilters]]:
    """Each hard filter of `flt` on its own (name, filters holding only it)."""
    given = [
        ("country", bool(flt.countries), {"countries": flt.countries}),
        ("region", bool(flt.region), {"region": flt.region}),
        ("kind", bool(flt.kinds), {"kinds": flt.kinds}),
        ("sme", flt.sme_only, {"sme_only": True}),
        ("exclude_kind", bool(flt.exclude_kinds), {"exclude_kinds": flt.exclude_kinds}),
        ("certification", bool(flt.certification), {"certification": flt.certification}),
        ("capability", bool(flt.capability), {"capability": flt.capability}),
        ("cluster", flt.cluster is not None, {"cluster": flt.cluster}),
        ("synthetic", flt.include_synthetic is False, {"include_synthetic": False}),
    ]
    return [(name, MatchFilters(**only)) for name, used, only in given if used]


def excluded_by(session: Session, viewer: Viewer, rel, pos: int, lang: str) -> list[dict]:
    """One reason per filter the organisation fails; else the synthetic rule left it out.

    The cluster filter goes through `service.eligible`, so a cluster the viewer may not see
    excludes everyone, exactly as a cluster that does not exist."""
    out = []
    for name, alone in single_filters(rel.filters):
        if name == "cluster":
            passes = service.eligible(session, rel.index, viewer, alone)[pos]
        else:
            passes = filter_mask(rel.index, alone)[pos]
        if not passes:
            reason = filter_reason(name, rel.filters, rel.index, pos, lang)
            if name == "cluster":
                reason["text"] = words.say(
                    "filter.cluster",
                    lang,
                    wanted=cluster_shown(session, viewer, rel.index, rel.filters.cluster),
                )
            out.append(reason)
    if not out and rel.index.synthetic[pos]:
        out.append({"key": "synthetic_left_out", "text": words.say("synthetic_left_out", lang)})
    return out


def cluster_shown(session: Session, viewer: Viewer, index, cluster_id: int) -> str:
    """A cluster by name when the viewer may see it, else by the id they gave (as for a
    cluster that does not exist)."""
    where = index.position(cluster_id)
    if where is None or not service.viewer_mask(session, index, viewer)[where]:
        return str(cluster_id)
    return f"{index.names[where]} ({cluster_id})"


def filter_reason(name: str, flt: MatchFilters, index, pos: int, lang: str) -> dict:
    """The reason of one failing filter: what it asks for and what the organisation has."""
    kind = str(index.kind[pos]) or None
    wanted: object = None
    has: object = None
    values: dict[str, object] = {}
    if name == "country":
        wanted, has = [c.upper() for c in flt.countries], str(index.country[pos]) or None
        values = {"wanted": ", ".join(wanted), "has": has or words.not_stated(lang)}
    elif name == "region":
        wanted, has = flt.region.upper(), str(index.region[pos]) or None
        values = {"wanted": wanted, "has": has or words.not_stated(lang)}
    elif name == "kind":
        wanted, has = list(flt.kinds), kind
        shown = ", ".join(words.kind_label(k, lang) for k in flt.kinds)
        values = {"wanted": shown, "has": words.kind_label(kind, lang)}
    elif name == "sme":
        wanted, has, values = True, kind, {"has": words.kind_label(kind, lang)}
    elif name == "exclude_kind":
        wanted, has = list(flt.exclude_kinds), kind
        values = {"has": words.kind_label(kind, lang)}
    elif name == "certification":
        wanted = flt.certification
        values = {"wanted": words.certification_label(wanted, lang)}
    elif name == "capability":
        wanted = flt.capability
        values = {"wanted": words.capability_label(wanted, lang)}
    elif name == "cluster":
        wanted = values["wanted"] = flt.cluster
    reason = {"key": "filter", "filter": name, "wanted": wanted, "has": has}
    return reason | {"text": words.say(f"filter.{name}", lang, **values)}


# --- (c) nothing in common --------------------------------------------------------------------


def no_match(rel, pos: int, lang: str) -> dict:
    """The need's most weighty words and concepts, none of which its profile holds."""
    terms = rel.terms
    missing: list[str] = []
    for term in sorted(terms.weights, key=lambda t: (-terms.weights[t], t)):
        label = words.term_label(term, terms.shown, lang)
        held = contains(rel.index.profile.term_scores(term)[0], np.array([pos]))[0]
        if not held and label.casefold() not in {m.casefold() for m in missing}:
            missing.append(label)
        if len(missing) == MAX_MISSING:
            break
    text = words.say("no_match", lang, missing=", ".join(missing) or "–")
    return {"key": "no_match", "missing": missing, "text": text}


# --- (d) ranked -------------------------------------------------------------------------------


def rank_of(final: np.ndarray, pos: int) -> int:
    """The rank `match()` gives position `pos` (ties by position, as `top_positions`)."""
    mine = final[pos]
    ahead = int((final > mine).sum()) + int((final[:pos] == mine).sum())
    return ahead + 1


def ranked(rel, pos: int, answer: WhyNot, lang: str) -> None:
    """Fill in a positive score: on the first page, or compared with its last result."""
    answer.rank = rank_of(rel.final, pos)
    answer.score = round(float(rel.final[pos]), 4)
    answer.parts = parts_of(rel.parts, pos)
    answer.explanations = rel.explain([pos], lang)[0].explanations
    if answer.rank <= FIRST_PAGE:
        answer.status = "first_page"
        text = words.say("first_page", lang, rank=answer.rank, of=answer.of)
        answer.reasons = [{"key": "first_page", "rank": answer.rank, "of": answer.of, "text": text}]
        return
    top = top_positions(rel.final, FIRST_PAGE)
    last = top[-1]
    answer.status = "below_first_page"
    answer.last = Neighbour(
        int(rel.index.org_ids[last]),
        rel.index.names[last],
        len(top),
        round(float(rel.final[last]), 4),
        parts_of(rel.parts, last),
    )
    answer.reasons = [
        rank_reason(answer, lang),
        *part_reasons(answer.parts, answer.last.parts, lang),
        *lacking(rel, top, pos, lang),
    ]


def parts_of(parts: dict, pos: int) -> dict[str, float]:
    return {k: round(float(parts[k][pos]), 4) for k in PARTS if k in parts}


def rank_reason(answer: WhyNot, lang: str) -> dict:
    last = answer.last
    text = words.say(
        "rank",
        lang,
        rank=answer.rank,
        of=answer.of,
        page=FIRST_PAGE,
        mine=f"{answer.score:.2f}",
        theirs=f"{last.score:.2f}",
        name=last.name,
    )
    return {
        "key": "rank",
        "rank": answer.rank,
        "of": answer.of,
        "mine": answer.score,
        "theirs": last.score,
        "text": text,
    }


def part_reasons(mine: dict[str, float], theirs: dict[str, float], lang: str) -> list[dict]:
    """The parts of the score where it is behind the last result of the first page."""
    out = []
    for part in PARTS:
        a, b = mine.get(part, 0.0), theirs.get(part, 0.0)
        if round(a, 2) < round(b, 2):
            text = words.say(
                "part",
                lang,
                part=words.part_label(part, lang),
                mine=f"{a:.2f}",
                theirs=f"{b:.2f}",
                page=FIRST_PAGE,
            )
            out.append({"key": "part", "part": part, "mine": a, "theirs": b, "text": text})
    return out


def lacking(rel, top: list[int], pos: int, lang: str) -> list[dict]:
    """Capabilities, certifications and topics of the query at least half of `top` have
    and the organisation lacks, the most shared first."""
    index, need = rel.index, math.ceil(len(top) / 2)
    held = Counter(code for p in top for code in index.capabilities[p])
    none = np.zeros(index.size, dtype=bool)
    caps = [
        (code, n)
        for code, n in held.items()
        if n >= need and not index.capability_masks.get(code, none)[pos]
    ]
    certs = [
        (code, int(mask[top].sum()))
        for code, mask in index.certifications.items()
        if int(mask[top].sum()) >= need and not mask[pos]
    ]
    at = np.array(sorted(top))
    topics = []
    for term in rel.terms.weights:
        docs = index.profile.term_scores(term)[0]
        n = int(contains(docs, at).sum())
        if n >= need and not contains(docs, np.array([pos]))[0]:
            topics.append((term, n))
    out: list[dict] = []
    seen: set[str] = set()
    for kind, found, label in (
        ("capability", caps, words.capability_label),
        ("certification", certs, words.certification_label),
        ("topic", topics, lambda t, lg: words.term_label(t, rel.terms.shown, lg)),
    ):
        kept = 0
        for code, n in sorted(found, key=lambda item: (-item[1], item[0])):
            shown = label(code, lang)
            if kept == MAX_LACKING or shown.casefold() in seen:
                continue
            seen.add(shown.casefold())
            kept += 1
            text = words.say(f"lacks.{kind}", lang, label=shown, count=n, page=len(top))
            out.append({"key": "lacks", "kind": kind, "code": code, "held_by": n, "text": text})
    return out


def _audit(session: Session, ids: list[int]) -> None:
    """Log reading restricted or owner-level organisations in an answer."""
    stmt = select(Organisation.id).where(
        Organisation.id.in_(ids), Organisation.visibility.in_(("restricted", "owner"))
    )
    audit.record_read(session, "organisation", list(session.scalars(stmt)), "why-not answer")
