"""`filiera import`: real data in, without duplicates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from filiera.cli.common import (
    DbOption,
    JsonOption,
    console,
    handle_errors,
    open_db,
    print_json,
    progress_bar,
    reading,
)
from filiera.cli.formatting import count, plural
from filiera.imports.csv_import import KINDS, import_csv
from filiera.imports.csv_table import read_table
from filiera.imports.edf import CREDIT, import_edf, load_json
from filiera.imports.jsonl import import_jsonl, read_lines
from filiera.imports.report import ImportReport
from filiera.imports.split_work import usable_cores

app = typer.Typer(help="Import organisations, projects and memberships.", no_args_is_help=True)
SkipInvalid = Annotated[
    bool, typer.Option("--skip-invalid", help="Import the good rows; report every rejected one.")
]
ReportPath = Annotated[
    Path | None, typer.Option("--report", help="Where to write the rejected-rows report (JSON).")
]


def finish(report: ImportReport, report_path: Path | None, as_json: bool) -> None:
    """Print the outcome; write the rejected rows where asked (or next to the cwd)."""
    if report.rejected:
        path = report_path or Path("import-rejected.json")
        report.write(path)
        rejected = plural(len(report.rejected), "row")
        console.print(f"{rejected} rejected: see {path}", style="yellow", markup=False)
    if as_json:
        print_json(report.to_dict())
    else:
        for name, number in sorted(report.counts.items()):
            typer.echo(f"{name}: {count(number)}")


@app.command()
@handle_errors
def edf(
    folder: Annotated[Path, typer.Argument(help="Folder with projects.json and companies.json.")],
    skip_invalid: SkipInvalid = False,
    report: ReportPath = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import EDF projects and participants (Funding & Tenders format). Idempotent."""
    with reading(folder):  # a bad file is refused before any database is created
        total = len(load_json(folder / "companies.json")) + len(load_json(folder / "projects.json"))
    database = open_db(db, create=True)
    console.print(f"importing {folder} — data: {CREDIT}", highlight=False, markup=False)
    with progress_bar("EDF", total) as advance, database.session() as session:
        result = import_edf(session, folder, skip_invalid=skip_invalid, progress=advance)
    database.refresh_statistics()
    finish(result, report, as_json)


@app.command("csv")
@handle_errors
def csv_file(
    file: Annotated[Path, typer.Argument(help="CSV file (English or Italian headers).")],
    kind: Annotated[
        str, typer.Option("--kind", help=f"What the rows are: {', '.join(KINDS)}.")
    ] = "organisations",
    skip_invalid: SkipInvalid = False,
    report: ReportPath = None,
    processes: Annotated[
        int | None,
        typer.Option(
            "--processes",
            min=1,
            help="Processes that validate and resolve an organisations file (default: 2 on "
            "a machine with two cores or more, else 1).",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a CSV file such as a cluster's member list. Idempotent; see docs/import-formats.md."""
    with reading(file):  # a bad file is refused before any database is created; the
        table = read_table(file)  # import reads this table, not the file again
    database = open_db(db, create=True)
    with progress_bar(f"CSV {kind}", len(table.rows)) as advance, database.session() as session:
        result = import_csv(
            session,
            file,
            kind,
            skip_invalid=skip_invalid,
            progress=advance,
            processes=processes or min(2, usable_cores()),
            table=table,
        )
    database.refresh_statistics()
    if result.ignored_columns:
        ignored = ", ".join(result.ignored_columns)
        console.print(f"ignored columns: {ignored}", style="yellow", markup=False)
    finish(result, report, as_json)


@app.command("jsonl")
@handle_errors
def jsonl_file(
    file: Annotated[Path, typer.Argument(help="JSON lines file written by `filiera export`.")],
    skip_invalid: SkipInvalid = False,
    report: ReportPath = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import a JSON lines file (the `filiera export` format). Idempotent."""
    with reading(file):  # a bad file is refused before any database is created
        total = len(read_lines(file))
    database = open_db(db, create=True)
    with progress_bar("JSONL", total) as advance, database.session() as session:
        result = import_jsonl(session, file, skip_invalid=skip_invalid, progress=advance)
    database.refresh_statistics()
    finish(result, report, as_json)
