"""Entry point of the `filiera` console script."""

from __future__ import annotations

import typer

from filiera.cli import (
    audit_cmd,
    backup_cmd,
    bid_cmd,
    call_cmd,
    capacity_cmd,
    cluster_cmd,
    consortium_cmd,
    db_cmd,
    events_cmd,
    export_cmd,
    import_cmd,
    info_cmd,
    intro_cmd,
    match_cmd,
    news_cmd,
    org_cmd,
    ranker_cmd,
    review_cmd,
    serve_cmd,
    shortlist_cmd,
    status_cmd,
    synth_cmd,
    user_cmd,
    whynot_cmd,
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
app.add_typer(intro_cmd.app, name="intro")
serve_cmd.register(app)
info_cmd.register(app)
export_cmd.register(app)
synth_cmd.register(app)
audit_cmd.register(app)
backup_cmd.register(app)
status_cmd.register(app)
match_cmd.register(app)
whynot_cmd.register(app)
app.add_typer(shortlist_cmd.app, name="shortlist")
app.add_typer(call_cmd.app, name="call")
app.add_typer(consortium_cmd.app, name="consortium")
app.add_typer(bid_cmd.app, name="bid")
app.add_typer(events_cmd.app, name="events")
app.add_typer(capacity_cmd.app, name="capacity")
app.add_typer(news_cmd.app, name="news")
app.add_typer(ranker_cmd.app, name="ranker")

if __name__ == "__main__":
    app()
