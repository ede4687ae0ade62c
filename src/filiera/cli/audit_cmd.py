"""`filiera audit`: query the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from filiera.access import audit
from filiera.access.viewer import Viewer
from filiera.cli.common import DbOption, JsonOption, handle_errors, open_db, output, print_json
from filiera.registry.schemas import parse


def register(app: typer.Typer) -> None:
    """Add `audit` to the main app."""

    @app.command("audit")
    @handle_errors
    def audit_log(
        actor: Annotated[str | None, typer.Option(help="Email, cli:USER or anonymous.")] = None,
        action: Annotated[
            str | None,
            typer.Option(help="sign_in, sign_in_failed, read, create, update, delete, import."),
        ] = None,
        entity: Annotated[str | None, typer.Option(help="organisation, person, user...")] = None,
        entity_id: Annotated[int | None, typer.Option("--id", help="Record id.")] = None,
        since: Annotated[datetime | None, typer.Option(help="From this date/time (UTC).")] = None,
        until: Annotated[datetime | None, typer.Option(help="Before this date/time.")] = None,
        limit: Annotated[int, typer.Option(help="At most this many events (1-1000).")] = 50,
        db: DbOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Who read restricted data, who changed what (before/after), sign-ins and failures."""
        given = {
            "actor": actor,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "since": since,
            "until": until,
            "limit": limit,
        }
        query = parse(audit.AuditQuery, {k: v for k, v in given.items() if v is not None}, "audit")
        with open_db(db).session() as session:
            events = audit.read_log(session, Viewer.system(), query)
        if as_json:
            print_json(events)
            return
        table = Table("id", "at", "actor", "action", "record", "detail", title="audit log")
        for e in events:
            record = f"{e['entity'] or ''} {e['entity_id'] or ''}".strip()
            detail = e["detail"] or _change(e)
            table.add_row(str(e["id"]), e["at"], e["actor"], e["action"], record, detail)
        output.print(table)


def _change(event: dict) -> str:
    after = event.get("after") or {}
    before = event.get("before") or {}
    keys = sorted(set(after) | set(before))[:4]
    return ", ".join(f"{k}: {before.get(k)!r} → {after.get(k)!r}" for k in keys)
