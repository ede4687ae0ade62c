"""`filiera why-not`: why an organisation is not on the first page for a need."""

from __future__ import annotations

from typing import Annotated

import typer

from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    handle_errors,
    open_db,
    output,
    print_json,
)
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
from filiera.match import whynot
from filiera.match.whynot_shapes import WhyNotRequest, whynot_out
from filiera.registry.schemas import parse

HEADLINE = {
    "filtered": "left out by the filters",
    "no_match": "nothing in common with the need (score 0)",
    "first_page": "on the first page",
    "below_first_page": "after the first page",
}


def print_answer(answer: whynot.WhyNot) -> None:
    """The organisation, where it stands, the reasons, then what it does match."""
    where = f", rank {answer.rank} of {answer.of}" if answer.rank else ""
    output.print(f"{answer.name} ({answer.org_id}): {HEADLINE[answer.status]}{where}")
    for reason in answer.reasons:
        output.print(f"- {reason['text']}")
    if answer.explanations:
        output.print("what it matches:")
        for explanation in answer.explanations:
            output.print(f"  {explanation['text']}")


def register(app: typer.Typer) -> None:
    """Add `why-not` to the main app."""

    @app.command("why-not")
    @handle_errors
    def why_not_cmd(
        org: Annotated[int, typer.Argument(help="Organisation id.")],
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
        db: DbOption = None,
        as_user: AsOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Why an organisation is not on the first page for free text (or why it is)."""
        given = {
            "text": text,
            "organisation_id": org,
            "lang": lang,
            **filter_fields(
                country, region, kind, sme, certification, capability, cluster, include_synthetic
            ),
        }
        wanted = parse(WhyNotRequest, {k: v for k, v in given.items() if v is not None}, "why-not")
        with open_db(db).session() as session:
            answer = whynot.run(session, cli_viewer(session, as_user), wanted)
        if as_json:
            print_json(whynot_out(answer))
            return
        print_answer(answer)
