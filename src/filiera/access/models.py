"""Tables for users and their affiliations, credentials, access grants and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filiera.db import Base
from filiera.registry.models import Organisation, utcnow

ROLES = ("admin", "cluster_manager", "member", "investor", "buyer", "viewer")


class User(Base):
    """A person who signs in. `role` is platform-wide; affiliations say for whom they act."""

    __audit__ = "user"
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    affiliations: Mapped[list[Affiliation]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class Affiliation(Base):
    """A user acts for this organisation (a company, or a cluster they manage)."""

    __audit__ = "affiliation"
    __tablename__ = "affiliation"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[User] = relationship(back_populates="affiliations")
    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    """A personal API token; only a keyed hash of the secret is stored."""

    __audit__ = "api_token"
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser: the cookie holds a secret whose keyed hash is `id_hash`."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class AccessGrant(Base):
    """Who may see a `restricted` record: a named organisation or everyone with a role."""

    __audit__ = "access_grant"
    __tablename__ = "access_grant"
    __table_args__ = (Index("ix_access_grant_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AuditEvent(Base):
    """One line of the append-only audit log (database triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(30), index=True)
    entity: Mapped[str | None] = mapped_column(String(30))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(64))


class SignInBackoff(Base):
    """Consecutive wrong passwords from one client address on one account, and its wait.

    Shared by every server process through the database; see `access/backoff.py`.
    """

    __tablename__ = "sign_in_backoff"
    __table_args__ = (UniqueConstraint("user_id", "address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime)


class RateLimitWindow(Base):
    """Hits counted for one rate-limit key in one fixed time window.

    Kept in the database so that every server process counts against the same limits
    (`access/ratelimit.py`); old windows are deleted as new ones start.
    """

    __tablename__ = "rate_limit_window"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)  # epoch seconds // length
    hits: Mapped[int] = mapped_column(Integer, default=0)
