"""Import a cluster's member list (or people, memberships, sites) from a CSV file.

Headers may be English or Italian (see `csv_columns`); `,`, `;` and tab delimiters and
UTF-8/Windows-1252 encodings are detected. Every row is validated first: by default one bad
row rejects the whole file (the caller's transaction rolls back); with `skip_invalid` the good
rows are imported and the report lists each rejected row with its fields.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from filiera.access import audit
from filiera.errors import ValidationFailed, field_error
from filiera.imports import csv_cells as cells
from filiera.imports.csv_columns import COLUMNS
from filiera.imports.csv_table import Mapping, Table, collector_paused, map_columns, read_table
from filiera.imports.links import MembershipBook, OrgLookup, PeopleBook, add_site
from filiera.imports.report import ImportReport
from filiera.imports.split_work import split_map
from filiera.registry import fields, values
from filiera.registry.batch_resolve import BatchResolver
from filiera.registry.bulk import BulkWriter
from filiera.registry.models import Source
from filiera.registry.names import normalise_name
from filiera.registry.phases import PhaseClock
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import (
    NUL_CHECKED,
    MembershipIn,
    OrganisationIn,
    PersonIn,
    SiteIn,
    parse,
    share_fields_sets,
)

KINDS = tuple(COLUMNS)
HQ_SITE = "Headquarters"
IDENTIFIER_FIELDS = ("pic", "vat", "lei", "ncage")
Progress = Callable[[int], None]


@dataclass
class CsvReport(ImportReport):
    """An import report that also names the columns nothing used (and, for benchmarks,
    the seconds each phase of an organisations import took, `phases.seconds`, and the name
    pairs its resolution blocked, bounded and scored, `pairs`)."""

    ignored_columns: list[str] = field(default_factory=list)
    phases: PhaseClock = field(default_factory=PhaseClock, repr=False, compare=False)
    pairs: Counter[str] = field(default_factory=Counter, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "ignored_columns": self.ignored_columns}


# The validation context of a file checked for NUL as a whole (shared: validators only read it)
CHECKED = {NUL_CHECKED: True}


class Row:
    """One data row: cell access by field, with every problem kept per column."""

    __slots__ = ("ref", "context", "mapping", "cells", "texts", "errors")

    def __init__(self, table: Table, mapping: Mapping, number: int, values: list[str]) -> None:
        self.ref = table.ref(number)
        self.context = CHECKED if table.nul_free else None
        self.mapping = mapping
        self.cells = values
        self.texts = mapping.texts(values)
        self.errors: list[dict[str, str]] = []
        extra = [c for c in values[len(table.headers) :] if c.strip()]
        if extra:
            self.fail("(row)", f"{len(values)} cells but the header has {len(table.headers)}")

    def text(self, name: str) -> str:
        return self.texts.get(name, "")

    def fail(self, name: str, message: str) -> None:
        self.errors.append(field_error(self.ref, self.mapping.header(name), message))

    def clean(self, name: str, parser: Callable[[str], Any], default: Any = None) -> Any:
        """`parser(cell)`, or `default` after recording the error against this column."""
        raw = self.text(name)
        if not raw:
            return default
        try:
            return parser(raw)
        except ValueError as error:
            self.fail(name, str(error))
            return default

    def validate(self, model: type[BaseModel], data: dict[str, Any]) -> Any:
        """Pydantic-validate `data`; errors are re-labelled with the file's column headers."""
        data = {k: v for k, v in data.items() if v not in (None, "", [], {})}
        try:
            rec = parse(model, data, self.ref, context=self.context)
        except ValidationFailed as error:
            for item in error.errors:
                self.fail(self._column_of(item["field"], item["message"]), item["message"])
            return None
        return None if self.errors else rec

    def _column_of(self, path: str, message: str) -> str:
        parts = path.split(".")
        if parts[0] == "sites" and len(parts) > 2:
            return parts[2]
        if parts[0] == "descriptions":
            return "description_it" if "description_it" in self.mapping.index else "description_en"
        if parts[0] == "(record)":
            return "region" if "NUTS" in message else "(row)"
        return parts[0]


