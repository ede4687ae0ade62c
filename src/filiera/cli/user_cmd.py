"""`filiera user`: accounts, roles, organisations and personal API tokens."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.table import Table

from filiera.access import accounts, backoff
from filiera.access.models import ROLES
from filiera.cli.common import (
    DbOption,
    JsonOption,
    cli_settings,
    console,
    handle_errors,
    open_db,
    output,
    print_json,
)
from filiera.cli.formatting import plural
from filiera.errors import ValidationFailed, field_error
from filiera.registry.models import utcnow

app = typer.Typer(help="User accounts and API tokens.", no_args_is_help=True)
PASSWORD_ENV = "FILIERA_NEW_PASSWORD"


def read_password(email: str, from_stdin: bool) -> str:
    """From stdin (`--password-stdin`), $FILIERA_NEW_PASSWORD, or a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    return typer.prompt(f"password for {email}", hide_input=True, confirmation_prompt=True)


def user_dict(user) -> dict:
    orgs = sorted(a.organisation_id for a in user.affiliations)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "active": user.active,
        "organisations": orgs,
        "locked_until": user.locked_until,
        "last_sign_in_at": user.last_sign_in_at,
    }


@app.command()
@handle_errors
def add(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    name: Annotated[str | None, typer.Option(help="Full name (default: the email).")] = None,
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")] = "viewer",
    admin: Annotated[bool, typer.Option("--admin", help="Shortcut for --role admin.")] = False,
    org: Annotated[
        list[int] | None, typer.Option(help="Organisation id the user acts for (repeatable).")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an account; `filiera user add you@example.eu --admin` makes the first admin."""
    password = read_password(email, password_stdin)
    with open_db(db).session() as session:
        user = accounts.add_user(
            session,
            email,
            name or email.split("@")[0],
            password,
            role="admin" if admin else role,
            org_ids=org or [],
        )
        result = user_dict(user)
    print_json(result) if as_json else typer.echo(f"created user {result['id']} {result['email']}")


@app.command("list")
@handle_errors
def list_(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every account with its role, organisations and state."""
    with open_db(db).session() as session:
        waits = backoff.waiting(session, utcnow())
        users = [
            {**user_dict(u), "waiting_addresses": waits.get(u.id, (0, None))[0]}
            | {"locked_until": waits.get(u.id, (0, None))[1]}
            for u in accounts.list_users(session)
        ]
    if as_json:
        print_json(users)
        return
    table = Table(
        "id", "email", "name", "role", "organisations", "active", "backed-off addresses (until)"
    )
    for u in users:
        orgs = ", ".join(map(str, u["organisations"]))
        table.add_row(
            str(u["id"]),
            u["email"],
            u["name"],
            u["role"],
            orgs,
            "yes" if u["active"] else "no",
            f"{u['waiting_addresses']} ({u['locked_until']})" if u["waiting_addresses"] else "",
        )
    output.print(table)


def _set_active(email: str, active: bool, db: str | None) -> None:
    with open_db(db).session() as session:
        accounts.set_active(session, accounts.get_user(session, email), active)
    typer.echo(f"{'enabled' if active else 'disabled'} {email}")


@app.command()
@handle_errors
def disable(email: str, db: DbOption = None) -> None:
    """Disable an account: it cannot sign in; its sessions and tokens end now."""
    _set_active(email, False, db)


@app.command()
@handle_errors
def enable(email: str, db: DbOption = None) -> None:
    """Re-enable an account (and clear its sign-in back-offs)."""
    _set_active(email, True, db)


@app.command()
@handle_errors
def password(
    email: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
    db: DbOption = None,
) -> None:
    """Set a new password; the user's web sessions and API tokens end now.

    Also clears the account's sign-in back-offs.
    """
    new = read_password(email, password_stdin)
    with open_db(db).session() as session:
        ended = accounts.set_password(session, accounts.get_user(session, email), new)
    typer.echo(f"password changed for {email}")
    console.print(
        f"{plural(ended.sessions, 'web session')} signed out, "
        f"{plural(ended.tokens, 'API token')} revoked",
        highlight=False,
    )


@app.command()
@handle_errors
def token(
    email: str,
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    days: Annotated[int | None, typer.Option(help="Lifetime in days (default 90).")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a personal API token; the secret is printed once."""
    with open_db(db).session() as session:
        new = accounts.create_token(
            session, cli_settings(db), accounts.get_user(session, email), name, days
        )
        result = {
            "id": new.token.id,
            "name": new.token.name,
            "token": new.secret,
            "expires_at": new.token.expires_at,
        }
    if as_json:
        print_json(result)
        return
    typer.echo(new.secret)
    console.print(f"token {result['id']} expires {result['expires_at']:%Y-%m-%d}; store it now")


@app.command()
@handle_errors
def tokens(email: str, db: DbOption = None, as_json: JsonOption = False) -> None:
    """A user's API tokens (never their secrets)."""
    with open_db(db).session() as session:
        rows = [
            {
                "id": t.id,
                "name": t.name,
                "prefix": t.prefix,
                "expires_at": t.expires_at,
                "revoked_at": t.revoked_at,
                "last_used_at": t.last_used_at,
            }
            for t in accounts.list_tokens(session, accounts.get_user(session, email))
        ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        state = "revoked" if row["revoked_at"] else f"expires {row['expires_at']:%Y-%m-%d}"
        typer.echo(f"{row['id']}\tfil_{row['prefix']}…\t{row['name']}\t{state}")


@app.command()
@handle_errors
def revoke(token_id: int, db: DbOption = None) -> None:
    """Revoke an API token by id (see `filiera user tokens EMAIL`)."""
    if token_id < 1:
        raise ValidationFailed("bad id", errors=[field_error("token", "id", "must be positive")])
    with open_db(db).session() as session:
        accounts.revoke_token(session, None, token_id)
    typer.echo(f"revoked token {token_id}")
