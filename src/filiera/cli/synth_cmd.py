"""`filiera synth`: a clearly labelled synthetic ecosystem of fictional organisations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from filiera.cli.common import DbOption, console, handle_errors, open_db, progress_bar
from filiera.cli.formatting import plural, tally
from filiera.errors import ValidationFailed, field_error
from filiera.synth import CAPACITY, load_synthetic, write_csv, write_jsonl

WRITERS = {".csv": write_csv, ".jsonl": write_jsonl}


def synth(
    orgs: Annotated[int, typer.Option("--orgs", help="How many organisations.", min=0)] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same ecosystem.")] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Write FILE.csv or FILE.jsonl instead of the database."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Generate fictional organisations (flagged synthetic) for demos and benchmarks."""
    if orgs > CAPACITY:
        raise ValidationFailed(
            f"--orgs {orgs} is more than the {CAPACITY} distinct synthetic names",
            errors=[field_error("synth", "--orgs", f"at most {CAPACITY}")],
        )
    if out is not None:
        writer = WRITERS.get(out.suffix.lower())
        if writer is None:
            raise ValidationFailed(
                f"{out}: --out must end in .csv or .jsonl",
                errors=[field_error(str(out), "--out", "expected a .csv or .jsonl file name")],
            )
        with progress_bar("synthetic", orgs) as advance:
            writer(out, orgs, seed, progress=advance)
        written = plural(orgs, "SYNTHETIC organisation")
        console.print(f"wrote {written} (seed {seed}) to {out}", highlight=False, markup=False)
        return
    database = open_db(db, create=True)
    with progress_bar("synthetic", orgs) as advance, database.session() as session:
        counts = load_synthetic(session, orgs, seed, progress=advance)
    database.refresh_statistics()
    summary = tally(dict(sorted(counts.items()))) or "none"
    console.print(f"loaded SYNTHETIC organisations (seed {seed}): {summary}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add `synth` to the main app."""
    app.command("synth")(handle_errors(synth))
