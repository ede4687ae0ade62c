"""The docs stay true: every setting and every command is documented."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import typer

from filiera.cli import reference
from filiera.cli.main import app
from filiera.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text()
    missing = [
        f"FILIERA_{n.upper()}" for n in Settings.model_fields if f"FILIERA_{n.upper()}" not in text
    ]
    assert not missing


def command_names(typer_app: typer.Typer) -> set[str]:
    names = {c.name or c.callback.__name__ for c in typer_app.registered_commands}
    return names | {g.name for g in typer_app.registered_groups}


def test_every_top_level_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in command_names(app) if f"filiera {name}" not in readme]
    assert not missing


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    test_command = 'pip install -e ".[test]" && python -m pytest -q -p no:cacheprovider'
    assert "pip install -e . && filiera demo" in readme
    assert test_command in readme
    assert 'install -e ".[test]"' in (ROOT / ".ci" / "run").read_text()
    assert "pytest -q -p no:cacheprovider" in (ROOT / ".ci" / "run").read_text()


def test_cli_reference_is_current() -> None:
    """docs/cli.md is exactly what `--help` prints today."""
    current = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    expected = reference.render()
    if current != expected:
        diff = difflib.unified_diff(
            current.splitlines(), expected.splitlines(), "docs/cli.md", "--help", lineterm=""
        )
        shown = "\n".join(list(diff)[:60])
        pytest.fail(
            f"docs/cli.md is out of date; regenerate it with `{reference.REGENERATE}`\n{shown}",
            pytrace=False,
        )


def test_every_command_is_in_the_cli_reference() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    paths = reference.command_paths()
    assert ("org", "edit") in paths and ("review",) in paths
    missing = [
        " ".join(path)
        for path in paths
        if f"\n## {reference.title(path)}\n" not in text
        or f"Usage: {reference.title(path)} " not in text
    ]
    assert not missing, f"not in docs/cli.md (run `{reference.REGENERATE}`): {missing}"
    assert "docs/cli.md" in (ROOT / "README.md").read_text(encoding="utf-8")