def import_csv(
    session: Session,
    path: Path,
    kind: str,
    *,
    skip_invalid: bool = False,
    imported_by: str = "cli",
    progress: Progress | None = None,
    processes: int = 1,
    table: Table | None = None,
) -> CsvReport:
    """Import `path` as `kind` (organisations, people, memberships or sites).

    With `processes=2` an organisations file is validated (`split_work`) and resolved
    (`registry.ahead`) on two cores: same records, same errors, same outcome. `table` is
    `read_table(path)` when the caller has read it already (the CLI does, to refuse a bad
    file before creating a database).
    """
    if kind not in KINDS:
        raise ValidationFailed(
            f"unknown CSV kind {kind!r}: use one of {', '.join(KINDS)}",
            errors=[field_error(str(path), "--kind", f"expected one of {', '.join(KINDS)}")],
        )
    clock = PhaseClock()
    with clock.phase("reading"):
        table = read_table(path) if table is None else table
        mapping = map_columns(table, COLUMNS[kind], kind)
    report = CsvReport(str(path), ignored_columns=mapping.ignored, phases=clock)
    audit.bulk(session, "import", f"CSV {kind} import from {path}")
    source = Source(
        name=f"CSV {kind}: {path.name}", kind="csv", location=str(path), imported_by=imported_by
    )
    session.add(source)
    job = CsvJob(session, table, mapping, source, report, skip_invalid, progress, processes)
    {
        "organisations": job.organisations,
        "people": job.people,
        "memberships": job.memberships,
        "sites": job.sites,
    }[kind]()
    if not skip_invalid:
        report.raise_if_rejected()
    source.stats = dict(report.counts)
    report.publish()
    return report


@dataclass
class CsvJob:
    session: Session
    table: Table
    mapping: Mapping
    source: Source
    report: CsvReport
    skip_invalid: bool
    progress: Progress | None
    processes: int = 1

    def rows(self) -> list[Row]:
        return [Row(self.table, self.mapping, n, c) for n, c in self.table.rows]

    def tick(self, n: int = 1) -> None:
        if self.progress:
            self.progress(n)

    def keep_going(self, rejected: list[Row]) -> bool:
        """Record rejected rows; False when the import must stop before writing."""
        for row in rejected:
            self.report.reject(row.ref, row.errors)
        if rejected and not self.skip_invalid:
            self.tick(len(self.table.rows))
            return False
        return True

    # organisations ---------------------------------------------------------------------

    def organisations(self) -> None:
        """Validate every row, resolve and write the good ones in batches (`BulkWriter`)."""
        with collector_paused():
            self._organisations()

    def _organisations(self) -> None:
        clock = self.report.phases
        with clock.phase("validation"):
            parsed, resolver = self._validated_organisations()
        clock.seconds["validation"] -= clock.seconds["indexing"]  # indexing ran inside
        resolver.pair_counts = self.report.pairs
        if not self.keep_going([row for row, _ in parsed if row.errors]):
            return
        good = [(row, rec) for row, rec in parsed if not row.errors]
        self.tick(len(parsed) - len(good))
        writer = BulkWriter(self.session, self.source, resolver, clock)
        records = [rec for _, rec in good]
        outcomes = writer.upsert_all(records, progress=self.progress, processes=self.processes)
        pending = []
        for (row, rec), outcome in zip(good, outcomes, strict=True):
            self.report.counts[f"organisations_{outcome.action}"] += 1
            if row.text("cluster"):
                pending.append((row, outcome.org_id, rec.country))
        with clock.phase("memberships"):
            self._cluster_memberships(pending, ClusterFinder(OrgLookup(resolver)))

    def _validated_organisations(
        self,
    ) -> tuple[list[tuple[Row, OrganisationIn | None]], BatchResolver]:
        """Every row with its record (None when a cell is bad), and the registry's index,
        built while a second core (if asked for) checks rows; a member row's cluster must be
        stored already or be a row of the same file."""
        indexed: list[BatchResolver] = []

        def index() -> None:
            with self.report.phases.phase("indexing"):
                indexed.append(BatchResolver.from_session(self.session))

        rows = self.rows()
        checked = split_map(checked_record, rows, index, self.processes)
        for row, (_, errors) in zip(rows, checked, strict=True):
            row.errors = errors  # a row the child process checked comes back as a copy
        parsed = [(row, rec) for row, (rec, _) in zip(rows, checked, strict=True)]
        in_file = {normalise_name(r.name) for _, r in parsed if r} | {
            r.identifiers["pic"] for _, r in parsed if r and "pic" in r.identifiers
        }
        clusters = ClusterFinder(OrgLookup(indexed[0]))
        for row, rec in parsed:
            cluster = row.text("cluster")
            if rec and cluster:
                _check_cluster(row, clusters, cluster, rec.country, in_file)
        return parsed, indexed[0]

    def _cluster_memberships(
        self, pending: list[tuple[Row, int, str]], clusters: ClusterFinder
    ) -> None:
        book = MembershipBook(self.session, bulk=True)
        for row, org_id, country in pending:
            try:
                cluster_id = clusters.find(row.text("cluster"), country)
                action = book.upsert(org_id, cluster_id, source=self.source)
            except ValueError as error:
                row.fail("cluster", str(error))
                self.report.reject(row.ref, row.errors)
                continue
            self.report.counts[f"memberships_{action}"] += 1
        book.flush()

    # people, memberships, sites -------------------------------------------------------

    def _linked(self, build: Callable[[Row, OrgLookup], Any], write: Callable[[Any], str]) -> None:
        """Validate every row (organisation refs included), then write the good ones."""
        lookup = OrgLookup(Resolver.from_session(self.session))
        parsed = [(row, build(row, lookup)) for row in self.rows()]
        if not self.keep_going([row for row, _ in parsed if row.errors]):
            return
        for row, item in parsed:
            self.tick()
            if not row.errors:
                self.report.counts[write(item)] += 1

    def people(self) -> None:
        book = PeopleBook(self.session)

        def write(item: tuple[PersonIn, int | None]) -> str:
            rec, org_id = item
            roles = [{"organisation_id": org_id, "title": rec.title, "since": rec.since}]
            action = book.upsert(
                name=rec.name,
                email=rec.email,
                phone=rec.phone,
                source=self.source,
                roles=roles if org_id else [],
            )
            return f"people_{action}"

        self._linked(person_record, write)

    def memberships(self) -> None:
        book = MembershipBook(self.session, bulk=True)

        def write(item: tuple[MembershipIn, int, int]) -> str:
            rec, org_id, cluster_id = item
            action = book.upsert(
                org_id,
                cluster_id,
                source=self.source,
                role=rec.role,
                since=rec.since,
                until=rec.until,
            )
            return f"memberships_{action}"

        self._linked(membership_record, write)
        book.flush()

    def sites(self) -> None:
        def write(item: tuple[SiteIn, int]) -> str:
            rec, org_id = item
            return f"sites_{add_site(self.session, org_id, rec.model_dump(), self.source)}"

        self._linked(site_record, write)


