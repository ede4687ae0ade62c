"""`filiera org`: list, show, add and edit organisations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from filiera.access.disclosure import for_organisation
from filiera.access.viewer import Viewer
from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    console,
    handle_errors,
    open_db,
    print_json,
)
from filiera.errors import NotFound
from filiera.registry import queries, views
from filiera.registry.models import Source
from filiera.registry.resolve import Resolver
from filiera.registry.schemas import OrganisationIn, OrganisationPatch, parse
from filiera.registry.service import apply_patch
from filiera.registry.writer import upsert

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
    page: int = 1,
    per_page: int = 50,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """List organisations with filters."""
    flt = queries.OrgFilter(q, country, region, kind, capability, certification, cluster)
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        rows, total = queries.list_organisations(
            session, flt, viewer=viewer, page=page, per_page=per_page
        )
        result = views.OrganisationPage(
            data=[views.summary(o) for o in rows], count=total, page=page, per_page=per_page
        )
    if as_json:
        print_json(result)
        return
    table = Table("id", "name", "kind", "country", "pic", "capabilities", title=f"{total} found")
    for org in result.data:
        caps = ", ".join(org.capabilities[:4])
        table.add_row(str(org.id), org.name, org.kind, org.country, org.pic or "", caps)
    console.print(table)


def lookup(session, ref: str, viewer=None):
    """An organisation by id or by PIC (among those `viewer` may see; default: all)."""
    viewer = viewer or Viewer.system()
    if len(ref) == 9 and ref.isdigit():
        org = queries.find_by_identifier(session, "pic", ref, viewer=viewer)
        if org is None:
            raise NotFound(f"no organisation with PIC {ref}")
        return queries.get_organisation(session, org.id, viewer=viewer)
    if not ref.isdigit():
        raise NotFound(f"{ref!r} is neither an organisation id nor a 9-digit PIC")
    return queries.get_organisation(session, int(ref), viewer=viewer)


def profile_of(session, org, viewer=None) -> views.OrganisationDetail:
    """The profile as `viewer` may see it, with restricted reads audited."""
    viewer = viewer or Viewer.system()
    disclosure = for_organisation(session, viewer, org)
    profile = views.detail(org, disclosure)
    disclosure.log(session, f"filiera org show {org.id}")
    return profile


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
        profile = profile_of(session, lookup(session, ref, viewer), viewer)
    if as_json:
        print_json(profile)
        return
    console.print(f"[bold]{profile.name}[/] ({profile.kind}, {profile.country})", highlight=False)
    for name in ("legal_name", "city", "region", "website", "identifiers", "aliases"):
        value = getattr(profile, name)
        if value:
            console.print(f"  {name}: {value}", highlight=False)
    for cap in profile.capability_details:
        console.print(
            f"  capability {cap.code} [{cap.level}] {cap.evidence or ''}", highlight=False
        )
    for project in profile.projects:
        console.print(f"  project {project.acronym} ({project.role})", highlight=False)
    if profile.markings:
        console.print(f"  markings: {', '.join(profile.markings)}", highlight=False)
    if profile.visibility != "public":
        console.print(f"  visibility: {profile.visibility}", highlight=False)
    if profile.withheld:
        console.print(f"  withheld: {', '.join(profile.withheld)}", highlight=False)
    console.print(f"  source: {profile.source} — {profile.source_credit or ''}", highlight=False)


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
    as_json: JsonOption = False,
) -> None:
    """Add an organisation (merged into an existing one if it resolves to it)."""
    if file:
        data = json.loads(file.read_text(encoding="utf-8"))
    else:
        data = {"name": name or "", "country": country or "", "kind": kind, "city": city}
        data["identifiers"] = {"pic": pic} if pic else {}
    rec = parse(OrganisationIn, data, str(file or "command line"))
    with open_db(db).session() as session:
        source = Source(name="manual entry", kind="manual")
        session.add(source)
        outcome = upsert(session, rec, source=source, resolver=Resolver.from_session(session))
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
    as_json: JsonOption = False,
) -> None:
    """Change fields, e.g. `filiera org edit 12 city=Torino region=ITC11`."""
    data: dict[str, object] = {}
    for item in assignments:
        field, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r} is not field=value")
        data[field] = value or None
    patch = parse(OrganisationPatch, data, f"organisation {ref}")
    with open_db(db).session() as session:
        org = apply_patch(session, lookup(session, ref), patch)
        profile = profile_of(session, org)
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
    as_json: JsonOption = False,
) -> None:
    """Show or change who may see an organisation, per-field levels, grants and markings."""
    from filiera.access import records

    with open_db(db).session() as session:
        org = lookup(session, ref)
        change: dict[str, object] = {}
        if visibility:
            change["visibility"] = visibility
        if field:
            pairs = [item.partition("=") for item in field]
            change["field_visibility"] = {
                **(org.field_visibility or {}), **{k: v for k, _, v in pairs}
            }  # fmt: skip
        if grant_org or grant_role or clear_grants:
            old = [] if clear_grants else records.access_of(session, org).grants
            new = [{"organisation_id": i} for i in grant_org or []]
            new += [{"role": r} for r in grant_role or []]
            change["grants"] = [g.model_dump(exclude_none=True) for g in old] + new
        if mark is not None and mark:
            change["markings"] = mark
        result = records.set_access(session, org, parse(records.AccessIn, change, ref))
    if as_json:
        print_json(result)
        return
    console.print(f"organisation {result.organisation_id}: {result.visibility}", highlight=False)
    for key, level in result.field_visibility.items():
        console.print(f"  {key}: {level}", highlight=False)
    for grant in result.grants:
        who = f"organisation {grant.organisation_id}" if grant.organisation_id else grant.role
        console.print(f"  granted to {who}", highlight=False)
    if result.markings:
        console.print(f"  markings: {', '.join(result.markings)}", highlight=False)
