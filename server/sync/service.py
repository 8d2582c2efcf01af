"""Apply a phone's batch exactly once.

Identity is the phone's UUID. New entries go in with one multi-row
INSERT .. ON CONFLICT DO NOTHING, so a batch racing the same batch from
another device (or a retried request) stores each entry once: whichever
insert loses simply sees the row and answers "unchanged". Everything else
(edits, re-sends, conflicts) is handled per item against the stored copy.
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from functools import cache

from marshmallow import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite

from ..core.db import core_execute, db, utcnow
from ..core.errors import flatten_messages
from ..core.writer_queue import read_phase
from ..operations.models import Operation
from ..records.models import MODEL_BY_KIND, AuditEntry, Record, Shift
from ..records.schemas import load_record, load_shift
from ..records.service import (AnyKindRecord, ReferenceChecker, apply_amendment, author_team,
                               content_differences, lock_records, record_rows)
from . import resend


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


class SyncBatch:
    def __init__(self, officer_id: int, device_id: str):
        self.officer_id = officer_id
        self.device_id = device_id
        self.now = utcnow()
        self.tally: dict[str, int] = defaultdict(int)
        self.held: set[uuid.UUID] = set()  # stored entries this transaction locked or created

    # ---- shifts ---------------------------------------------------------------------------
    def check_shifts(self, raws: list) -> None:
        """Read phase: validate the shifts and look up their operations."""
        self.shift_results: list[dict | None] = [None] * len(raws)
        valid: list[tuple[int, dict]] = []
        for i, raw in enumerate(raws):
            try:
                valid.append((i, load_shift(raw)))
            except ValidationError as err:
                self.shift_results[i] = _rejected(_raw_id(raw), flatten_messages(err.messages))
        op_ids = {d["operation_id"] for _, d in valid}
        known_ops = set(db.session.scalars(select(Operation.id).where(Operation.id.in_(op_ids)))) if op_ids else set()
        self.shifts_todo = []
        for i, data in valid:
            if data["operation_id"] not in known_ops:
                self.shift_results[i] = _rejected(data["id"], {"operation_id": ["No such operation."]})
            else:
                self.shifts_todo.append((i, data))

    def apply_shifts(self) -> tuple[list[dict], dict]:
        """Write phase: store new shifts, update the officer's own."""
        results, todo = self.shift_results, self.shifts_todo
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
    def check_records(self, raws: list) -> None:
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
        self.checker = ReferenceChecker(self.officer_id, [d for _, d in first + repeats] + list(resent.values()))
        self.record_results, self.first, self.repeats, self.resent, self.absent = results, first, repeats, resent, absent

    def apply_records(self, batch_shifts: dict) -> list[dict]:
        """Write phase: insert the new entries, apply edits to stored ones."""
        results, first, repeats, resent, absent = (self.record_results, self.first, self.repeats, self.resent,
                                                   self.absent)
        checker = self.checker
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
            dict(at=self.now, actor_id=self.officer_id, record_id=c["id"], record_officer_id=self.officer_id,
                 action="create", version=1, changes=None, comment=None)
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
        if (record.status == "voided" or data.get("base_version") != record.version
                or record.id not in self.held):  # not held: stored meanwhile by a concurrent request
            return {"id": rid, "status": "conflict", "version": record.version, "record": record}
        apply_amendment(record, data, self.officer_id)
        return {"id": rid, "status": "updated", "version": record.version}


def apply_batch(officer_id: int, device_id: str, shifts: list, records: list) -> dict:
    batch = SyncBatch(officer_id, device_id)
    # On SQLite the validation and lookups run before the batch queues for the one write lock,
    # so writers hold it only while they write (core.writer_queue.read_phase; nothing changes on PostgreSQL).
    with read_phase():
        batch.check_shifts(shifts)
        batch.check_records(records)
    shift_results, accepted_shifts = batch.apply_shifts()
    record_results = batch.apply_records(accepted_shifts)
    db.session.commit()
    return {"shifts": shift_results, "records": record_results, "tally": dict(batch.tally)}