def _check_cluster(
    row: Row, clusters: ClusterFinder, cluster: str, country: str, in_file: set
) -> None:
    """A member row's cluster must be stored already or be a row of the same file."""
    try:
        clusters.find(cluster, country)
    except ValueError as error:
        if normalise_name(cluster) not in in_file and cluster.strip() not in in_file:
            row.fail("cluster", str(error))


class ClusterFinder:
    """Clusters by PIC or name, preferring one in the member's country; each (cluster,
    country) is looked up once, so use a new finder after the registry changed."""

    def __init__(self, lookup: OrgLookup) -> None:
        self.lookup = lookup
        self.found: dict[tuple[str, str], int | ValueError] = {}

    def find(self, cluster: str, country: str) -> int:
        key = (cluster, country)
        if key not in self.found:
            try:
                self.found[key] = _find_cluster(self.lookup, cluster, country)
            except ValueError as error:
                # kept without its traceback: the traceback's frames would hold the import's
                # locals (the registry's index among them) in a cycle that only a full pass
                # of the garbage collector frees (6-7 s for a 100,000-row file)
                self.found[key] = ValueError(str(error))
        answer = self.found[key]
        if isinstance(answer, ValueError):
            raise ValueError(str(answer))
        return answer


def _find_cluster(lookup: OrgLookup, cluster: str, country: str) -> int:
    """A cluster by PIC or name, preferring one in the member's country."""
    try:
        return lookup.find(cluster, country)
    except ValueError:
        return lookup.find(cluster)


# row builders ----------------------------------------------------------------------------


# How a cell becomes the value of a declared field, by value type (default: the text as is;
# the schema validates it). Parsers that raise ValueError report against the cell's column.
CELLS: dict[str, tuple[Callable[[str], Any], Any]] = {
    "names": (cells.split_list, []),
    "org_kind": (cells.org_kind, None),
    "count": (values.clean_employees, None),
    "nace": (cells.nace_codes, []),
    "capabilities": (cells.capabilities, []),
    "certifications": (cells.certifications, []),
    "flag": (cells.parse_bool, None),
}


