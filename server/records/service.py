"""Changing records: every change bumps the version and leaves an audit entry.

Every path that changes a stored entry (an edit by PATCH or sync, verify, return,
void) first locks its row (lock_records), then compares the version the change
was based on with the stored one, then writes the next version. So of writers
racing from the same version exactly one wins; the others wait for it and then
see the version it wrote, and are refused. The audit trail's unique
(record_id, version) is the database's own guard that no version is written twice.

Below the building blocks, what the records API asks (amend_record, void_record,
review_record, record_history, record_page) and the one filter behind the list and
the exports (records_matching)."""
from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import bindparam, func, not_, select
from sqlalchemy.orm import with_polymorphic

from ..auth.models import Officer
from ..core.db import core_execute, db, utcnow
from ..core.errors import ApiError, flatten_messages
from ..core.seclog import log_access_denied
from ..core.timezone import local_date
from .access import (can_edit_record, can_review_record, can_view_record, can_void_record, listing_order,
                     scope_records, withheld_rows)
from .models import AuditEntry, IntelligenceLog, Record
from .schemas import _DUMPERS, dump_record, load_record
from .reference import Status

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


def audit_row(record_id, record_officer_id: int, actor_id: int, action: str, version: int, changes=None,
              comment=None, at=None) -> dict:
    """The values of one audit entry: the one definition behind add_audit's ORM object and a sync
    batch's bulk insert of its new entries' "create" rows."""
    return {"record_id": record_id, "record_officer_id": record_officer_id, "actor_id": actor_id, "action": action,
            "version": version, "changes": changes, "comment": comment, "at": utcnow() if at is None else at}


def add_audit(actor_id: int, record: Record, action: str, changes=None, comment=None) -> AuditEntry:
    """The audit entry of the version just written to `record`."""
    entry = AuditEntry(**audit_row(record.id, record.officer_id, actor_id, action, record.version, changes, comment))
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
    if record.status in (Status.RETURNED, Status.VERIFIED):
        record.status = Status.SUBMITTED
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
    a few queries for all of them rather than a few per record (sync.service.BatchReferences
    adds what the same batch brings).

    A linked stop search must be one the officer may see (access.scope_records, the
    rule of can_view_record); one that exists but is not theirs gets the same answer as
    one that does not exist, so ids cannot be probed."""

    def __init__(self, officer_id: int, payloads: list[dict]):
        operations_q, shifts_q, stop_searches_q = _reference_queries()
        self.officer_id = officer_id
        op_ids = {p["operation_id"] for p in payloads}
        self.operations = {r.id: r for r in core_execute(operations_q, {"ids": list(op_ids)})} if op_ids else {}
        self.shifts: dict[uuid.UUID, tuple[int, int]] = {}
        shift_ids = {p["shift_id"] for p in payloads if p.get("shift_id")}
        if shift_ids:
            for r in core_execute(shifts_q, {"ids": list(shift_ids)}):
                self.shifts[r.id] = (r.officer_id, r.operation_id)
        linked = {p["linked_stop_search_id"] for p in payloads if p.get("linked_stop_search_id")}
        self.stop_searches = set()
        if linked:
            visible = scope_records(stop_searches_q, db.session.get(Officer, officer_id), Officer, Record)
            self.stop_searches = set(core_execute(visible, {"ids": list(linked)}).scalars())

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


# ---- what a request asks of one record, or of the list ------------------------------------------

STALE_REVIEW = "This entry changed since you opened it; check it again."
# The list's and the exports' filters that are one column equal to the value given.
EQUALITY_FILTERS = {"operation": "operation_id", "kind": "kind", "officer": "officer_id", "area": "area",
                    "status": "status", "shift": "shift_id"}


def records_matching(viewer, filters: dict, model=AnyKindRecord):
    """SELECT (unordered) of the records `viewer` may see that match `filters`: any of EQUALITY_FILTERS,
    from_ and to (local days, inclusive); one absent or None does not filter. `model` narrows it to one
    kind's model (with its own columns)."""
    stmt = scope_records(select(model), viewer, Officer, model)
    for name, column in EQUALITY_FILTERS.items():
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(model, column) == filters[name])
    withheld = withheld_rows(model, viewer)
    if withheld is not None and filters.get("shift") is not None:
        stmt = stmt.where(not_(withheld))  # a withheld log's shift is withheld: no filter may reveal it
    if filters.get("from_"):
        stmt = stmt.where(model.occurred_on >= filters["from_"])
    if filters.get("to"):
        stmt = stmt.where(model.occurred_on <= filters["to"])
    return stmt


