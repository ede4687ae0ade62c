"""Alembic environment: runs against the engine handed over by filiera.migrate."""

from alembic import context

from filiera.access import models as access_models  # noqa: F401  (registers the tables)
from filiera.capacity import models as capacity_models  # noqa: F401
from filiera.consortia import models as consortia_models  # noqa: F401
from filiera.db import Base, make_engine
from filiera.directory import models as directory_models  # noqa: F401
from filiera.events import models as events_models  # noqa: F401
from filiera.match import models as match_models  # noqa: F401
from filiera.needs import models as need_models  # noqa: F401
from filiera.news import models as news_models  # noqa: F401
from filiera.registry import changes as registry_changes  # noqa: F401
from filiera.registry import models  # noqa: F401

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url")
    )
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations()
