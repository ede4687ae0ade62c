"""`filiera ranker`: train the learned matchmaking ranker on the registry, and show which
model matching uses. (`filiera match TEXT` takes free text, so training has its own group.)"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from filiera.cli.common import DbOption, JsonOption, console, handle_errors, open_db, print_json
from filiera.errors import ValidationFailed, field_error
from filiera.match import ranker, training
from filiera.match.service import model_for, own_model_path

app = typer.Typer(help="The learned matchmaking ranker.", no_args_is_help=True)
YearOption = Annotated[int | None, typer.Option(min=1990, max=2100)]


@app.command("train")
@handle_errors
def train_cmd(
    train_year: YearOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Model file (default: beside the database's match index).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Train on the registry's own history: the projects of a call year are the queries,
    the registry as it was the year before answers them. A model of the year before is
    checked on TRAIN_YEAR (default: the second newest): settings are chosen there, and the
    model is adopted only if it beats the fixed weights there."""
    database = open_db(db)
    with database.session() as session:
        target = out or own_model_path(session)
        if target is None:
            raise ValidationFailed(
                "this database keeps no files beside it: give --out",
                errors=[field_error("ranker train", "out", "required for this database")],
            )
        with console.status("training the ranker on the registry's history"):
            booster, report = training.train(session, train_year)
    meta = {"trained_on": date.today().isoformat(), **asdict(report), **report.chosen}
    ranker.save(target, booster, meta)
    ranker.forget()
    if as_json:
        print_json({"path": str(target), **meta})
        return
    verdict = "adopted" if report.chosen.get("adopted") else "NOT adopted (fixed weights stay)"
    console.print(
        f"validated on the projects of {report.train_year}: nDCG@10 "
        f"{report.chosen['validation_ndcg@10']} vs fixed weights "
        f"{report.chosen['validation_ndcg@10_first_stage']}; {verdict}; trained on "
        f"{report.train_queries} projects; saved to {target}",
        highlight=False,
    )


@app.command("status")
@handle_errors
def status_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Which ranking matching uses now, from which model file, and how it was trained."""
    database = open_db(db)
    with database.session() as session:
        model = model_for(session)
    if isinstance(model, str):
        state = {"model": "fixed", "notice": model}
    else:
        adopted = model.meta.get("adopted", True)
        state = {"model": "learned" if adopted else "fixed", "source": model.source, **model.meta}
    if as_json:
        print_json(state)
        return
    for key, value in state.items():
        if key != "importance":
            console.print(f"{key}: {value}", highlight=False, markup=False)
