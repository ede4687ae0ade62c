"""`filiera match` and `filiera need` / `filiera thesis`: matchmaking from the shell."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    console,
    handle_errors,
    open_db,
    print_json,
    read_json,
)
from filiera.cli.csv_out import CsvOption, check_output, print_csv
from filiera.cli.formatting import count, plural
from filiera.cli.match_options import (
    CapabilityOption,
    CertificationOption,
    ClusterOption,
    CountryOption,
    KindOption,
    LangOption,
    RegionOption,
    SmeOption,
    SyntheticOption,
    filter_fields,
)
from filiera.match.export import MarkedExport, match_csv
from filiera.match.requests import OFFSET_MAX, TOP_MAX, MatchRequest
from filiera.match.results import match_out
from filiera.match.service import MatchResult, run
from filiera.needs import service
from filiera.needs.schemas import NeedIn, ThesisIn
from filiera.registry.schemas import parse

need_app = typer.Typer(help="Operational needs and challenges.", no_args_is_help=True)
thesis_app = typer.Typer(help="Investment theses.", no_args_is_help=True)
TopOption = Annotated[int, typer.Option(min=1, max=TOP_MAX, help="How many results.")]
SINGULAR = {"needs": "need", "theses": "thesis"}


def print_result(result: MatchResult, *, as_json: bool, explain: int = 2) -> None:
    if as_json:
        print_json(match_out(result))
        return
    console.print(
        f"language: {result.lang}; understood: {', '.join(result.concepts[:8])}", highlight=False
    )
    table = Table(
        "#", "score", "id", "name", "country", "why", title=plural(result.candidates, "candidate")
    )
    for rank, hit in enumerate(result.results, result.offset + 1):
        why = "\n".join(e["text"] for e in hit.explanations[:explain])
        name = f"{hit.name} (synthetic)" if hit.synthetic else hit.name
        table.add_row(str(rank), f"{hit.score:.3f}", str(hit.org_id), name, hit.country or "", why)
    console.print(table)
    if result.synthetic_left_out:
        console.print(
            f"{plural(result.synthetic_left_out, 'synthetic organisation')} left out because "
            "real ones match (--include-synthetic shows them)",
            highlight=False,
        )


def print_markings_note(export: MarkedExport) -> None:
    """After a CSV on standard output: which export-control markings its rows carry."""
    note = export.markings_note()
    if note:
        console.print(f"markings: {note}", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add `match`, `need`, `thesis` and `opportunities` to the main app."""

    @app.command("match")
    @handle_errors
    def match_cmd(
        text: Annotated[str, typer.Argument(help="The need, challenge or thesis (en/it/fr/de).")],
        lang: LangOption = None,
        country: CountryOption = None,
        region: RegionOption = None,
        kind: KindOption = None,
        sme: SmeOption = False,
        certification: CertificationOption = None,
        capability: CapabilityOption = None,
        cluster: ClusterOption = None,
        include_synthetic: SyntheticOption = None,
        top: TopOption = 50,
        offset: Annotated[
            int, typer.Option(min=0, max=OFFSET_MAX, help="Results to skip (paging).")
        ] = 0,
        db: DbOption = None,
        as_user: AsOption = None,
        as_json: JsonOption = False,
        as_csv: CsvOption = False,
    ) -> None:
        """Rank organisations for free text, with the reasons of each score."""
        check_output("match", as_json, as_csv)
        given = {
            "text": text,
            "lang": lang,
            **filter_fields(
                country, region, kind, sme, certification, capability, cluster, include_synthetic
            ),
            "top": top,
            "offset": offset,
        }
        wanted = parse(MatchRequest, {k: v for k, v in given.items() if v is not None}, "match")
        out = io.StringIO()
        with open_db(db).session() as session:
            viewer = cli_viewer(session, as_user)
            result = run(session, viewer, wanted)
            export = match_csv(session, viewer, result, out) if as_csv else None
        if export is not None:
            print_csv(out.getvalue(), export)
            print_markings_note(export)
            return
        print_result(result, as_json=as_json)

    @app.command("opportunities")
    @handle_errors
    def opportunities_cmd(
        org: Annotated[int, typer.Argument(help="Organisation id.")],
        top: TopOption = 10,
        db: DbOption = None,
        as_user: AsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Open needs and investment theses that fit an organisation."""
        with open_db(db).session() as session:
            found = service.opportunities(session, cli_viewer(session, as_user), org, top)
        if as_json:
            print_json(found)
            return
        for kind, items in found.items():
            for item in items:
                console.print(
                    f"{SINGULAR[kind]} {item['id']}: {item['title']} — score "
                    f"{item['score']:.3f}, rank {count(item['rank'])} of {count(item['of'])}",
                    highlight=False,
                    markup=False,
                )
        if not any(found.values()):
            console.print(f"no open need or thesis fits organisation {org}", highlight=False)

    app.add_typer(need_app, name="need")
    app.add_typer(thesis_app, name="thesis")


def _read(file: Path) -> dict:
    return read_json(file)  # a missing or broken file: one error naming it


@need_app.command("add")
@handle_errors
def need_add(
    file: Annotated[Path, typer.Argument(help="JSON file of one need (see docs/matchmaking.md).")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a need (as the local operator, or `--as` a buyer or cluster manager)."""
    data = parse(NeedIn, _read(file), str(file))
    with open_db(db).session() as session:
        need = service.publish_need(session, cli_viewer(session, as_user), data)
        out = service.need_out(need)
    print_json(out) if as_json else typer.echo(f"published need {out.id} ({out.lang})")


@need_app.command("list")
@handle_errors
def need_list(
    all_: Annotated[bool, typer.Option("--all", help="Closed needs too.")] = False,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Needs you may see, newest first."""
    with open_db(db).session() as session:
        rows = service.list_needs(
            session, cli_viewer(session, as_user), status=None if all_ else "open"
        )
        out = [service.need_out(n, c) for n, c in rows]
    if as_json:
        print_json(out)
        return
    for need in out:
        typer.echo(f"{need.id}\t{need.status}\t{need.owner}\t{need.title}")


@need_app.command("match")
@handle_errors
def need_match(
    need_id: int,
    top: TopOption = 20,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Organisations ranked for a need."""
    with open_db(db).session() as session:
        result = service.candidates(session, cli_viewer(session, as_user), need_id, top)
    print_result(result, as_json=as_json)


@thesis_app.command("add")
@handle_errors
def thesis_add(
    file: Annotated[Path, typer.Argument(help="JSON file of one investment thesis.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Publish an investment thesis."""
    data = parse(ThesisIn, _read(file), str(file))
    with open_db(db).session() as session:
        out = service.thesis_out(
            service.publish_thesis(session, cli_viewer(session, as_user), data)
        )
    print_json(out) if as_json else typer.echo(f"published thesis {out.id}")


@thesis_app.command("match")
@handle_errors
def thesis_match(
    thesis_id: int,
    top: TopOption = 20,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start-ups and SMEs ranked for a thesis."""
    with open_db(db).session() as session:
        result = service.startups_for(session, cli_viewer(session, as_user), thesis_id, top)
    print_result(result, as_json=as_json, explain=4)  # profile, stage, traction, partners


@thesis_app.command("list")
@handle_errors
def thesis_list(
    all_: Annotated[bool, typer.Option("--all", help="Closed theses too.")] = False,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Investment theses you may see, newest first."""
    with open_db(db).session() as session:
        rows = service.list_theses(
            session, cli_viewer(session, as_user), status=None if all_ else "open"
        )
        out = [service.thesis_out(t) for t in rows]
    if as_json:
        print_json(out)
        return
    for thesis in out:
        typer.echo(f"{thesis.id}\t{thesis.status}\t{thesis.owner}\t{thesis.title}")
