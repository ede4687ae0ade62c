"""`filiera news`: ingest articles, read what was extracted, review it, watch and digest."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from filiera.cli.common import (
    AsOption,
    DbOption,
    JsonOption,
    cli_viewer,
    handle_errors,
    open_db,
    output,
    print_json,
    progress_bar,
)
from filiera.errors import ValidationFailed, field_error
from filiera.news import alerts, review, store

app = typer.Typer(
    help="News intelligence: articles in, reviewed facts about the ecosystem out.",
    no_args_is_help=True,
)
FactId = Annotated[int, typer.Argument(help="The fact's id (see `filiera news review`).")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision).")]


@app.command("ingest")
@handle_errors
def ingest_cmd(
    inputs: Annotated[list[str], typer.Argument(help="Files (text, HTML, RSS/Atom) or URLs.")],
    lang: Annotated[str, typer.Option("--lang", help="auto, or the language of all inputs.")] = (
        "auto"
    ),
    credit: Annotated[
        str | None, typer.Option("--credit", help="Publisher or licence line to keep.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and extract, store nothing.")
    ] = False,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read each input, extract organisations, people, places, amounts, quantities, dates and
    events, and queue the facts for review. A bad input is reported; the others go on."""
    database = open_db(db, quiet=as_json)
    with database.session() as session:
        viewer = cli_viewer(session, as_user)
        with progress_bar("articles", None) as advance:
            results = store.ingest(
                session,
                viewer,
                inputs,
                lang=lang,
                credit=credit,
                progress=lambda _done, _total: advance(1),
            )
        if dry_run:
            session.rollback()
    found = [r.to_json() for r in results]
    if as_json:
        print_json(found)
    else:
        _print_ingested(found, dry_run)
    if any(r.status == "error" for r in results):
        raise typer.Exit(1)


def _print_ingested(found: list[dict[str, Any]], dry_run: bool) -> None:
    for item in found:
        if item["status"] != "added":
            output.print(f"{item['status']}: {item['message']}", highlight=False, markup=False)
            continue
        stored = "read (not stored)" if dry_run else f"article {item['article_id']}"
        output.print(
            f"{stored}: {item['title'] or item['input']} [{item['lang']}, "
            f"{item['date'] or 'no date'}]",
            highlight=False,
            markup=False,
        )
        for key in ("organizations", "people", "places", "money", "quantities", "dates"):
            names = [_short(key, x) for x in item.get(key, [])]
            if names:
                output.print(f"  {key}: {'; '.join(names)}", highlight=False, markup=False)
        for event in item.get("events", []):
            who = ", ".join(event["participants"]) or "-"
            output.print(f"  event {event['type']}: {who}", highlight=False, markup=False)


def _short(key: str, x: dict[str, Any]) -> str:
    if key == "people":
        role = ", ".join(v for v in (x.get("role"), x.get("organization")) if v)
        return f"{x['name']} ({role})" if role else x["name"]
    if key == "money":
        return f"{x['amount']:,.0f} {x['currency']}"
    if key == "quantities":
        return f"{x['value']:,g} {x['unit']}"
    if key == "dates":
        return x["date"]
    return x["name"]


