"""Apply a phone's batch exactly once, and tell a phone what changed in its officer's entries.

Identity is the phone's UUID. New entries go in with one multi-row
INSERT .. ON CONFLICT DO NOTHING, so a batch racing the same batch from
another device (or a retried request) stores each entry once: whichever
insert loses simply sees the row and answers "unchanged". Everything else
(edits, re-sends, conflicts) is handled per item against the stored copy.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from flask import current_app, has_request_context
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ..auth.models import Officer
from ..core.db import core_execute, db, utcnow
from ..core.errors import ApiError, flatten_messages
from ..core.timezone import local_date
from ..core.writer_queue import read_phase
from ..operations.models import Operation
from ..records.models import MODEL_BY_KIND, AuditEntry, Record, Shift
from ..records.schemas import load_record, load_shift
from ..records.service import (AnyKindRecord, ReferenceChecker, apply_amendment, audit_row, content_differences,
                               lock_records)
from . import resend
from ..records.reference import Status


def refuse_oversized(batch: dict) -> None:
    """A batch holds at most SYNC_MAX_ITEMS shifts and records together; a larger one is refused whole
    (413) before any item is checked or stored."""
    limit = current_app.config["SYNC_MAX_ITEMS"]
    count = len(batch["shifts"]) + len(batch["records"])
    if count > limit:
        raise ApiError(413, f"A batch holds at most {limit} shifts and records together; this one has {count}. "
                            "Send it in smaller batches.", code="batch_too_large",
                       fields={"records": [f"At most {limit} items per batch."]})


@cache
def _insert_new_only(dialect: str, table_name: str):
    table = db.metadata.tables[table_name]
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    raise RuntimeError(f"unsupported database {dialect}")  # pragma: no cover


def insert_new_only(table):
    """INSERT .. RETURNING id that skips rows whose primary key is already there (a concurrent
    copy); built once per table (building it cost about as much as running it for one row)."""
    return _insert_new_only(db.session.get_bind().dialect.name, table.name)


@cache
def _plain_insert(table_name: str):
    return insert(db.metadata.tables[table_name])


def _rejected(item_id, errors) -> dict:
    return {"id": None if item_id is None else str(item_id), "status": "rejected", "errors": errors}


def _raw_id(raw):
    return raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), (str, int)) else None


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
    common.update(id=data["id"], kind=data["kind"], officer_id=officer_id, team=team, status=Status.SUBMITTED, version=1,
                  received_at=now, updated_at=now, device_id=device_id,
                  occurred_on=local_date(data["occurred_at"]))
    detail = {f: data.get(f) for f in model.DETAIL_CONTENT}
    detail["id"] = data["id"]
    return common, detail


class BatchReferences(ReferenceChecker):
    """The reference checks of a whole batch: what is stored, and what the batch itself brings."""

    def add_batch_shifts(self, batch_shifts: dict) -> None:
        """Shifts accepted from the same batch, as (officer id, operation id) by shift id."""
        self.shifts.update(batch_shifts)

    def accept_stop_search(self, record_id) -> None:
        """A stop search in the same batch can be linked from an arrest after it."""
        self.stop_searches.add(record_id)


@dataclass
class CheckedShifts:
    """What the read phase made of the batch's shifts."""
    results: list[dict | None]  # by position; None: still to be stored
    todo: list[tuple[int, dict]]  # (position, validated shift) whose operation exists


@dataclass
class CheckedRecords:
    """What the read phase made of the batch's records, for the write phase."""
    results: list[dict | None]  # by position; None: still to be decided
    first: list[tuple[int, dict]]  # (position, validated payload), each id's first time in the batch
    repeats: list[tuple[int, dict]]  # the same id again later in the batch
    resent: dict[int, dict]  # position: stored copy, for exact re-sends (resend.unchanged)
    absent: set[uuid.UUID]  # ids just looked up and not stored
    references: BatchReferences


