"""`filiera cluster ...`: clusters, their members, and membership by invitation."""

from __future__ import annotations

from typing import Annotated

import typer

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
)
from filiera.cli.formatting import plural
from filiera.directory import clusters, invitations, queries
from filiera.directory.clusters import MemberIn
from filiera.directory.filters import OrgFilter
from filiera.registry.schemas import parse

app = typer.Typer(
    help="Clusters, their members and invitations to join them.", no_args_is_help=True
)
ClusterId = Annotated[int, typer.Argument(help="Cluster organisation id.")]
OrgId = Annotated[int, typer.Argument(help="Organisation id.")]


@app.command("list")
@handle_errors
def list_(
    q: Annotated[str | None, typer.Option(help="Name or alias contains.")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country code.")] = None,
    page: PageOption = 1,
    per_page: PerPageOption = clusters.CLUSTER_PAGE,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Clusters and associations by name, a page at a time, with their visible members."""
    given = {"q": q, "country": country}
    flt = parse(OrgFilter, {k: v for k, v in given.items() if v is not None}, "filters")
    with open_db(db).session() as session:
        found = clusters.list_clusters(
            session,
            cli_viewer(session, as_user),
            q=flt.q,
            country=flt.country,
            page=page,
            per_page=per_page,
        )
    if as_json:
        print_json(found)
        return
    for c in found.data:
        output.print(f"{c.id:>6}  {c.name}  ({plural(c.members, 'member')})", highlight=False)
    pages = max(-(-found.count // found.per_page), 1)
    output.print(f"page {found.page} of {pages}, {plural(found.count, 'cluster')}", style="dim")


@app.command()
@handle_errors
def members(
    cluster: ClusterId,
    page: PageOption = 1,
    per_page: PerPageOption = 50,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The member directory of one cluster."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        found = clusters.members_page(session, viewer, cluster, page=page, per_page=per_page)
    if as_json:
        print_json(found)
        return
    for org in found.data:
        output.print(f"{org.id:>6}  {org.name}  {org.country or ''}", highlight=False)
    output.print(plural(found.count, "member"), highlight=False)


@app.command()
@handle_errors
def add(
    cluster: ClusterId,
    organisation: OrgId,
    role: Annotated[str, typer.Option(help="Role in the cluster.")] = "member",
    since: Annotated[str | None, typer.Option(help="Member since (YYYY-MM-DD).")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Enrol an organisation (admins) or invite it (cluster managers, with --as)."""
    data = {"organisation_id": organisation, "role": role, "since": since}
    wanted = parse(MemberIn, {k: v for k, v in data.items() if v is not None}, "member")
    with open_db(db).session() as session:
        out = clusters.add_member(session, cli_viewer(session, as_user), cluster, wanted)
    if as_json:
        print_json(out)
        return
    what = "invited (awaits its answer)" if out.status == "invited" else "is now a member"
    output.print(f"organisation {organisation} {what} of cluster {cluster}", highlight=False)


@app.command()
@handle_errors
def remove(
    cluster: ClusterId, organisation: OrgId, db: DbOption = None, as_user: AsOption = None
) -> None:
    """Remove an organisation from a cluster (admins and the cluster's managers)."""
    with open_db(db).session() as session:
        clusters.remove_member(session, cli_viewer(session, as_user), cluster, organisation)
    output.print(f"organisation {organisation} left cluster {cluster}", highlight=False)


@app.command("invitations")
@handle_errors
def sent(
    cluster: ClusterId, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False
) -> None:
    """Invitations a cluster has sent (its managers and admins)."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        clusters.get_cluster(session, viewer, cluster)
        found = invitations.for_cluster(session, viewer, cluster)
    _print(found, as_json)


@app.command()
@handle_errors
def inbox(
    organisation: OrgId, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False
) -> None:
    """An organisation's invitations to join clusters (its own users and admins)."""
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        queries.get_organisation(session, organisation, viewer=viewer)  # unknown: 404
        found = invitations.for_organisation(session, viewer, organisation)
    _print(found, as_json)


@app.command()
@handle_errors
def answer(
    organisation: OrgId,
    invitation: Annotated[int, typer.Argument(help="Invitation id.")],
    decision: Annotated[str, typer.Argument(help="accept or decline.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept or decline an invitation on behalf of the organisation."""
    wanted = parse(invitations.DecisionIn, {"decision": decision}, f"invitation {invitation}")
    with open_db(db).session() as session:
        viewer = cli_viewer(session, as_user)
        out = invitations.decide(session, viewer, organisation, invitation, wanted.decision)
    _print([out], as_json)


def _print(found: list[invitations.InvitationOut], as_json: bool) -> None:
    if as_json:
        print_json(found)
        return
    for i in found:
        line = f"{i.id:>5}  {i.cluster_name} → {i.organisation_name}  {i.status}  by {i.invited_by}"
        output.print(line, highlight=False)
    if not found:
        output.print("no invitations", highlight=False)