@app.command("list")
@handle_errors
def list_cmd(
    q: Annotated[str | None, typer.Option("--q", help="Words in title or text.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stored articles, newest first."""
    with open_db(db, quiet=as_json).session() as session:
        viewer = cli_viewer(session, as_user)
        rows, total = store.list_articles(session, viewer, q=q, limit=limit)
        found = [_article_json(viewer, a) for a in rows]
    if as_json:
        print_json({"total": total, "items": found})
        return
    table = Table("id", "date", "lang", "title", "facts", title=f"{total} article(s)")
    for a in found:
        facts = ", ".join(f"{n} {k}" for k, n in sorted(a["facts"].items()))
        table.add_row(str(a["id"]), a["published"] or "-", a["lang"], a["title"] or "-", facts)
    output.print(table)


def _article_json(viewer, article) -> dict[str, Any]:
    from collections import Counter

    seen = store.facts_seen(viewer, article)
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "lang": article.lang,
        "published": article.published.isoformat() if article.published else None,
        "facts": dict(Counter(f.kind for f in seen)),
    }


@app.command("show")
@handle_errors
def show_cmd(
    article_id: Annotated[int, typer.Argument(help="The article's id.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """An article's facts, each with the sentence it came from."""
    with open_db(db, quiet=as_json).session() as session:
        viewer = cli_viewer(session, as_user)
        article = store.get_article(session, viewer, article_id)
        facts = store.fact_views(session, viewer, store.facts_seen(viewer, article))
        found = {**_article_json(viewer, article), "text": article.text, "fact_list": facts}
    if as_json:
        print_json(found)
        return
    output.print(
        f"{found['title']} ({found['published'] or 'no date'}, {found['lang']})",
        highlight=False,
        markup=False,
    )
    _print_facts(facts)


def _print_facts(facts: list[dict[str, Any]]) -> None:
    table = Table("id", "status", "kind", "text", "value", "sentence")
    for f in facts:
        table.add_row(
            str(f["id"]), f["status"], f["kind"], f["text"], _value(f), (f["sentence"] or "")[:90]
        )
    output.print(table)


def _value(fact: dict[str, Any]) -> str:
    data = fact["data"]
    shown = {k: v for k, v in data.items() if k not in ("found_by", "organization_text")}
    return json.dumps(shown, ensure_ascii=False)[:120]


@app.command("review")
@handle_errors
def review_cmd(
    kind: Annotated[str | None, typer.Option("--kind", help="Only facts of this kind.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The review queue: proposed facts. Decide with `news accept` and `news reject`."""
    with open_db(db, quiet=as_json).session() as session:
        viewer = cli_viewer(session, as_user)
        facts = review.review_queue(session, viewer, kind=kind, limit=limit)
        views = store.fact_views(session, viewer, facts, reviewer=True)
        found = [view | {"article_id": f.article_id} for f, view in zip(facts, views, strict=True)]
    if as_json:
        print_json(found)
    else:
        _print_facts(found)


def _changes(pairs: list[str]) -> dict[str, Any]:
    """`field=value` pairs; values are read as JSON when they parse (numbers, null, lists)."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name.strip():
            message = f"{pair!r} is not field=value"
            raise ValidationFailed(message, errors=[field_error("--set", pair, message)])
        try:
            changes[name.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            changes[name.strip()] = raw
    return changes


@app.command("accept")
@handle_errors
def accept_cmd(
    fact_id: FactId,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Change a field first, e.g. --set amount=1200000000."),
    ] = None,
    create_org: Annotated[
        bool, typer.Option("--create-org", help="Add an unlinked organisation to the registry.")
    ] = False,
    note: NoteOption = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Accept a proposed fact (edited with --set): it enters the registry's pages."""
    _decide(db, as_user, as_json, fact_id, "accept", _changes(set_ or []), create_org, note)


@app.command("reject")
@handle_errors
def reject_cmd(
    fact_id: FactId,
    note: NoteOption = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a proposed fact."""
    _decide(db, as_user, as_json, fact_id, "reject", {}, False, note)


def _decide(db, as_user, as_json, fact_id, decision, changes, create_org, note) -> None:
    with open_db(db, quiet=as_json).session() as session:
        viewer = cli_viewer(session, as_user)
        fact = review.decide(
            session,
            viewer,
            fact_id,
            decision,
            changes=changes,
            create_organisation=create_org,
            note=note,
        )
        (found,) = store.fact_views(session, viewer, [fact], reviewer=True)
    if as_json:
        print_json(found)
    else:
        output.print(f"fact {fact_id}: {found['status']}", highlight=False, markup=False)


@app.command("watch")
@handle_errors
def watch_cmd(
    name: Annotated[str, typer.Argument(help="A name for the watch.")],
    query: Annotated[str | None, typer.Option("--query", help="Words to look for.")] = None,
    org: Annotated[int | None, typer.Option("--org", help="An organisation's id.")] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Fact kinds or event types.")
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Save a search or watch an organisation (for the user given with --as)."""
    with open_db(db, quiet=as_json).session() as session:
        viewer = cli_viewer(session, as_user)
        watch = alerts.add_watch(
            session, viewer, name=name, query=query, organisation_id=org, kinds=kind or []
        )
        found = {
            "id": watch.id,
            "name": watch.name,
            "query": watch.query,
            "organisation_id": watch.organisation_id,
            "kinds": watch.kinds,
        }
    if as_json:
        print_json(found)
    else:
        output.print(f"watch {found['id']}: {found['name']}", highlight=False, markup=False)


@app.command("digest")
@handle_errors
def digest_cmd(
    since: Annotated[
        datetime | None, typer.Option("--since", help="Facts reviewed since (default: a week).")
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """New accepted facts matching your watches (JSON Feed 1.1 with --json)."""
    with open_db(db, quiet=as_json).session() as session:
        viewer = cli_viewer(session, as_user)
        found = alerts.digest(session, viewer, since=since)
    if as_json:
        print_json(alerts.json_feed(found, "http://127.0.0.1:8000", "filiera news digest"))
        return
    for item in found["items"]:
        title = (item.get("article") or {}).get("title") or "-"
        output.print(
            f"{item['date'] or '-'} {item['kind']}: {item['text']} ({title})",
            highlight=False,
            markup=False,
        )