def declared_cells(row: Row) -> dict[str, Any]:
    """The organisation's declared fields that have a CSV column, parsed by their type."""
    parsed = {}
    for f in fields.of("organisation"):
        if f.csv:
            cell = CELLS.get(f.type)
            parsed[f.name] = row.clean(f.name, *cell) if cell else row.text(f.name)
    return parsed


def checked_record(row: Row) -> tuple[OrganisationIn | None, list[dict[str, str]]]:
    """`organisation_record` and the row's errors (what a child process sends back)."""
    return organisation_record(row), row.errors


def organisation_record(row: Row) -> OrganisationIn | None:
    """Map one organisation row to a validated OrganisationIn (None if any cell is bad)."""
    identifiers = {}
    for scheme in IDENTIFIER_FIELDS:
        value = row.clean(scheme, lambda raw, s=scheme: values.clean_identifier(s, raw))
        if value:
            identifiers[scheme] = value
    descriptions = {"en": row.text("description_en"), "it": row.text("description_it")}
    data = {
        **declared_cells(row),
        # a lone "Ragione sociale" column is the name
        "name": row.text("name") or row.text("legal_name"),
        "legal_name": row.text("legal_name") if row.text("name") else None,
        "descriptions": {k: v for k, v in descriptions.items() if v},
        "identifiers": identifiers,
        "sites": _hq_site(row),
    }
    record = row.validate(OrganisationIn, data)
    return share_fields_sets(record) if record else None


def _hq_site(row: Row) -> list[dict[str, Any]]:
    lat = row.clean("lat", cells.parse_float)
    lon = row.clean("lon", cells.parse_float)
    address = row.text("address")
    if lat is None and lon is None and not address:
        return []
    if (lat is None) != (lon is None):
        row.fail("lat" if lat is None else "lon", "latitude and longitude go together")
    site = {
        "name": HQ_SITE,
        "kind": "office",
        "address": address,
        "city": row.text("city"),
        "country": row.text("country"),
        "region": row.text("region"),
        "lat": lat,
        "lon": lon,
    }
    return [{k: v for k, v in site.items() if v not in (None, "")}]


def _org(row: Row, lookup: OrgLookup, name: str, country: str | None = None) -> int | None:
    try:
        return lookup.find(row.text(name), country)
    except ValueError as error:
        row.fail(name, str(error))
        return None


def person_record(row: Row, lookup: OrgLookup) -> tuple[PersonIn, int | None] | None:
    data = {
        "name": row.text("name"),
        "email": row.clean("email", cells.parse_email),
        "phone": row.text("phone"),
        "organisation": row.text("organisation"),
        "title": row.text("title"),
        "since": row.clean("since", cells.parse_date),
    }
    org_id = _org(row, lookup, "organisation") if data["organisation"] else None
    rec = row.validate(PersonIn, data)
    return (rec, org_id) if rec else None


def membership_record(row: Row, lookup: OrgLookup) -> tuple[MembershipIn, int, int] | None:
    data = {
        "organisation": row.text("organisation"),
        "cluster": row.text("cluster"),
        "role": row.text("role"),
        "since": row.clean("since", cells.parse_date),
        "until": row.clean("until", cells.parse_date),
    }
    org_id = _org(row, lookup, "organisation")
    cluster_id = _org(row, lookup, "cluster")
    if org_id is not None and org_id == cluster_id:
        row.fail("cluster", "an organisation cannot be a member of itself")
    rec = row.validate(MembershipIn, data)
    return (rec, org_id, cluster_id) if rec else None


def site_record(row: Row, lookup: OrgLookup) -> tuple[SiteIn, int] | None:
    org_id = _org(row, lookup, "organisation")
    country = row.text("country")
    if not country and org_id is not None:
        country = lookup.resolver.candidates[org_id].country
    data = {
        "name": row.text("name"),
        "kind": cells.site_kind(row.text("kind")),
        "address": row.text("address"),
        "city": row.text("city"),
        "country": country,
        "region": row.text("region"),
        "lat": row.clean("lat", cells.parse_float),
        "lon": row.clean("lon", cells.parse_float),
    }
    rec = row.validate(SiteIn, data)
    return (rec, org_id) if rec else None
