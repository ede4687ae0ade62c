"""Is a backup's schema revision one this Filiera can restore (and then migrate)?"""

from __future__ import annotations

from functools import cache

from alembic.config import Config
from alembic.script import ScriptDirectory

from filiera.errors import ValidationFailed, field_error
from filiera.migrate import MIGRATIONS


@cache
def known_revisions() -> tuple[str, ...]:
    """Every revision shipped with this Filiera, oldest first (read once: Alembic loads
    every migration file to list them)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    walked = ScriptDirectory.from_config(config).walk_revisions()
    return tuple(script.revision for script in reversed(list(walked)))


def newest() -> str:
    """The head revision of this Filiera (as `migrate.head()`, read once)."""
    return known_revisions()[-1]


def check_restorable(revision: str | None, source: str) -> str:
    """`revision` when this Filiera knows it; otherwise a refusal naming the file."""
    latest = newest()
    if revision is None:
        problem = "it records no schema revision: not a Filiera backup"
    elif revision in known_revisions():
        return revision
    elif revision.isdigit() and revision > latest:
        problem = (
            f"its schema revision {revision} is newer than this Filiera's ({latest}): "
            "restore it with the Filiera that wrote it, or upgrade Filiera first"
        )
    else:
        problem = f"its schema revision {revision!r} is unknown to this Filiera (head {latest})"
    raise ValidationFailed(
        f"{source}: {problem}; nothing was changed",
        errors=[field_error(source, "revision", problem)],
    )
