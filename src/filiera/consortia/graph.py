"""Who has worked with whom: the co-participation graph of funded projects.

Two sources, merged per project so nothing counts twice: the projects in the registry (the
match index holds their participations), and the EU data that ships with Filiera (every
EDF/ASAP/EDIRPA project and every Horizon 2020 participation, by PIC), which reaches past
what one registry imported. Data: European Commission, Funding & Tenders portal / CORDIS,
CC BY 4.0.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from filiera.imports.data import EDF_DIR, H2020_DIR
from filiera.imports.h2020 import PARTICIPATIONS, read_rows
from filiera.match.index import MatchIndex

ProjectKey = tuple[str, str]  # (programme family, the source's project key)


@dataclass
class History:
    """Projects per PIC from the shipped files, with each project's year."""

    projects_of: dict[str, set[ProjectKey]] = field(default_factory=dict)
    year_of: dict[ProjectKey, int | None] = field(default_factory=dict)


def edf_year(project: dict) -> int | None:
    """The call year of an EDF project (`EDF-2023-...`), else its start year."""
    call = project.get("call_identifier") or ""
    parts = call.split("-")
    if len(parts) > 1 and parts[1].isdigit():
        return int(parts[1])
    start = project.get("start_date") or ""
    return int(start[:4]) if start[:4].isdigit() else None


def read_history(
    edf_projects: Iterable[dict], h2020_dir: Path | None, *, until_year: int | None = None
) -> History:
    """The history of the given EDF project records and the Horizon 2020 participations in
    `h2020_dir` (None: without), keeping projects of `until_year` or earlier."""
    history = History()
    keep = (
        (lambda year: True)
        if until_year is None
        else (lambda year: year is not None and year <= until_year)
    )
    for project in edf_projects:
        year = edf_year(project)
        if not keep(year):
            continue
        key = ("EDF", str(project["project_id"]))
        history.year_of[key] = year
        for pic in project.get("pics") or [p["pic"] for p in project.get("participants", [])]:
            history.projects_of.setdefault(str(pic), set()).add(key)
    if h2020_dir is not None:
        for row in read_rows(h2020_dir / PARTICIPATIONS):
            year = int(row["start_year"]) if row.get("start_year", "").isdigit() else None
            if not keep(year):
                continue
            key = ("H2020", row["rcn"])
            history.year_of[key] = year
            history.projects_of.setdefault(row["pic"], set()).add(key)
    return history


@cache
def shipped_history() -> History:
    """The history in the EU data that ships with Filiera (read once per process)."""
    with (EDF_DIR / "projects.json").open(encoding="utf-8") as handle:
        projects = json.load(handle)
    return read_history(projects, H2020_DIR)


FAMILY = {"EDF": "EDF", "ASAP": "EDF", "EDIRPA": "EDF", "H2020": "H2020"}


@dataclass
class Collaboration:
    """Past projects of a set of organisations (by index position) and the pairs that
    shared at least one."""

    projects_of: dict[int, set[ProjectKey]]
    shared: dict[tuple[int, int], int]  # (a, b) with a < b -> projects in common

    def pair(self, a: int, b: int) -> int:
        return self.shared.get((a, b) if a < b else (b, a), 0)

    def history(self, position: int) -> int:
        return len(self.projects_of.get(position, ()))

    def partners_of(self, position: int, among: Iterable[int]) -> list[tuple[int, int]]:
        """(other, shared projects) for each of `among` that worked with `position`."""
        return [(o, n) for o in among if o != position and (n := self.pair(position, o))]


def projects_of(
    index: MatchIndex, positions: Iterable[int], history: History | None = None
) -> dict[int, set[ProjectKey]]:
    """The funded projects of `positions` of the match index: registry projects plus the
    shipped history by PIC (`history`, the shipped one by default), each project once."""
    history = shipped_history() if history is None else history
    wanted = {int(p) for p in positions}
    found: dict[int, set[ProjectKey]] = defaultdict(set)
    for org, project in zip(index.part_org.tolist(), index.part_project.tolist(), strict=True):
        if org in wanted:
            info = index.projects[project]
            family = FAMILY.get(info.programme)
            if family and info.external_id:
                found[org].add((family, info.external_id))
            else:
                found[org].add(("db", str(info.id)))
    for position in wanted:
        pic = index.pics.get(position)
        if pic and pic in history.projects_of:
            found[position] |= history.projects_of[pic]
    return dict(found)


def collaboration(
    index: MatchIndex, positions: Iterable[int], history: History | None = None
) -> Collaboration:
    """The collaboration among `positions` of the match index (see `projects_of`)."""
    found = projects_of(index, positions, history)
    members: dict[ProjectKey, list[int]] = defaultdict(list)
    for position, keys in found.items():
        for key in keys:
            members[key].append(position)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for team in members.values():
        if len(team) < 2:
            continue
        team.sort()
        for i, a in enumerate(team):
            for b in team[i + 1 :]:
                shared[(a, b)] += 1
    return Collaboration(found, dict(shared))
