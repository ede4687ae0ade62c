"""Entry point of the `filiera` console script."""

from __future__ import annotations

import typer

from filiera.cli import (
    audit_cmd,
    cluster_cmd,
    db_cmd,
    export_cmd,
    import_cmd,
    info_cmd,
    match_cmd,
    org_cmd,
    review_cmd,
    serve_cmd,
    synth_cmd,
    user_cmd,
)

app = typer.Typer(
    name="filiera",
    help="Filiera: who can build what, how much of it, with whom, and with what money.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(import_cmd.app, name="import")
app.add_typer(org_cmd.app, name="org")
app.add_typer(cluster_cmd.app, name="cluster")
app.add_typer(review_cmd.app, name="review")
app.add_typer(user_cmd.app, name="user")
serve_cmd.register(app)
info_cmd.register(app)
export_cmd.register(app)
synth_cmd.register(app)
audit_cmd.register(app)
match_cmd.register(app)

if __name__ == "__main__":
    app()
