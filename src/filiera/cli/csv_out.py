"""`--csv` of `filiera org list` and `filiera match`: CSV on standard output, credits on stderr."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from filiera.cli.common import console
from filiera.errors import ValidationFailed, field_error
from filiera.registry.spreadsheet import CsvExport

CsvOption = Annotated[
    bool,
    typer.Option(
        "--csv",
        help="Print CSV for spreadsheets (formula cells neutralised; source credits on stderr).",
    ),
]


def check_output(command: str, as_json: bool, as_csv: bool) -> None:
    """`--json` and `--csv` cannot both be given."""
    if as_json and as_csv:
        raise ValidationFailed(
            f"{command}: choose --json or --csv, not both",
            errors=[field_error(command, "--csv", "cannot be combined with --json")],
        )


def print_csv(body: str, export: CsvExport) -> None:
    """The CSV on standard output; the credit lines of its sources on standard error."""
    sys.stdout.write(body)
    sys.stdout.flush()
    for credit in export.credits:
        console.print(f"credit: {credit}", highlight=False, markup=False)
