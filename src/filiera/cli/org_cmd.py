"""`filiera org`: list, show, add and edit organisations."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from filiera.access.records import AccessIn
from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    PageOption,
    PerPageOption,
    cli_viewer,
    handle_errors,
    open_db,
    output,
    print_json,
    read_json,
)
from filiera.cli.csv_out import CsvOption, check_output, print_csv
from filiera.cli.formatting import count
from filiera.directory import service
from filiera.directory.export import directory_csv
from filiera.directory.filters import OrgFilter
from filiera.errors import ValidationFailed, field_error
from filiera.registry.schemas import OrganisationIn, OrganisationPatch, parse
from filiera.registry.values import IDENTIFIER_SCHEMES

app = typer.Typer(help="Organisations in the registry.", no_args_is_help=True)


@app.command("list")
@handle_errors
def list_(
    q: Annotated[str | None, typer.Option(help="Name contains.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code.")] = None,
    region: Annotated[str | None, typer.Option(help="NUTS code prefix.")] = None,
    kind: Annotated[str | None, typer.Option(help="prime, sme, startup, research...")] = None,
    capability: Annotated[str | None, typer.Option(help="Capability code (with children).")] = None,
    certification: Annotated[str | None, typer.Option(help="Certification code.")] = None,
    cluster: Annotated[int | None, typer.Option(help="Cluster organisation id.")] = None,
    page: PageOption = 1,
    per_page: PerPageOption = 50,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """List organisations with filters; `--csv` prints every match (no paging) as CSV."""
    check_output("org list", as_json, as_csv)
    given = {
        "q": q,
        "country": country,
        "region": region,
        "kind": kind,
        "capability": capability,
        "certification": certification,
        "cluster": cluster,
    }
    flt = parse(OrgFilter, {k: v for k, v in given.items() if v is not None}, "filters")
    if as_csv:
        out = io.StringIO()
        with open_db(db).session() as session:
            export = directory_csv(session, cli_viewer(session, as_user), flt, out)
        print_csv(out.getvalue(), export)
        return
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        result = service.list_page(session, viewer, flt, page=page, per_page=per_page)
        total = result.count
    if as_json:
        print_json(result)
        return
    title = f"{count(total)} found"
    table = Table("id", "name", "kind", "country", "pic", "capabilities", title=title)
    for org in result.data:
        caps = ", ".join(org.capabilities[:4])
        table.add_row(str(org.id), org.name, org.kind, org.country or "", org.pic or "", caps)
    output.print(table)


@app.command()
@handle_errors
def show(
    ref: Annotated[str, typer.Argument(help="Organisation id or PIC.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show an organisation's full profile with provenance and markings."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        profile = service.profile_of(session, viewer, service.lookup(session, viewer, ref))
    if as_json:
        print_json(profile)
        return
    output.print(
        f"[bold]{escape(profile.name)}[/] ({profile.kind}, {profile.country or '-'})",
        highlight=False,
        markup=True,
    )
    for name in ("legal_name", "city", "region", "website", "identifiers", "aliases"):
        value = getattr(profile, name)
        if value:
            output.print(f"  {name}: {value}", highlight=False, markup=False)
    for cap in profile.capability_details:
        output.print(
            f"  capability {cap.code} [{cap.level}] {cap.evidence or ''}",
            highlight=False,
            markup=False,
        )
    for project in profile.projects:
        output.print(f"  project {project.acronym} ({project.role})", highlight=False, markup=False)
    if profile.markings:
        output.print(f"  markings: {', '.join(profile.markings)}", highlight=False, markup=False)
    if profile.visibility != "public":
        output.print(f"  visibility: {profile.visibility}", highlight=False, markup=False)
    if profile.withheld:
        output.print(f"  withheld: {', '.join(profile.withheld)}", highlight=False, markup=False)
    output.print(
        f"  source: {profile.source} — {profile.source_credit or ''}", highlight=False, markup=False
    )


@app.command()
@handle_errors
def add(
    file: Annotated[
        Path | None, typer.Option("--from-json", help="JSON file of one organisation.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Name.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code.")] = None,
    kind: Annotated[str, typer.Option(help="Kind.")] = "other",
    pic: Annotated[str | None, typer.Option(help="EU PIC.")] = None,
    city: Annotated[str | None, typer.Option(help="City.")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an organisation (merged into an existing one if it resolves to it)."""
    if file:
        data = read_json(file)
    else:
        data = {"name": name or "", "country": country or "", "kind": kind, "city": city}
        data["identifiers"] = {"pic": pic} if pic else {}
    rec = parse(OrganisationIn, data, str(file or "command line"))
    with open_db(db).session() as session:
        outcome = service.create(session, cli_viewer(session, as_user), rec)
    result = {"id": outcome.org_id, "outcome": outcome.action, "reasons": outcome.decision.reasons}
    print_json(result) if as_json else typer.echo(
        f"{outcome.action}: organisation {outcome.org_id}"
    )


