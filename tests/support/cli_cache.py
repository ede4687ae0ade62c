"""Each Typer app's click command tree built once per test process (a pytest plugin).

Typer's `CliRunner.invoke` rebuilds the tree of the whole `filiera` command on every call:
every command's signature and type hints, about 0.2-0.5 s, more than most commands take
to run. A tree never changes once the app's modules are loaded (nothing in the suite adds
commands to an app it then invokes), and click runs one tree any number of times, each
run with a context of its own, as the `filiera` console script runs it once per process.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import typer.testing
from typer.main import get_command


@cache
def command_of(app: typer.Typer) -> Any:
    """The click command of `app`, built on its first invocation in this process."""
    return get_command(app)


typer.testing._get_command = command_of  # what CliRunner.invoke calls
