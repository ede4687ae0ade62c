"""The options `filiera match` and `filiera why-not` share: the text's language and the
hard filters of a match request."""

from __future__ import annotations

from typing import Annotated

import typer

LangOption = Annotated[str | None, typer.Option(help="en, it, fr or de (default: detected).")]
CountryOption = Annotated[list[str] | None, typer.Option(help="Eligible country (repeat).")]
RegionOption = Annotated[str | None, typer.Option(help="NUTS code prefix.")]
KindOption = Annotated[list[str] | None, typer.Option(help="Organisation kind (repeat).")]
SmeOption = Annotated[bool, typer.Option("--sme", help="SMEs and start-ups only.")]
CertificationOption = Annotated[str | None, typer.Option(help="Certification code.")]
CapabilityOption = Annotated[str | None, typer.Option(help="Capability code.")]
ClusterOption = Annotated[int | None, typer.Option(help="Cluster organisation id.")]
SyntheticOption = Annotated[
    bool | None,
    typer.Option(
        "--include-synthetic/--no-synthetic",
        help="Include or leave out synthetic demo records (default: left out when "
        "real organisations match).",
    ),
]


def filter_fields(
    country: list[str] | None,
    region: str | None,
    kind: list[str] | None,
    sme: bool,
    certification: str | None,
    capability: str | None,
    cluster: int | None,
    include_synthetic: bool | None,
) -> dict:
    """The hard-filter fields of a match request, as the options gave them."""
    return {
        "country": country or [],
        "region": region,
        "kind": kind or [],
        "sme": sme,
        "certification": certification,
        "capability": capability,
        "cluster": cluster,
        "include_synthetic": include_synthetic,
    }