class SyncBatch:
    def __init__(self, officer_id: int, device_id: str):
        self.officer_id = officer_id
        self.device_id = device_id
        self.now = utcnow()
        self.tally: dict[str, int] = defaultdict(int)
        self.held: set[uuid.UUID] = set()  # stored entries this transaction locked or created

    # ---- shifts ---------------------------------------------------------------------------
    def check_shifts(self, raws: list) -> CheckedShifts:
        """Read phase: validate the shifts and look up their operations."""
        results: list[dict | None] = [None] * len(raws)
        valid: list[tuple[int, dict]] = []
        for i, raw in enumerate(raws):
            try:
                valid.append((i, load_shift(raw)))
            except ValidationError as err:
                results[i] = _rejected(_raw_id(raw), flatten_messages(err.messages))
        op_ids = {d["operation_id"] for _, d in valid}
        known_ops = set(db.session.scalars(select(Operation.id).where(Operation.id.in_(op_ids)))) if op_ids else set()
        todo = []
        for i, data in valid:
            if data["operation_id"] not in known_ops:
                results[i] = _rejected(data["id"], {"operation_id": ["No such operation."]})
            else:
                todo.append((i, data))
        return CheckedShifts(results, todo)

    def apply_shifts(self, checked: CheckedShifts) -> tuple[list[dict], dict]:
        """Write phase: store new shifts, update the officer's own."""
        results, todo = checked.results, checked.todo
        accepted: dict[uuid.UUID, tuple[int, int]] = {}
        ids = [d["id"] for _, d in todo]
        existing = {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(ids)))} if ids else {}
        fresh = {d["id"]: d for _, d in todo if d["id"] not in existing}
        if fresh:
            rows = [dict(id=d["id"], officer_id=self.officer_id, operation_id=d["operation_id"],
                         started_at=d["started_at"], ended_at=d["ended_at"], received_at=self.now,
                         device_id=self.device_id) for d in fresh.values()]
            created = set(core_execute(insert_new_only(Shift.__table__), rows).scalars())
            raced = set(fresh) - created
            if raced:
                existing.update({s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(raced)))})
        else:
            created = set()
        for i, data in todo:
            sid = data["id"]
            if sid in created and results[i] is None and sid not in accepted:
                results[i] = {"id": str(sid), "status": "created"}
                accepted[sid] = (self.officer_id, data["operation_id"])
                continue
            shift = existing.get(sid)
            if shift is None:  # repeated in this batch after being created above
                results[i] = {"id": str(sid), "status": "unchanged"}
                continue
            if shift.officer_id != self.officer_id:
                results[i] = _rejected(sid, {"id": ["This id is already used by another shift."]})
                continue
            if shift.operation_id != data["operation_id"]:
                results[i] = _rejected(sid, {"operation_id": ["A shift cannot move to another operation."]})
                continue
            accepted[sid] = (shift.officer_id, shift.operation_id)
            if shift.started_at == data["started_at"] and shift.ended_at == data["ended_at"]:
                results[i] = {"id": str(sid), "status": "unchanged"}
            else:
                shift.started_at, shift.ended_at = data["started_at"], data["ended_at"]
                results[i] = {"id": str(sid), "status": "updated"}
        return results, accepted

    # ---- records --------------------------------------------------------------------------
    def check_records(self, raws: list) -> CheckedRecords:
        """Read phase: recognise exact re-sends, validate the rest, look up what they point at.
        Only plain values are kept (see core.writer_queue.read_phase)."""
        results: list[dict | None] = [None] * len(raws)
        first: list[tuple[int, dict]] = []
        repeats: list[tuple[int, dict]] = []
        seen: set[uuid.UUID] = set()
        # Exact re-sends of stored entries skip validation and the ORM load (see resend.py).
        candidates = resend.candidate_ids(raws)
        stored = resend.stored_copies(set(candidates.values()))
        resent: dict[int, dict] = {}
        for i, rid in candidates.items():
            copy = stored.get(rid)
            if copy is not None and copy["officer_id"] == self.officer_id and resend.unchanged(raws[i], copy):
                resent[i] = copy
        absent = {rid for rid in candidates.values() if rid not in stored}
        for i, raw in enumerate(raws):
            if i in resent:
                continue
            try:
                data = load_record(raw)
            except ValidationError as err:
                results[i] = _rejected(_raw_id(raw), flatten_messages(err.messages))
                continue
            (repeats if data["id"] in seen else first).append((i, data))
            seen.add(data["id"])

        # Shifts sent in this batch are added in the write phase (add_batch_shifts).
        references = BatchReferences(self.officer_id, [d for _, d in first + repeats] + list(resent.values()))
        return CheckedRecords(results, first, repeats, resent, absent, references)

    def apply_records(self, found: CheckedRecords, batch_shifts: dict) -> list[dict]:
        """Write phase: insert the new entries, apply edits to stored ones."""
        results, first, repeats, resent, absent = found.results, found.first, found.repeats, found.resent, found.absent
        checker = found.references
        checker.add_batch_shifts(batch_shifts)
        for i, copy in resent.items():
            errs = checker.errors(copy)  # the operation's dates may have changed since
            results[i] = (_rejected(copy["id"], errs) if errs
                          else {"id": str(copy["id"]), "status": "unchanged", "version": copy["version"]})
        # Stop searches first, so an arrest later in the batch may link to one.
        ordered = sorted(first, key=lambda item: item[1]["kind"] != "stop_search")
        checked: list[tuple[int, dict]] = []
        for i, data in ordered:
            errs = checker.errors(data)
            if errs:
                results[i] = _rejected(data["id"], errs)
                continue
            if data["kind"] == "stop_search":
                checker.accept_stop_search(data["id"])
            checked.append((i, data))
        checked.sort(key=lambda item: item[0])

        ids = [d["id"] for _, d in checked if d["id"] not in absent]  # absent: just looked, not there
        # The stored entries this batch may change are locked (records.service.lock_records) before
        # they are read, so each edit's base_version is compared with the version it is written over.
        # All in one statement and before the inserts: holding rows, this batch waits for no other.
        existing = self._load(ids + [d["id"] for _, d in repeats], lock=True)
        fresh = [(i, d) for i, d in checked if d["id"] not in existing]
        created = self._insert(fresh)
        self.held = set(existing) | created
        raced = [d["id"] for _, d in fresh if d["id"] not in created]
        if raced:  # stored by another request a moment ago: compared, not changed (not held)
            existing.update(self._load(raced))
        for i, data in checked:
            if data["id"] in created:
                results[i] = {"id": str(data["id"]), "status": "created", "version": 1}
            else:
                results[i] = self._apply_to_existing(existing[data["id"]], data)

        if repeats:
            # The same entry twice in one batch (queued, then edited): apply in order.
            again = self._load([d["id"] for _, d in repeats])
            for i, data in repeats:
                errs = checker.errors(data)
                if errs:
                    results[i] = _rejected(data["id"], errs)
                elif data["id"] not in again:
                    results[i] = _rejected(data["id"], {"id": ["The first copy of this entry in the batch was refused."]})
                else:
                    results[i] = self._apply_to_existing(again[data["id"]], data)
        for r in results:
            self.tally[r["status"]] += 1
        return results  # type: ignore[return-value]

    def _load(self, ids, lock: bool = False) -> dict:
        if not ids:
            return {}
        stmt = select(AnyKindRecord).where(AnyKindRecord.id.in_(ids))
        if lock:
            lock_records(ids)
            stmt = stmt.execution_options(populate_existing=True)
        return {r.id: r for r in db.session.scalars(stmt)}

    def _insert(self, fresh: list[tuple[int, dict]]) -> set:
        if not fresh:
            return set()
        commons, details = [], defaultdict(list)
        team = author_team(self.officer_id)
        for _, data in fresh:
            common, detail = record_rows(data, self.officer_id, self.device_id, self.now, team)
            commons.append(common)
            details[data["kind"]].append(detail)
        created = set(core_execute(insert_new_only(Record.__table__), commons).scalars())
        if not created:
            return created
        for kind in MODEL_BY_KIND:  # stop searches before the arrests that link to them
            rows = [r for r in details.get(kind, ()) if r["id"] in created]
            if rows:
                core_execute(_plain_insert(MODEL_BY_KIND[kind].__tablename__), rows)
        core_execute(_plain_insert(AuditEntry.__tablename__), [
            audit_row(c["id"], self.officer_id, self.officer_id, "create", 1, at=self.now)
            for c in commons if c["id"] in created])
        return created

    def _apply_to_existing(self, record: Record, data: dict) -> dict:
        rid = str(record.id)
        if record.officer_id != self.officer_id:
            return _rejected(rid, {"id": ["This id is already used by another entry."]})
        if record.kind != data["kind"]:
            return _rejected(rid, {"kind": ["The kind of an entry cannot change."]})
        if not content_differences(record, data):
            return {"id": rid, "status": "unchanged", "version": record.version}
        if (record.status == Status.VOIDED or data.get("base_version") != record.version
                or record.id not in self.held):  # not held: stored meanwhile by a concurrent request
            return {"id": rid, "status": "conflict", "version": record.version, "record": record}
        apply_amendment(record, data, self.officer_id)
        return {"id": rid, "status": "updated", "version": record.version}


