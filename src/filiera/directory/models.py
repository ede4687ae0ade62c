"""Requests for an introduction to an organisation, sent by a signed-in user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from filiera.db import Base
from filiera.registry.models import Organisation, utcnow

INTRODUCTION_STATES = ("pending", "accepted", "declined")


class IntroductionRequest(Base):
    """User `requester_id` (acting for `from_org_id`, if any) asks to be put in touch with
    organisation `to_org_id`; its users see it on their account page until they answer."""

    __audit__ = "introduction_request"
    __tablename__ = "introduction_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    from_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    to_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    answered_by: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id])
    from_org: Mapped[Organisation | None] = relationship(foreign_keys=[from_org_id])
