"""The layers of docs/architecture.md, enforced: a wrong import fails the suite.

The contracts live in pyproject.toml (`[tool.importlinter]`); `lint-imports` checks them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


RUN = (
    "import sys; from importlinter.cli import lint_imports; "
    "sys.exit(lint_imports(config_filename=sys.argv[1] or None, no_cache=True, no_logo=True))"
)


def lint(config: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run import-linter in a fresh interpreter (it imports nothing of Filiera itself)."""
    command = [sys.executable, "-c", RUN, str(config or "")]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_import_contracts_hold() -> None:
    result = lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    """The contract bites: registry importing the API would be reported."""
    config = tmp_path / "contracts.ini"
    config.write_text(
        textwrap.dedent(
            """
            [importlinter]
            root_package = filiera

            [importlinter:contract:upside-down]
            name = API below the registry (wrong on purpose)
            type = layers
            containers = filiera
            layers =
                registry
                api
            """
        )
    )
    result = lint(config)
    assert result.returncode != 0
    assert "filiera.api is not allowed to import filiera.registry" in result.stdout