def record_page(viewer, args: dict) -> dict:
    """One page of the records list, newest first (records.access.listing_order), with the total."""
    stmt = records_matching(viewer, args)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page, per_page = args["page"], args["per_page"]
    items = db.session.scalars(stmt.order_by(*listing_order(AnyKindRecord, viewer))
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


def visible_record_or_404(viewer, record_id: uuid.UUID, for_change: bool = False) -> Record:
    """for_change: the row stays locked until the commit (lock_records), so the version
    compared is the version the change is written over."""
    record = get_record(record_id, for_change=for_change)
    if record is not None and not can_view_record(viewer, record):
        log_access_denied("not_visible", 404)
    if record is None or not can_view_record(viewer, record):
        # The same answer whether it does not exist or is not yours: ids cannot be probed.
        raise ApiError(404, "No such record.")
    return record


def version_conflict(record: Record, viewer, message: str):
    raise ApiError(409, message, code="version_conflict", extra={"record": dump_record(record, viewer)})


def _refuse_voided(record: Record, viewer, message: str) -> None:
    if record.status == Status.VOIDED:
        raise ApiError(409, message, code="voided", extra={"record": dump_record(record, viewer)})


def amend_record(viewer, record_id: uuid.UUID, body) -> Record:
    """The author's edit (PATCH): `body` holds base_version and the fields to change, merged over the
    stored entry and validated whole. A retried edit that already landed is answered with the entry."""
    record = visible_record_or_404(viewer, record_id, for_change=True)
    if not can_edit_record(viewer, record):
        raise ApiError(403, "Only the officer who logged this entry can change it.")
    if not isinstance(body, dict):
        raise ApiError(400, "Send a JSON object.", fields={"_schema": ["Send a JSON object."]})
    body = dict(body)
    base_version = body.pop("base_version", None)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 1:
        raise ApiError(422, "base_version is required.", fields={"base_version": ["The version your change is based on is required."]})
    for fixed in ("id", "kind"):
        if fixed in body and str(body[fixed]) != str(getattr(record, fixed)):
            raise ApiError(422, f"The {fixed} of a record cannot change.", fields={fixed: ["Cannot change."]})
    _refuse_voided(record, viewer, "This entry was voided and cannot be changed.")
    merged = full_payload(record)
    merged.update(body)
    try:
        data = load_record(merged)
    except ValidationError as err:
        raise ApiError(422, "Some fields are missing or invalid.", fields=flatten_messages(err.messages))
    ref_errors = ReferenceChecker(viewer.id, [data]).errors(data)
    if ref_errors:
        raise ApiError(422, "Some fields point at something that does not exist.", fields=ref_errors)
    if base_version != record.version:
        if not content_differences(record, data):
            return record  # a retried edit that already landed
        version_conflict(record, viewer, "This entry changed since you opened it; review the server copy.")
    apply_amendment(record, data, viewer.id)
    db.session.commit()
    return record


def void_record(viewer, record_id: uuid.UUID, reason: str, base_version: int | None) -> Record:
    """Void an entry (never deleted). Voiding twice (a retry) is not an error; base_version, when sent,
    must still be the entry's version."""
    record = visible_record_or_404(viewer, record_id, for_change=True)
    if not can_void_record(viewer, record):
        raise ApiError(403, "You may not void this entry.")
    if record.status == Status.VOIDED:
        return record
    if base_version is not None and base_version != record.version:
        version_conflict(record, viewer, STALE_REVIEW)
    set_status(record, Status.VOIDED, viewer.id, "void", reason)
    db.session.commit()
    return record


REVIEWS = {"verify": Status.VERIFIED, "return": Status.RETURNED}  # action: the status it leaves


def review_record(viewer, record_id: uuid.UUID, action: str, comment: str | None, base_version: int) -> Record:
    """Verify or return an entry as a supervisor over its author, on the version they saw."""
    status = REVIEWS[action]
    record = visible_record_or_404(viewer, record_id, for_change=True)
    if not can_review_record(viewer, record):
        if record.officer_id == viewer.id:
            raise ApiError(403, "You cannot review your own entry.")
        raise ApiError(403, "Only a supervisor of this officer's team can review this entry.")
    _refuse_voided(record, viewer, "This entry was voided; there is nothing to review.")
    if review_already_done(record, status, action, comment, base_version, viewer.id):
        return record  # a retry
    if base_version != record.version:
        version_conflict(record, viewer, STALE_REVIEW)
    set_status(record, status, viewer.id, action, comment)
    db.session.commit()
    return record


def record_history(viewer, record_id: uuid.UUID) -> tuple[Record, list[AuditEntry]]:
    """The entry and its audit trail, oldest first (records.schemas.dump_history shows it to the viewer)."""
    record = visible_record_or_404(viewer, record_id)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)
                                 .order_by(AuditEntry.id)).all()
    return record, list(entries)