@app.command()
@handle_errors
def edit(
    ref: Annotated[str, typer.Argument(help="Organisation id or PIC.")],
    assignments: Annotated[list[str], typer.Argument(help="field=value pairs.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Change fields: `filiera org edit 12 city=Torino region=ITC11 pic=999880463`.

    An empty value (`website=`) clears the field; required fields refuse it.
    """
    record = f"organisation {ref}"
    data: dict[str, object] = {}
    for field, value in pairs(assignments, record, "field=value"):
        if field in IDENTIFIER_SCHEMES:  # pic=..., vat=...: one identifier of the record
            data.setdefault("identifiers", {})[field] = value or None
        else:
            data[field] = value or None
    patch = parse(OrganisationPatch, data, record)
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        profile = service.edit(session, viewer, service.lookup(session, viewer, ref).id, patch)
    print_json(profile) if as_json else typer.echo(f"updated organisation {profile.id}")


@app.command()
@handle_errors
def access(
    ref: Annotated[str, typer.Argument(help="Organisation id or PIC.")],
    visibility: Annotated[
        str | None, typer.Option(help="public, members, restricted or owner.")
    ] = None,
    field: Annotated[
        list[str] | None, typer.Option(help="Field level, e.g. revenue_band=restricted.")
    ] = None,
    grant_org: Annotated[
        list[int] | None, typer.Option(help="Organisation id that may see it (restricted).")
    ] = None,
    grant_role: Annotated[
        list[str] | None, typer.Option(help="Role that may see it, e.g. buyer.")
    ] = None,
    clear_grants: Annotated[bool, typer.Option(help="Remove every grant first.")] = False,
    mark: Annotated[
        list[str] | None, typer.Option(help="Marking, e.g. dual_use (replaces the list).")
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show or change who may see an organisation, per-field levels, grants and markings."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        org = service.lookup(session, viewer, ref)
        change: dict[str, object] = {}
        if visibility:
            change["visibility"] = visibility
        if field:
            levels = dict(pairs(field, f"organisation {ref}", "field=level"))
            change["field_visibility"] = {**(org.field_visibility or {}), **levels}
        if grant_org or grant_role or clear_grants:
            current = service.access_settings(session, viewer, org.id)
            old = [] if clear_grants else current.grants
            new = [{"organisation_id": i} for i in grant_org or []]
            new += [{"role": r} for r in grant_role or []]
            change["grants"] = [g.model_dump(exclude_none=True) for g in old] + new
        if mark is not None and mark:
            change["markings"] = mark
        wanted = parse(AccessIn, change, f"organisation {org.id}")
        result = service.change_access(session, viewer, org.id, wanted)
    if as_json:
        print_json(result)
        return
    output.print(f"organisation {result.organisation_id}: {result.visibility}", highlight=False)
    for key, level in result.field_visibility.items():
        output.print(f"  {key}: {level}", highlight=False)
    for grant in result.grants:
        who = f"organisation {grant.organisation_id}" if grant.organisation_id else grant.role
        output.print(f"  granted to {who}", highlight=False)
    if result.markings:
        output.print(f"  markings: {', '.join(result.markings)}", highlight=False)


def pairs(items: list[str], record: str, shape: str) -> list[tuple[str, str]]:
    """`["city=Torino"]` -> `[("city", "Torino")]`; an item without a name or `=` is refused."""
    found, bad = [], []
    for item in items:
        name, sep, value = item.partition("=")
        if sep and name.strip():
            found.append((name.strip(), value))
        else:
            bad.append(item)
    if bad:
        raise ValidationFailed(
            f"{record}: {', '.join(map(repr, bad))}: write each change as {shape}",
            errors=[field_error(record, item or "(empty)", f"expected {shape}") for item in bad],
        )
    return found
