from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Integer, String, Text, or_, select, true
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import UTCDateTime, db, utcnow
from ..core.timezone import local_today


class Operation(db.Model):
    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    local_policing_area: Mapped[str] = mapped_column(String(64))
    target_areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    # A named policing operation (police.uk's "Part of a policing operation"); false for routine
    # patrol or a baseline kept for comparison.
    is_policing_operation: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_current(self) -> bool:
        today = local_today()
        return self.starts_on <= today and (self.ends_on is None or self.ends_on >= today)

    @classmethod
    def current(cls) -> list["Operation"]:
        """Operations an officer can log against today."""
        today = local_today()
        stmt = (select(cls).where(cls.starts_on <= today, or_(cls.ends_on.is_(None), cls.ends_on >= today))
                .order_by(cls.starts_on.desc(), cls.id))
        return list(db.session.scalars(stmt))