def apply_batch(officer_id: int, device_id: str, shifts: list, records: list) -> dict:
    batch = SyncBatch(officer_id, device_id)
    # On SQLite the validation and lookups run before the batch queues for the one write lock,
    # so writers hold it only while they write (core.writer_queue.read_phase; nothing changes on PostgreSQL).
    with read_phase():
        checked_shifts = batch.check_shifts(shifts)
        checked_records = batch.check_records(records)
    shift_results, accepted_shifts = batch.apply_shifts(checked_shifts)
    record_results = batch.apply_records(checked_records, accepted_shifts)
    db.session.commit()
    return {"shifts": shift_results, "records": record_results, "tally": dict(batch.tally)}


# ---- what changed, for the phone ------------------------------------------------------------------

@dataclass
class ChangesAnswer:
    etag: str
    body: dict | None  # None: the phone's copy (If-None-Match) is current, answer 304
    settled: bool = True  # False: entries inside the settle window come again, so no ETag is given


def changes_since(officer_id: int, since: int, limit: int, if_none_match: str | None) -> ChangesAnswer:
    """The officer's entries with audit entries after the cursor `since`, and the next cursor.

    The ETag is the officer's newest audit id and how many there are, for this cursor and
    limit: a phone asking every few seconds with an unchanged feed costs one small indexed
    query. The count catches a late committer below the newest id."""
    newest, count = db.session.execute(
        select(func.max(AuditEntry.id), func.count(AuditEntry.id))
        .where(AuditEntry.record_officer_id == officer_id)).one()
    etag = f'W/"c{officer_id}-{since}-{limit}-{newest or 0}-{count}"'
    if etag in (if_none_match or "").split(", "):
        return ChangesAnswer(etag, None)
    rows = db.session.execute(
        select(AuditEntry.id, AuditEntry.record_id, AuditEntry.at)
        .where(AuditEntry.record_officer_id == officer_id, AuditEntry.id > since)
        .order_by(AuditEntry.id).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    # Ids are handed out before commit, so a transaction can become visible
    # after a later id already was. The cursor never passes entries younger than
    # the settle window: they are sent now and again next time (the phone keeps
    # the higher version), and a late committer below them is not skipped.
    settled_before = utcnow() - timedelta(seconds=current_app.config["CHANGES_SETTLE_SECONDS"])
    cursor = since
    for row in rows:
        if row.at > settled_before:
            break
        cursor = row.id
    ids = list(dict.fromkeys(r.record_id for r in rows))
    records = db.session.scalars(select(AnyKindRecord).where(AnyKindRecord.id.in_(ids))).all() if ids else []
    by_id = {r.id: r for r in records}
    body = {"records": [by_id[i] for i in ids if i in by_id], "cursor": str(cursor), "has_more": has_more}
    return ChangesAnswer(etag, body, settled=not has_more and (not rows or cursor == rows[-1].id))
