"""A per-day count of records kept by the database itself.

`record_day_counts` holds, for each (operation, local day, kind, area, status),
how many records there are. Triggers on `records` (created in migration 0002,
for PostgreSQL and SQLite) keep it exact on every insert, update and delete,
whichever code path writes (the sync API's bulk insert, the ORM, a script), so
a force-wide tally of an operation with a million records sums a few thousand
rows instead of scanning a million.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import db


class RecordDayCount(db.Model):
    __tablename__ = "record_day_counts"

    operation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_on: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    area: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        # A districts comparison reaches across operations by day and district.
        Index("ix_record_day_counts_day_area", "occurred_on", "area"),
        # SQLite: stored in key order, the counts read straight off the key's b-tree (migration 0003).
        {"sqlite_with_rowid": False},
    )


class RecordTeamDayCount(db.Model):
    """The same per team: for each (operation, team, local day, kind, area, status), how many
    records were logged under that team (`records.team`). Kept by triggers on `records`
    (migrations 0003, 0006), so a sergeant's tally of a long operation sums a few thousand rows
    too; an officer changing team changes nothing here. Records logged with no team are not
    counted here."""
    __tablename__ = "record_team_day_counts"

    operation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    occurred_on: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    area: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = ({"sqlite_with_rowid": False},)


class RecordWeekCount(db.Model):
    """`record_day_counts` summed by ISO week (`week` is its Monday), kept by triggers on the day
    counts (migration 0004): a tally not grouped by day or month reads its period's whole weeks
    here and only the edge days from the day counts."""
    __tablename__ = "record_week_counts"

    operation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    area: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = ({"sqlite_with_rowid": False},)


class RecordTeamWeekCount(db.Model):
    """`record_team_day_counts` summed by ISO week, the same way (migration 0004)."""
    __tablename__ = "record_team_week_counts"

    operation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team: Mapped[str] = mapped_column(String(64), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    area: Mapped[str] = mapped_column(String(8), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = ({"sqlite_with_rowid": False},)
