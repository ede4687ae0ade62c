"""The Markdown CLI reference (docs/cli.md), generated from the commands' own `--help`.

Regenerate it with `python -m filiera.cli.reference docs/cli.md` (without a file name it
prints to standard output); tests/test_docs.py fails when docs/cli.md is out of date.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

WIDTH = 100
PROG = "filiera"
REGENERATE = "python -m filiera.cli.reference docs/cli.md"


def root_command() -> Any:
    """The click command tree of the `filiera` console script (Typer's vendored click)."""
    from filiera.cli.main import app

    return typer.main.get_command(app)


def walk(
    command: Any, parent: typer.Context | None = None, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], typer.Context]]:
    """Every command and sub-command, depth first in declaration order, with its context.

    Paths leave out the program name: `()` is `filiera` itself, `("org", "add")` is
    `filiera org add`. Hidden commands are skipped.
    """
    name = path[-1] if path else PROG
    ctx = typer.Context(
        command, parent=parent, info_name=name, terminal_width=WIDTH, max_content_width=WIDTH
    )
    yield path, ctx
    if isinstance(command, TyperGroup):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, ctx, (*path, sub_name))


def command_paths(command: Any = None) -> list[tuple[str, ...]]:
    """The path of every command and group below the root, e.g. `("org", "add")`."""
    return [path for path, _ in walk(command or root_command()) if path]


def plain_help(ctx: typer.Context) -> str:
    """`--help` as plain text at a fixed width: no rich panels, colours or terminal size."""
    command = ctx.command
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = None  # the tree is built afresh for every reference
    return command.get_help(ctx)


def title(path: tuple[str, ...]) -> str:
    return " ".join((PROG, *path))


def anchor(path: tuple[str, ...]) -> str:
    return "-".join((PROG, *path)).lower()


def render(command: Any = None) -> str:
    """The whole reference: a table of contents, then one section per command."""
    sections = list(walk(command or root_command()))
    lines = [
        "# CLI reference",
        "",
        f"Every `{PROG}` command with its options, as printed by `--help`. Generated: do not",
        f"edit by hand, run `{REGENERATE}` after changing a command",
        "(tests/test_docs.py checks that this page is current).",
        "",
    ]
    for path, ctx in sections:
        indent = "  " * max(len(path) - 1, 0)
        summary = short_help(ctx.command)
        link = f"{indent}- [{title(path)}](#{anchor(path)})"
        lines.append(f"{link}: {summary}" if summary else link)
    for path, ctx in sections:
        lines += ["", f"## {title(path)}", "", "```text", plain_help(ctx), "```"]
    return "\n".join(lines) + "\n"


def short_help(command: Any) -> str:
    """The first line of a command's help."""
    text = (command.help or command.short_help or "").strip()
    return text.splitlines()[0].strip() if text else ""


def main(argv: list[str] | None = None) -> None:
    """Print the reference, or write it to the file named as the only argument."""
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args:
        Path(args[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
