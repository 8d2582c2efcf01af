from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (JSON, BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, Uuid)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import Officer
from ..core.db import UTCDateTime, db, utcnow
from .reference import Status

# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Shift(db.Model):
    """A tour of duty; made on the phone, so its id is the phone's UUID."""

    __tablename__ = "shifts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device_id: Mapped[str | None] = mapped_column(String(64))

    officer: Mapped[Officer] = relationship()

    __table_args__ = (
        Index("ix_shifts_officer_started", "officer_id", "started_at"),
        Index("ix_shifts_operation_started", "operation_id", "started_at"),
    )


class Record(db.Model):
    """What an officer logged. The four kinds extend it (joined-table inheritance)."""

    __tablename__ = "records"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    # The author's team when it was logged: the team's figures keep it when the officer moves on.
    team: Mapped[str | None] = mapped_column(String(64))
    shift_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("shifts.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The force-local calendar day of occurred_at: counting by day/week/month
    # must follow the clock officers work by, and an index can serve it.
    occurred_on: Mapped[date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(8))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=Status.SUBMITTED.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    device_id: Mapped[str | None] = mapped_column(String(64))
    # The latest word from a supervisor (why it was returned) and why it was voided.
    review_comment: Mapped[str | None] = mapped_column(Text)
    void_reason: Mapped[str | None] = mapped_column(Text)

    officer: Mapped[Officer] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_abstract": True}
    __table_args__ = (
        Index("ix_records_operation_occurred", "operation_id", "occurred_at"),
        Index("ix_records_operation_day", "operation_id", "occurred_on", "kind", "area", "status"),
        Index("ix_records_officer_occurred", "officer_id", "occurred_at"),
        Index("ix_records_shift", "shift_id"),
        # Tallies scoped to an officer or a team (covering: counted from the index alone).
        Index("ix_records_officer_operation_day", "officer_id", "operation_id", "occurred_on", "kind", "area",
              "status"),
        Index("ix_records_team_operation_day", "team", "operation_id", "occurred_on", "kind", "area", "status",
              "officer_id"),
    )

    # Fields the officer writes; a re-send is "unchanged" when these all match.
    COMMON_CONTENT = ("operation_id", "shift_id", "occurred_at", "area", "latitude", "longitude", "place", "notes")
    DETAIL_CONTENT: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def content_fields(cls) -> tuple[str, ...]:
        return cls.COMMON_CONTENT + cls.DETAIL_CONTENT


class StopSearch(Record):
    __tablename__ = "stop_searches"
    __mapper_args__ = {"polymorphic_identity": "stop_search"}

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    search_type: Mapped[str] = mapped_column(String(40))
    legislation: Mapped[str] = mapped_column(String(100))
    object_of_search: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(60))
    outcome_linked_to_object_of_search: Mapped[bool | None] = mapped_column(Boolean)
    removal_of_more_than_outer_clothing: Mapped[bool | None] = mapped_column(Boolean)
    gender: Mapped[str | None] = mapped_column(String(10))
    age_range: Mapped[str | None] = mapped_column(String(10))
    self_defined_ethnicity: Mapped[str | None] = mapped_column(String(100))
    officer_defined_ethnicity: Mapped[str | None] = mapped_column(String(10))

    DETAIL_CONTENT = ("search_type", "legislation", "object_of_search", "outcome",
                      "outcome_linked_to_object_of_search", "removal_of_more_than_outer_clothing",
                      "gender", "age_range", "self_defined_ethnicity", "officer_defined_ethnicity")


class Arrest(Record):
    __tablename__ = "arrests"
    __mapper_args__ = {"polymorphic_identity": "arrest"}

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    offence_category: Mapped[str] = mapped_column(String(48))
    power_of_arrest: Mapped[str] = mapped_column(String(24))
    linked_stop_search_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stop_searches.id"))
    custody_reference: Mapped[str | None] = mapped_column(String(40))
    arrest_outcome: Mapped[str | None] = mapped_column(String(40))

    DETAIL_CONTENT = ("offence_category", "power_of_arrest", "linked_stop_search_id", "custody_reference",
                      "arrest_outcome")


class SafeguardingReferral(Record):
    __tablename__ = "safeguarding_referrals"
    __mapper_args__ = {"polymorphic_identity": "safeguarding_referral"}

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    subject: Mapped[str] = mapped_column(String(16))
    concern_categories: Mapped[list[str]] = mapped_column(JSON)
    agency: Mapped[str] = mapped_column(String(40))
    risk_level: Mapped[str] = mapped_column(String(10))
    ppn_reference: Mapped[str | None] = mapped_column(String(40))

    DETAIL_CONTENT = ("subject", "concern_categories", "agency", "risk_level", "ppn_reference")


class IntelligenceLog(Record):
    """3x5x2-graded intelligence. Deliberately no column for who gave it."""

    __tablename__ = "intelligence_logs"
    __mapper_args__ = {"polymorphic_identity": "intelligence_log"}

    id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"), primary_key=True)
    source_evaluation: Mapped[str] = mapped_column(String(1))
    intelligence_assessment: Mapped[str] = mapped_column(String(1))
    handling_code: Mapped[str] = mapped_column(String(1))
    handling_conditions: Mapped[str | None] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JSON)
    how_obtained: Mapped[str] = mapped_column(String(40))
    intelligence_text: Mapped[str] = mapped_column(Text)

    DETAIL_CONTENT = ("source_evaluation", "intelligence_assessment", "handling_code", "handling_conditions",
                      "topics", "how_obtained", "intelligence_text")
    # Never copied into the audit trail or logs, and shown only to those cleared to read it.
    RESTRICTED = frozenset({"intelligence_text"})
    # Everything that could name or locate a source: what it says and where, the exact times (the
    # day is shown instead), the shift and phone it was logged on, and free text that may quote it.
    # Withheld wherever a log reaches someone who may not read its text (records.access): every
    # record answer, the history and the records CSV. A new field that could identify a source is
    # added here and nowhere else.
    SOURCE_REVEALING = RESTRICTED | frozenset({
        "notes", "place", "latitude", "longitude", "handling_conditions",
        "occurred_at", "received_at", "updated_at", "shift_id", "device_id",
        "review_comment", "void_reason"})


MODEL_BY_KIND: dict[str, type[Record]] = {
    "stop_search": StopSearch,
    "arrest": Arrest,
    "safeguarding_referral": SafeguardingReferral,
    "intelligence_log": IntelligenceLog,
}


class AuditEntry(db.Model):
    """Append-only history of every change to a record. No API alters it."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    record_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("records.id"))
    # The officer whose record it is: lets an officer's change feed use one index.
    record_officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    action: Mapped[str] = mapped_column(String(16))  # create, amend, verify, return, void
    version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[dict | None] = mapped_column(JSON)  # {"field": [before, after]}
    comment: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[Officer] = relationship(foreign_keys=[actor_id])

    __table_args__ = (
        Index("ix_audit_entries_record", "record_id", "id"),
        Index("ix_audit_entries_record_officer", "record_officer_id", "id"),
        # One entry per version: a second writer of the same version is refused by the database.
        UniqueConstraint("record_id", "version"),
    )
