"""One batch of registry changes applied to a match index, as a new index (copy on write).

Changed and new organisations get their documents recomputed from the registry (own bag,
profile bag = own bag + their projects' bags, attributes, masks, participations) with the
same functions a full build uses; deleted ones are marked dead; a changed project is
re-read with its participants. Arrays are copied once per batch, never per query.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from filiera.match.delta import DeltaBm25
from filiera.match.index import (
    ROLE_WEIGHT,
    MatchIndex,
    among,
    capability_rows,
    org_bags,
    org_rows,
    pic_rows,
    project_bags,
)
from filiera.registry import taxonomy
from filiera.registry.models import Certification, Membership, Participation

CACHE_LIMIT = 20_000  # project bags kept between batches


class ProjectBags:
    """Bags of projects, read once and kept (a changed project is forgotten)."""

    def __init__(self) -> None:
        self._bags: dict[int, Counter[str]] = {}

    def forget(self, project_ids) -> None:
        for pid in project_ids:
            self._bags.pop(pid, None)

    def put(self, pid: int, bag: Counter[str]) -> None:
        if len(self._bags) >= CACHE_LIMIT:
            self._bags.clear()
        self._bags[pid] = bag

    def of(self, session: Session, pids: set[int]) -> dict[int, Counter[str]]:
        missing = [p for p in pids if p not in self._bags]
        if missing:
            infos, bags = project_bags(session, missing)
            for info, bag in zip(infos, bags, strict=True):
                self.put(info.id, bag)
        return {p: self._bags.get(p, Counter()) for p in pids}


@dataclasses.dataclass
class Batch:
    """What one batch changes, positions already assigned."""

    index: MatchIndex
    org_pos: dict[int, int]  # existing organisation id -> position (old or new)
    dead: list[int]  # positions of deleted organisations
    projects: list
    project_pos: dict[int, int]
    changed_projects: dict[int, Counter[str] | None]


def apply_changes(
    index: MatchIndex, session: Session, orgs: set[int], projects: set[int], bags: ProjectBags
) -> MatchIndex:
    """`index` with organisations `orgs` and projects `projects` re-read from `session`."""
    bags.forget(projects)
    batch = _projects(index, session, set(projects), bags)
    orgs = set(orgs) | _participants(index, session, batch, projects)
    rows = _with_cluster_members(index, session, orgs, org_rows(session, orgs))
    return _organisations(batch, session, orgs | {r[0] for r in rows}, rows, bags)


def _projects(index: MatchIndex, session: Session, pids: set[int], bags: ProjectBags) -> Batch:
    projects = list(index.projects)
    project_pos = {p.id: i for i, p in enumerate(projects)}
    changed: dict[int, Counter[str] | None] = {}
    infos, new_bags = project_bags(session, pids)
    for info, bag in zip(infos, new_bags, strict=True):
        pos = project_pos.setdefault(info.id, len(projects))
        if pos == len(projects):
            projects.append(info)
        projects[pos] = info
        changed[pos] = bag
        bags.put(info.id, bag)
    for pid in pids - {info.id for info in infos}:
        if pid in project_pos:
            changed[project_pos[pid]] = None
    return Batch(index, {}, [], projects, project_pos, changed)


def _participants(index: MatchIndex, session: Session, batch: Batch, pids: set[int]) -> set[int]:
    """Organisations taking part in the changed projects, before and after the change."""
    if not pids:
        return set()
    where = np.isin(index.part_project, np.array(list(batch.changed_projects), dtype=np.int64))
    before = {int(index.org_ids[p]) for p in np.unique(index.part_org[where]).tolist()}
    stmt = select(Participation.organisation_id, Participation.project_id)
    return before | {org for org, _p in among(session, stmt, Participation.project_id, pids)}


def _with_cluster_members(index: MatchIndex, session: Session, orgs: set[int], rows) -> list:
    """`rows` plus the members of clusters renamed, hidden, shown or deleted (their
    profiles hold the names of their public clusters)."""
    existing = {r[0] for r in rows}
    renamed = [org for org in orgs - existing if org in index.clusters]
    for row in rows:
        pos = index.position(row[0])
        if pos is not None and (
            index.names[pos] != row[1] or bool(index.public[pos]) != (row[7] == "public")
        ):
            renamed.append(row[0])
    if not renamed:
        return rows
    stmt = select(Membership.organisation_id, Membership.cluster_id)
    members = {org for org, _c in among(session, stmt, Membership.cluster_id, renamed)}
    for cluster in renamed:
        mask = index.clusters.get(cluster)
        if mask is not None:
            members |= {int(i) for i in index.org_ids[np.flatnonzero(mask)].tolist()}
    known = {r[0] for r in rows}
    return sorted(rows + org_rows(session, members - known), key=lambda r: r[0])


def _assign_positions(batch: Batch, orgs: set[int], rows: list) -> np.ndarray:
    """Positions of existing organisations (new ones appended); the new id array."""
    index = batch.index
    ids = np.array(sorted(orgs), dtype=np.int64)
    found = dict(zip(ids.tolist(), index.positions(ids, deleted=True).tolist(), strict=True))
    existing = {r[0] for r in rows}
    appended = [org for org in sorted(existing) if found[org] < 0]
    for i, org in enumerate(appended):
        found[org] = index.size + i
    batch.org_pos = {org: found[org] for org in existing}
    batch.dead = [pos for org, pos in found.items() if org not in existing and pos >= 0]
    return np.concatenate([index.org_ids, np.array(appended, dtype=np.int64)])


def _grown(array: np.ndarray, n: int, fill=0) -> np.ndarray:
    """A copy of `array` with length `n` (new entries `fill`)."""
    out = np.full(n, fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


def _masks(masks: dict, touched: np.ndarray, entries: dict, n: int) -> dict:
    """`masks` with positions `touched` cleared, then `entries` (key -> positions) set."""
    out = {}
    for key in set(masks) | set(entries):
        mask = masks.get(key)
        if mask is None or len(mask) != n or mask[touched].any() or key in entries:
            mask = _grown(mask, n, False) if mask is not None else np.zeros(n, dtype=bool)
            mask[touched] = False
            mask[entries.get(key, [])] = True
        out[key] = mask
    return out


def _entries(pairs, org_pos: dict[int, int]) -> dict:
    out: dict = {}
    for org, key in pairs:
        if org in org_pos:
            out.setdefault(key, []).append(org_pos[org])
    return out


def _capability_entries(caps: dict, org_pos: dict[int, int]) -> dict:
    known = taxonomy.capabilities()
    pairs = [
        (org, node)
        for org, held in caps.items()
        for code, _level in held
        for node in (code, *(taxonomy.ancestors(code) if code in known else ()))
    ]
    return _entries(pairs, org_pos)


def _organisations(batch: Batch, session: Session, orgs: set[int], rows, bags) -> MatchIndex:
    index = batch.index
    org_ids = _assign_positions(batch, orgs, rows)
    n, org_pos = len(org_ids), batch.org_pos
    touched = np.array(sorted([*org_pos.values(), *batch.dead]), dtype=np.int64)
    ids = list(org_pos)
    caps = capability_rows(session, ids)
    own = dict(zip([r[0] for r in rows], org_bags(session, rows, caps, ids), strict=True))
    parts = _participations(batch, session, ids, bags)
    part_org, part_project, part_weight, part_role, profile_bags = parts
    count = np.bincount(part_org, minlength=n)
    led = [r == "coordinator" for r in part_role]
    coordinated = np.bincount(part_org, weights=led, minlength=n)
    cert_stmt = select(Certification.organisation_id, Certification.code)
    member_stmt = select(Membership.organisation_id, Membership.cluster_id)
    cleared = set(touched.tolist())
    pics = {p: v for p, v in index.pics.items() if p not in cleared}
    pics.update({org_pos[o]: v for o, v in pic_rows(session, ids).items()})
    fresh = _attributes(index, rows, org_pos, batch.dead, n)
    fresh["capabilities"] = list(index.capabilities) + [{}] * (n - index.size)
    for org in ids:
        fresh["capabilities"][org_pos[org]] = dict(caps.get(org, []))
    for pos in batch.dead:
        fresh["capabilities"][pos] = {}
    profile_docs = {org_pos[o]: own[o] + profile_bags.get(o, Counter()) for o in ids}
    profile_docs.update({pos: None for pos in batch.dead})
    return dataclasses.replace(
        index,
        org_ids=org_ids,
        pics=pics,
        capability_masks=_masks(
            index.capability_masks, touched, _capability_entries(caps, org_pos), n
        ),
        certifications=_masks(
            index.certifications,
            touched,
            _entries(among(session, cert_stmt, Certification.organisation_id, ids), org_pos),
            n,
        ),
        clusters=_masks(
            index.clusters,
            touched,
            _entries(among(session, member_stmt, Membership.organisation_id, ids), org_pos),
            n,
        ),
        org_text=DeltaBm25.over(index.org_text).with_docs(
            {**{org_pos[o]: own[o] for o in ids}, **{p: None for p in batch.dead}}, n
        ),
        profile=DeltaBm25.over(index.profile).with_docs(profile_docs, n),
        experience=np.log1p(count).astype(np.float32),
        projects=batch.projects,
        project_text=DeltaBm25.over(index.project_text).with_docs(
            batch.changed_projects, len(batch.projects)
        ),
        part_org=part_org,
        part_project=part_project,
        part_weight=part_weight,
        part_role=part_role,
        project_count=count.astype(np.int32),
        coordinated=coordinated.astype(np.int32),
        order=None if bool(np.all(np.diff(org_ids) > 0)) else np.argsort(org_ids, kind="stable"),
        **fresh,
    )


def _attributes(index: MatchIndex, rows, org_pos: dict[int, int], dead: list[int], n: int):
    """Names, country, region, kind, synthetic, public and alive, patched."""
    names = list(index.names) + [""] * (n - index.size)
    country, region = _grown(index.country, n, ""), _grown(index.region, n, "")
    kind, synthetic = _grown(index.kind, n, ""), _grown(index.synthetic, n, False)
    public, alive = _grown(index.public, n, False), _grown(index.alive, n, False)
    for org_id, name, ctry, reg, knd, synth, _desc, visibility in rows:
        pos = org_pos[org_id]
        names[pos], country[pos], region[pos] = name, ctry or "", reg or ""
        kind[pos], synthetic[pos] = knd, bool(synth)
        public[pos], alive[pos] = visibility == "public", True
    public[dead], alive[dead] = False, False
    return {
        "names": names,
        "country": country,
        "region": region,
        "kind": kind,
        "synthetic": synthetic,
        "public": public,
        "alive": alive,
    }


def _participations(batch: Batch, session: Session, ids: list[int], bags: ProjectBags):
    """The participation arrays with the changed organisations' rows re-read, and the
    sum of each changed organisation's project bags."""
    index = batch.index
    stmt = select(Participation.organisation_id, Participation.project_id, Participation.role)
    rows = list(among(session, stmt, Participation.organisation_id, ids))
    missing = {p for _o, p, _r in rows if p not in batch.project_pos}
    if missing:  # a project created with its participation, not in this batch's changes
        infos, new_bags = project_bags(session, missing)
        for info, bag in zip(infos, new_bags, strict=True):
            batch.project_pos[info.id] = len(batch.projects)
            batch.changed_projects[len(batch.projects)] = bag
            batch.projects.append(info)
    rows = [r for r in rows if r[1] in batch.project_pos]
    gone = [p for p, bag in batch.changed_projects.items() if bag is None]
    changed = np.array([*batch.org_pos.values(), *batch.dead], dtype=np.int64)
    keep = ~np.isin(index.part_org, changed) & ~np.isin(index.part_project, gone)
    held = bags.of(session, {p for _o, p, _r in rows})
    summed: dict[int, Counter[str]] = {}
    for org, pid, _role in rows:
        summed.setdefault(org, Counter()).update(held[pid])
    roles = [r for r, k in zip(index.part_role, keep.tolist(), strict=True) if k]
    return (
        np.concatenate([index.part_org[keep], [batch.org_pos[o] for o, _p, _r in rows]]).astype(
            np.int32
        ),
        np.concatenate(
            [index.part_project[keep], [batch.project_pos[p] for _o, p, _r in rows]]
        ).astype(np.int32),
        np.concatenate(
            [index.part_weight[keep], [ROLE_WEIGHT.get(r, 0.6) for _o, _p, r in rows]]
        ).astype(np.float32),
        roles + [r for _o, _p, r in rows],
        summed,
    )
