"""One way to open the database: engine, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, event, inspect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from filiera import migrate
from filiera.errors import ConfigurationError
from filiera.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Filiera table."""

    metadata = MetaData(naming_convention=NAMING)


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and route them to psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a parent folder."""
    url = normalise_url(url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def savepoint(session: Session):
    """`session.begin_nested()` that nests on SQLite too.

    pysqlite emits BEGIN only before a data-changing statement, so a SAVEPOINT opened before
    any write is SQLite's outermost transaction and its RELEASE commits: a later rollback of
    the unit of work would not undo it. A deferred BEGIN first (it takes no lock) keeps the
    savepoint inside the unit of work.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            raw.execute("BEGIN")
    return session.begin_nested()


class Database:
    """An engine plus its session factory: the handle every service receives.

    `Database.from_settings(settings)` opens the configured database; `Database(url)` opens
    a given one (tests, benchmarks) without looking at any settings.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.engine = make_engine(url, echo=echo)
        self.url = self.engine.url.render_as_string(hide_password=False)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database at `settings.database_url`, logging SQL if `settings.echo_sql`."""
        return cls(settings.database_url, echo=settings.echo_sql)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits on success, rolls everything back on any error."""
        session = self._factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to `revision`."""
        migrate.upgrade(self.engine, revision)

    def ensure_ready(self) -> None:
        """Create a fresh database; refuse to run on one with pending migrations."""
        if not self.is_initialised():
            self.upgrade()
        elif migrate.current(self.engine) != migrate.head():
            raise ConfigurationError(
                f"database {self.engine.url.render_as_string()} is at revision "
                f"{migrate.current(self.engine)}, not {migrate.head()}: run `filiera db upgrade`"
            )

    def refresh_statistics(self) -> None:
        """Let the query planner see the new data after a large write (an import).

        SQLite keeps no statistics of its own: without them it sorts a filtered directory
        page instead of walking the name index. ANALYZE with a sampling limit costs well under
        a second at 100,000 organisations. PostgreSQL's autovacuum keeps statistics itself.
        """
        if self.dialect == "sqlite":
            with self.engine.begin() as connection:
                connection.exec_driver_sql("PRAGMA analysis_limit=1000")
                connection.exec_driver_sql("ANALYZE")

    def is_initialised(self) -> bool:
        return inspect(self.engine).has_table("alembic_version")

    def dispose(self) -> None:
        self.engine.dispose()
