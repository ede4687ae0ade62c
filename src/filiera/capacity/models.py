"""Stored capacity scenarios: the YAML file, its owner and visibility, the last plan and
risk run, and the registry organisations its lines name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filiera.db import Base
from filiera.registry.models import Organisation, utcnow


class CapacityScenario(Base):
    """A scenario (self-sufficient YAML in `text`) owned by `owner_id`; `result` and `risk`
    cache the last plan and risk run of this very text (cleared when it changes)."""

    __audit__ = "capacity_scenario"
    __tablename__ = "capacity_scenario"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    visibility: Mapped[str] = mapped_column(String(12), default="restricted")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)  # set on edits
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    result_at: Mapped[datetime | None] = mapped_column(DateTime)
    risk: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    risk_at: Mapped[datetime | None] = mapped_column(DateTime)
    owner: Mapped[Organisation] = relationship()
    links: Mapped[list[CapacityLink]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan"
    )


class CapacityLink(Base):
    """A line of a scenario linked to the registry organisation it names (by PIC or name):
    that organisation's users may read the scenario, redacted to their own lines."""

    __tablename__ = "capacity_scenario_link"
    __table_args__ = (UniqueConstraint("scenario_id", "line_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("capacity_scenario.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    scenario: Mapped[CapacityScenario] = relationship(back_populates="links")
