"""One typed settings object, read from `FILIERA_*` environment variables."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("var") / "filiera.db"


class Settings(BaseSettings):
    """Filiera settings; every field maps to `FILIERA_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="FILIERA_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_DB_PATH}",
        description="SQLAlchemy URL; sqlite:///path (default) or postgresql+psycopg://...",
    )
    host: str = Field(default="127.0.0.1", description="Address the web server binds to.")
    port: int = Field(default=8000, description="Port the web server listens on.")
    default_language: str = Field(default="en", description="UI language: en or it.")
    page_size_max: int = Field(default=200, description="Largest page the API returns.")
    shared_data_dir: Path = Field(
        default=Path("../shared/data"), description="Folder with the real EDF/H2020 data."
    )
    echo_sql: bool = Field(default=False, description="Log every SQL statement.")


@cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests build their own `Settings`)."""
    return Settings()
