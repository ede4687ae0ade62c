"""The shapes of the system status (`ops.status.system_status`): API, page and CLI alike."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

BackupFormat = Literal["native", "logical", "unknown"]
IndexStateName = Literal["ready", "building", "unavailable"]


class CheckOut(BaseModel):
    """One readiness check, as `/readyz` runs it."""

    name: str = Field(examples=["migrations"])
    ok: bool
    detail: str = Field(examples=["at head 0013"])


class DatabaseOut(BaseModel):
    backend: str = Field(examples=["postgresql"])
    url: str = Field(examples=["postgresql+psycopg://filiera:***@127.0.0.1:5432/filiera"])
    revision: str | None = Field(description="The database's schema revision", examples=["0013"])
    head: str | None = Field(
        description="The newest revision this release ships", examples=["0013"]
    )
    size_bytes: int | None = Field(
        default=None,
        description="SQLite: the file; PostgreSQL: pg_database_size",
        examples=[9_000_000],
    )
    problem: str | None = Field(
        default=None, description="Why revision or size could not be read", examples=[None]
    )


class IndexOut(BaseModel):
    state: IndexStateName = Field(examples=["ready"])
    documents: int | None = Field(default=None, examples=[1548])
    age_seconds: float | None = Field(default=None, examples=[5400.0])
    size_bytes: int | None = Field(default=None, examples=[2_400_000])
    problem: str | None = Field(default=None, examples=[None])


class BackupFileOut(BaseModel):
    name: str = Field(examples=["filiera-0013-20261204T020000Z.dump"])
    format: BackupFormat = Field(
        description="From the file's first bytes (not a full check: `filiera restore --check`)",
        examples=["native"],
    )
    backend: str | None = Field(
        default=None, description="The backend of a native backup", examples=["postgresql"]
    )
    size_bytes: int = Field(examples=[8_400_000])
    modified_at: str = Field(examples=["2026-12-04T02:00:05+00:00"])
    age_seconds: float = Field(examples=[43_200.0])


class BackupsOut(BaseModel):
    folder: str = Field(examples=["/var/backups/filiera"])
    files: list[BackupFileOut] = Field(description="Newest first")
    newest_age_seconds: float | None = Field(default=None, examples=[43_200.0])
    fresh: bool = Field(description="A backup was written within max_age_hours")
    max_age_hours: float = Field(examples=[26])
    problem: str | None = Field(default=None, examples=[None])


class WarningOut(BaseModel):
    code: Literal["not_ready", "no_backup", "backup_too_old"] = Field(examples=["backup_too_old"])
    message: str = Field(examples=["no backup in the last day: the newest is 3 days old"])


class SystemStatus(BaseModel):
    """Whether the installation is healthy and safe: what an administrator checks."""

    ok: bool = Field(description="Every readiness check passes and a backup is fresh")
    version: str = Field(examples=["0.1.0"])
    checked_at: str = Field(examples=["2026-12-04T14:40:24+00:00"])
    checks: list[CheckOut]
    database: DatabaseOut
    match_index: IndexOut
    backups: BackupsOut
    warnings: list[WarningOut]
