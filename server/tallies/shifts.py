"""End-of-shift review: which shifts fall on a day, and what was logged on a shift or in its time window.
Who may see which shift, and whose records its window counts, is records/access.py's."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select

from ..auth.models import Officer
from ..core.db import db, utcnow
from ..core.timezone import force_tz
from ..records import reference as ref
from ..records.access import listing_order, scope_shifts, scope_window
from ..records.models import Record, Shift
from ..records.reference import Status
from ..records.service import AnyKindRecord
from .counting import COUNTED, empty_totals, officer_refs

# A shift's review queue: what still waits for a sergeant.
AWAITING_REVIEW = (Status.SUBMITTED, Status.RETURNED)
REVIEW_QUEUE_LIMIT = 500
SHIFT_LIST_LIMIT = 200


def shifts_on_day(stmt, shift_model, day: date):
    """Shifts that cover any part of the force's local day: a night shift from 22:00 to 06:00 is on both days.

    Started before the day ends, and ended after it began or still open.
    """
    tz = force_tz()
    start = datetime.combine(day, time(0), tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(timezone.utc)
    return stmt.where(shift_model.started_at < end,
                      or_(shift_model.ended_at.is_(None), shift_model.ended_at > start))


def kind_counts() -> dict[str, int]:
    return {kind: 0 for kind in ref.KINDS}


def shift_counts(shift_ids) -> dict:
    """{shift_id: (counts by kind, unverified)} for records logged on those shifts (voided excluded)."""
    out = {sid: [kind_counts(), 0] for sid in shift_ids}
    if not out:
        return out
    t = Record.__table__
    rows = db.session.execute(
        select(t.c.shift_id, t.c.kind, t.c.status, func.count())
        .where(t.c.shift_id.in_(list(out)), t.c.status.in_(COUNTED))
        .group_by(t.c.shift_id, t.c.kind, t.c.status))
    for shift_id, kind, status, n in rows:
        out[shift_id][0][kind] += n
        if status != Status.VERIFIED:
            out[shift_id][1] += n
    return out


def window_counts(viewer: Officer, shift, start, end) -> tuple[list[dict], dict]:
    """Per officer and kind, the records in the shift's window that the viewer reviews.

    A sergeant sees their team; an inspector, analyst or admin the team of the
    shift's officer; an officer only their own entries.
    """
    t = Record.__table__
    stmt = (select(t.c.officer_id, t.c.kind, t.c.status, func.count())
            .where(t.c.operation_id == shift.operation_id, t.c.occurred_at >= start, t.c.occurred_at <= end,
                   t.c.status.in_(COUNTED))
            .group_by(t.c.officer_id, t.c.kind, t.c.status))
    stmt = scope_window(stmt, viewer, shift, t.c.officer_id)
    per_officer: dict[int, dict] = {}
    for officer_id, kind, status, n in db.session.execute(stmt):
        entry = per_officer.setdefault(officer_id, {"counts": kind_counts(), "total": 0, "unverified": 0})
        entry["counts"][kind] += n
        entry["total"] += n
        if status != Status.VERIFIED:
            entry["unverified"] += n
    per_officer.setdefault(shift.officer_id, {"counts": kind_counts(), "total": 0, "unverified": 0})
    officers = officer_refs(per_officer)
    rows = []
    for officer_id, entry in per_officer.items():
        rows.append({"officer": officers.get(officer_id, {"id": officer_id}), **entry})
    rows.sort(key=lambda r: (r["officer"].get("shoulder_number") or "", r["officer"]["id"]))
    totals = empty_totals()
    for r in rows:
        for kind, n in r["counts"].items():
            totals[kind] += n
            totals["all"] += n
    return rows, totals


def summary(shift: Shift, counts) -> dict:
    kinds, unverified = counts
    return {"id": shift.id, "officer": shift.officer, "operation_id": shift.operation_id,
            "started_at": shift.started_at, "ended_at": shift.ended_at, "counts": kinds,
            "total": sum(kinds.values()), "unverified": unverified}


def list_shifts(viewer: Officer, args) -> list[dict]:
    """The shifts `viewer` may review, newest first, each with what was logged on it."""
    stmt = scope_shifts(select(Shift), viewer, Shift)
    if args.get("operation") is not None:
        stmt = stmt.where(Shift.operation_id == args["operation"])
    if args.get("team"):
        stmt = stmt.where(Shift.officer_id.in_(select(Officer.id).where(Officer.team == args["team"])))
    if args.get("date"):
        stmt = shifts_on_day(stmt, Shift, args["date"])
    shifts = db.session.scalars(stmt.order_by(Shift.started_at.desc(), Shift.id).limit(SHIFT_LIST_LIMIT)).all()
    counts = shift_counts([s.id for s in shifts])
    return [summary(s, counts[s.id]) for s in shifts]


def review(viewer: Officer, shift: Shift) -> dict:
    """End of shift: per officer and kind, and what still needs review, in the shift's time window
    (to now while the shift is open)."""
    start = shift.started_at
    end = shift.ended_at or utcnow()
    officers, totals = window_counts(viewer, shift, start, end)
    queue_stmt = (select(AnyKindRecord)
                  .where(AnyKindRecord.operation_id == shift.operation_id, AnyKindRecord.occurred_at >= start,
                         AnyKindRecord.occurred_at <= end, AnyKindRecord.status.in_(AWAITING_REVIEW))
                  .order_by(*listing_order(AnyKindRecord, viewer, newest_first=False)).limit(REVIEW_QUEUE_LIMIT))
    queue_stmt = scope_window(queue_stmt, viewer, shift, AnyKindRecord.officer_id)
    queue = db.session.scalars(queue_stmt).all()
    counts = shift_counts([shift.id])[shift.id]
    return {"shift": summary(shift, counts), "window": {"from": start.isoformat(), "to": end.isoformat()},
            "officers": officers, "totals": totals, "unverified": sum(o["unverified"] for o in officers),
            "review_queue": queue}
