"""Changing records: every change bumps the version and leaves an audit entry.

Every path that changes a stored entry (an edit by PATCH or sync, verify, return,
void) first locks its row (lock_records), then compares the version the change
was based on with the stored one, then writes the next version. So of writers
racing from the same version exactly one wins; the others wait for it and then
see the version it wrote, and are refused. The audit trail's unique
(record_id, version) is the database's own guard that no version is written twice."""
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
from .access import scope_records
from .models import MODEL_BY_KIND, AuditEntry, IntelligenceLog, Record
from .schemas import _DUMPERS

AnyKindRecord = with_polymorphic(Record, "*")
RESTRICTED_MARK = "[restricted text changed]"


def get_record(record_id: uuid.UUID, for_change: bool = False) -> Record | None:
    """The entry; for_change: its row locked first (lock_records) and the latest committed copy read."""
    stmt = select(AnyKindRecord).where(AnyKindRecord.id == record_id)
    if for_change:
        lock_records([record_id])
        stmt = stmt.execution_options(populate_existing=True)
    return db.session.scalar(stmt)


@cache
def _lock_query():
    return (select(Record.id).where(Record.id.in_(bindparam("ids", expanding=True)))
            .order_by(Record.id).with_for_update())


def lock_records(ids) -> None:
    """Hold these entries' rows until the transaction ends (PostgreSQL: SELECT .. FOR UPDATE).

    A separate statement from the one reading the entries: under READ COMMITTED a locking
    read that waited returns the new `records` row but its kind's table as it was before,
    while a read after the lock is a new snapshot with everything the previous writer
    committed. In id order and in one statement, so two batches never wait for each other.
    SQLite needs nothing: a writer holds the database's one write lock from BEGIN IMMEDIATE."""
    if not ids or db.session.get_bind().dialect.name == "sqlite":
        return
    core_execute(_lock_query(), {"ids": sorted(set(ids))})


def review_already_done(record: Record, status: str, action: str, comment: str | None, base_version: int,
                        actor_id: int) -> bool:
    """True when this review is already what is stored: nothing to do at base_version, or a retry
    of this reviewer's own review that wrote base_version + 1. Another reviewer's identical review
    on top of what this one saw is not theirs: they are shown the newer copy."""
    if record.status != status or (action == "return" and record.review_comment != comment):
        return False
    if record.version == base_version:
        return True
    if record.version != base_version + 1:
        return False
    last = db.session.execute(select(AuditEntry.actor_id, AuditEntry.action).where(
        AuditEntry.record_id == record.id, AuditEntry.version == record.version)).first()
    return last is not None and tuple(last) == (actor_id, action)


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
    from .models import Shift

    ids = bindparam("ids", expanding=True)
    return (select(Operation.id, Operation.starts_on, Operation.ends_on).where(Operation.id.in_(ids)),
            select(Shift.id, Shift.officer_id, Shift.operation_id).where(Shift.id.in_(ids)),
            select(Record.id).where(Record.kind == "stop_search", Record.id.in_(ids)))


class ReferenceChecker:
    """Checks what payloads point at (operation, shift, linked stop search) with
    a few queries for a whole batch rather than a few per record.

    A linked stop search must be one the officer may see (access.scope_records, the
    rule of can_view_record); one that exists but is not theirs gets the same answer as
    one that does not exist, so ids cannot be probed."""

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
        self.stop_searches = set()
        if linked:
            visible = scope_records(stop_searches_q, db.session.get(Officer, officer_id), Officer, Record)
            self.stop_searches = set(core_execute(visible, {"ids": list(linked)}).scalars())

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
