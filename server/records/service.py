"""Changing records: every change bumps the version and leaves an audit entry."""
from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import with_polymorphic

from ..auth.models import Officer
from ..core.db import core_execute, db, utcnow
from ..core.timezone import local_date
from .models import MODEL_BY_KIND, AuditEntry, IntelligenceLog, Record
from .schemas import _DUMPERS

AnyKindRecord = with_polymorphic(Record, "*")
RESTRICTED_MARK = "[restricted text changed]"


def get_record(record_id: uuid.UUID) -> Record | None:
    return db.session.scalar(select(AnyKindRecord).where(AnyKindRecord.id == record_id))


def comparable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def content_of(record: Record) -> dict:
    return {f: getattr(record, f) for f in type(record).content_fields()}


def content_differences(record: Record, data: dict) -> dict[str, tuple[Any, Any]]:
    """Fields whose incoming value differs from the stored one."""
    diffs = {}
    for field in type(record).content_fields():
        if field not in data:
            continue
        before, after = getattr(record, field), data[field]
        if comparable(before) != comparable(after):
            diffs[field] = (before, after)
    return diffs


def audit_changes(diffs: dict[str, tuple[Any, Any]]) -> dict[str, list]:
    """Before/after for the audit trail; intelligence text is never copied there."""
    out = {}
    for field, (before, after) in diffs.items():
        if field in IntelligenceLog.RESTRICTED:
            out[field] = [None, RESTRICTED_MARK]
        else:
            out[field] = [comparable(before), comparable(after)]
    return out


def add_audit(actor_id: int, record: Record, action: str, changes=None, comment=None) -> AuditEntry:
    entry = AuditEntry(actor_id=actor_id, record_id=record.id, record_officer_id=record.officer_id,
                       action=action, version=record.version, changes=changes, comment=comment, at=utcnow())
    db.session.add(entry)
    return entry


def apply_amendment(record: Record, data: dict, actor_id: int) -> dict:
    """Write the officer's edit; a returned or verified entry goes back for review."""
    diffs = content_differences(record, data)
    if not diffs:
        return {}
    for field, (_, after) in diffs.items():
        setattr(record, field, after)
    if "occurred_at" in diffs:
        record.occurred_on = local_date(record.occurred_at)
    status_before = record.status
    if record.status in ("returned", "verified"):
        record.status = "submitted"
    record.version += 1
    record.updated_at = utcnow()
    changes = audit_changes(diffs)
    if status_before != record.status:
        changes["status"] = [status_before, record.status]
    add_audit(actor_id, record, "amend", changes)
    return changes


def set_status(record: Record, status: str, actor_id: int, action: str, comment: str | None) -> None:
    before = record.status
    record.status = status
    record.version += 1
    record.updated_at = utcnow()
    if action == "return":
        record.review_comment = comment
    elif action == "void":
        record.void_reason = comment
    add_audit(actor_id, record, action, {"status": [before, status]}, comment)


def author_team(officer_id: int) -> str | None:
    """The team a new record is logged under: the signed-in officer's, read with their session
    (no query), else looked up."""
    if has_request_context() and getattr(current_user, "id", None) == officer_id:
        return current_user.team
    return db.session.scalar(select(Officer.team).where(Officer.id == officer_id))


def record_rows(data: dict, officer_id: int, device_id: str | None, now, team: str | None) -> tuple[dict, dict]:
    """The row for `records` and the row for the kind's own table, ready for a bulk insert;
    `team` is the author's (author_team)."""
    model = MODEL_BY_KIND[data["kind"]]
    common = {f: data.get(f) for f in Record.COMMON_CONTENT}
    common.update(id=data["id"], kind=data["kind"], officer_id=officer_id, team=team, status="submitted", version=1,
                  received_at=now, updated_at=now, device_id=device_id,
                  occurred_on=local_date(data["occurred_at"]))
    detail = {f: data.get(f) for f in model.DETAIL_CONTENT}
    detail["id"] = data["id"]
    return common, detail


def full_payload(record: Record) -> dict:
    """The record as an edit would send it whole: used to merge a partial change before validating."""
    dumped = _DUMPERS[record.kind].dump(record)
    keep = ("id", "kind") + type(record).content_fields()
    return {k: dumped[k] for k in keep if k in dumped}


@cache
def _reference_queries():
    """The checker's three lookups, built once (a one-record sync spent as long building them as running them)."""
    from ..operations.models import Operation
    from .models import Shift, StopSearch

    ids = bindparam("ids", expanding=True)
    return (select(Operation.id, Operation.starts_on, Operation.ends_on).where(Operation.id.in_(ids)),
            select(Shift.id, Shift.officer_id, Shift.operation_id).where(Shift.id.in_(ids)),
            select(StopSearch.id).where(StopSearch.id.in_(ids)))


class ReferenceChecker:
    """Checks what payloads point at (operation, shift, linked stop search) with
    a few queries for a whole batch rather than a few per record."""

    def __init__(self, officer_id: int, payloads: list[dict], batch_shifts: dict | None = None):
        operations_q, shifts_q, stop_searches_q = _reference_queries()
        self.officer_id = officer_id
        op_ids = {p["operation_id"] for p in payloads}
        self.operations = {r.id: r for r in core_execute(operations_q, {"ids": list(op_ids)})} if op_ids else {}
        self.shifts = dict(batch_shifts or {})
        shift_ids = {p["shift_id"] for p in payloads if p.get("shift_id")} - set(self.shifts)
        if shift_ids:
            for r in core_execute(shifts_q, {"ids": list(shift_ids)}):
                self.shifts[r.id] = (r.officer_id, r.operation_id)
        linked = {p["linked_stop_search_id"] for p in payloads if p.get("linked_stop_search_id")}
        self.stop_searches = set(core_execute(stop_searches_q, {"ids": list(linked)}).scalars()) if linked else set()

    def add_batch_shifts(self, batch_shifts: dict) -> None:
        """Shifts accepted from the same batch, as (officer id, operation id) by shift id."""
        self.shifts.update(batch_shifts)

    def accept_stop_search(self, record_id) -> None:
        """A stop search in the same batch can be linked from an arrest after it."""
        self.stop_searches.add(record_id)

    def errors(self, data: dict) -> dict[str, list[str]]:
        errs: dict[str, list[str]] = {}
        op = self.operations.get(data["operation_id"])
        if op is None:
            errs["operation_id"] = ["No such operation."]
        else:
            day = local_date(data["occurred_at"])
            if day < op.starts_on:
                errs["occurred_at"] = [f"Before the operation started ({op.starts_on.isoformat()})."]
            elif op.ends_on is not None and day > op.ends_on:
                errs["occurred_at"] = [f"After the operation ended ({op.ends_on.isoformat()})."]
        shift_id = data.get("shift_id")
        if shift_id is not None:
            shift = self.shifts.get(shift_id)
            if shift is None:
                errs["shift_id"] = ["No such shift; send the shift first or in the same batch."]
            elif shift[0] != self.officer_id:
                errs["shift_id"] = ["That shift is another officer's."]
            elif shift[1] != data["operation_id"]:
                errs["shift_id"] = ["That shift belongs to another operation."]
        link = data.get("linked_stop_search_id")
        if link is not None and link not in self.stop_searches:
            errs["linked_stop_search_id"] = ["No such stop search."]
        return errs
