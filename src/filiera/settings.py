"""One typed settings object, read from `FILIERA_*` environment variables."""

from __future__ import annotations

from functools import cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from filiera.errors import ConfigurationError

DATA_DIR = Path("var")  # relative to the folder commands run in: the project's folder
DEFAULT_DB_PATH = DATA_DIR / "filiera.db"
DEMO_DB_PATH = DATA_DIR / "filiera-demo.db"
DEFAULT_DATABASE_RECORD = DATA_DIR / "default-database"  # written by `filiera demo`
DEFAULT_SECRET = "development-only-secret-change-me"


def recorded_database() -> str | None:
    """The database URL `filiera demo` recorded in `var/default-database`, if any."""
    try:
        text = DEFAULT_DATABASE_RECORD.read_text(encoding="utf-8")
    except OSError:
        return None
    lines = [line.strip() for line in text.splitlines()]
    return next((line for line in lines if line and not line.startswith("#")), None)


def record_database(url: str) -> Path:
    """Make `url` the project's default database (the file is readable by its owner only)."""
    DEFAULT_DATABASE_RECORD.parent.mkdir(parents=True, exist_ok=True)
    DEFAULT_DATABASE_RECORD.write_text(
        "# The database `filiera` commands run in this folder use when given neither --db nor\n"
        "# FILIERA_DATABASE_URL; written by `filiera demo`. Delete it to go back to "
        f"sqlite:///{DEFAULT_DB_PATH}.\n{url}\n",
        encoding="utf-8",
    )
    DEFAULT_DATABASE_RECORD.chmod(0o600)  # a PostgreSQL URL may carry a password
    return DEFAULT_DATABASE_RECORD


def project_database() -> str:
    """The default database: the one `filiera demo` recorded, else `var/filiera.db`."""
    return recorded_database() or f"sqlite:///{DEFAULT_DB_PATH}"


class Settings(BaseSettings):
    """Filiera settings; every field maps to `FILIERA_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="FILIERA_", extra="ignore")

    database_url: str = Field(
        default_factory=project_database,
        description="SQLAlchemy URL, sqlite:///path or postgresql+psycopg://...; default: the "
        "database `filiera demo` recorded in var/default-database, else sqlite:///var/filiera.db.",
    )
    host: str = Field(default="127.0.0.1", description="Address the web server binds to.")
    port: int = Field(default=8000, description="Port the web server listens on.")
    default_language: str = Field(default="en", description="UI language: en or it.")
    shared_data_dir: Path = Field(
        default=Path("../shared/data"), description="Folder with the real EDF/H2020 data."
    )
    echo_sql: bool = Field(default=False, description="Log every SQL statement.")
    index_dir: Path = Field(
        default=DATA_DIR / "match-index",
        description="Folder where the match index of a PostgreSQL database is saved between "
        "restarts (a SQLite database's index is saved beside its file).",
    )
    ranker_path: Path | None = Field(
        default=None,
        description="Learned matchmaking model to use instead of the database's own (saved "
        "by `filiera ranker train` beside its match index) or the packaged one.",
    )
    backup_dir: Path | None = Field(
        default=None,
        description="Folder where `filiera db upgrade` writes the backup it takes first; "
        "default: beside a SQLite database's file, else var/backups.",
    )
    environment: Literal["development", "production"] = Field(
        default="development",
        description="production refuses default secrets and sends cookies over HTTPS only.",
    )
    secret_key: str = Field(
        default=DEFAULT_SECRET,
        description="Key for hashing session ids and API tokens and signing CSRF tokens.",
    )
    session_idle_minutes: int = Field(
        default=60, description="A web session ends after this long without a request."
    )
    session_max_hours: int = Field(
        default=12, description="A web session ends this long after sign-in, whatever happens."
    )
    cookie_secure: bool | None = Field(
        default=None, description="Send cookies over HTTPS only (default: in production)."
    )
    max_failed_sign_ins: int = Field(
        default=5,
        ge=1,
        description="Wrong passwords in a row from one address on one account before it waits.",
    )
    lockout_minutes: int = Field(
        default=15, ge=1, description="First back-off wait; doubles with each further failure."
    )
    lockout_max_minutes: int = Field(
        default=24 * 60, ge=1, description="Longest back-off wait (the doubling stops here)."
    )
    sign_in_per_minute: int = Field(
        default=10, description="Sign-in attempts allowed per minute per address and per account."
    )
    api_requests_per_minute: int = Field(
        default=600, description="Requests allowed per minute per API token."
    )
    token_days: int = Field(default=90, description="Default lifetime of a new API token.")
    max_body_bytes: int = Field(
        default=1_000_000, description="Largest request body accepted (413 beyond)."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="Server log lines: text, or json (one object a line)."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Least severe log level written."
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token that may read /metrics (administrators always may).",
    )

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def split_proxies(cls, value: object) -> object:
        """Read `10.0.0.1, 10.1.0.0/16` as a list; refuse an entry that is not an IP or CIDR."""
        if isinstance(value, str):
            value = [item for item in value.replace(",", " ").split() if item]
        for item in value if isinstance(value, list) else ():
            ip_network(str(item), strict=False)  # ValueError names the bad entry
        return value

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def any_case(cls, value: object, info) -> object:
        """`info` and `JSON` read as `INFO` and `json`."""
        if not isinstance(value, str):
            return value
        return value.upper() if info.field_name == "log_level" else value.lower()

    @model_validator(mode="after")
    def require_real_secret_in_production(self) -> Settings:
        """Refuse to build production settings with a default or short secret."""
        if self.environment == "production" and (
            self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            # Not a ValueError: pydantic lets it through unwrapped, so every caller sees
            # the same ConfigurationError (and the CLI prints its message).
            raise ConfigurationError(
                "FILIERA_SECRET_KEY must be set to a random value of 32+ characters "
                "in production (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        return self


@cache
def get_settings() -> Settings:
    """The settings from the environment (cached): the one place that reads it.

    Only the entry points call this (`create_app` when given no settings, and the CLI);
    everything else is handed a `Settings`, and tests build their own.
    """
    return Settings()
