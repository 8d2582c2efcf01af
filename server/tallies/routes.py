"""GET /api/operations/<id>/tally, GET /api/shifts, GET /api/shifts/<id>/tally."""
from __future__ import annotations

import uuid

from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from ..auth.models import Officer
from ..core.db import db, utcnow
from ..core.errors import ApiError
from ..core.security import ALL_ROLES, requires
from ..operations.routes import get_operation_or_404
from ..records.access import listing_order
from ..records.models import Shift
from ..records.service import AnyKindRecord
from . import service
from .schemas import MAX_DAYS, ShiftListSchema, ShiftQuerySchema, ShiftTallySchema, TallyQuerySchema, TallySchema

blp = Blueprint("tallies", __name__, url_prefix="/api", description="Counts for briefings and shift review")

REVIEW_QUEUE_LIMIT = 500
SHIFT_LIST_LIMIT = 200


def question_from_args(operation, args) -> tuple[service.Question, service.Period, service.Comparison | None]:
    """Shared by the tally, its CSV and the briefing."""
    q = service.Question(operation, current_user._get_current_object(), group_by=args.get("group_by") or ["kind"],
                         team=args.get("team"), officer_id=args.get("officer"))
    period = service.default_period(operation, args.get("from_"), args.get("to"))
    if period.end < period.start:
        raise ApiError(422, "The period ends before it starts.", fields={"to": ["Must be on or after from."]})
    # The schema checks the length when both ends are given; a default end (today) is checked here.
    if (period.end - period.start).days > MAX_DAYS:
        raise ApiError(422, "The period is too long.",
                       fields={"from" if args.get("from_") else "to": [f"A period is at most {MAX_DAYS} days long."]})
    compare = args.get("compare")
    if isinstance(compare, service.Period):
        dates, dates_field, rule = compare, "compare", None
    elif args.get("compare_from") is not None:
        dates, dates_field, rule = service.Period(args["compare_from"], args["compare_to"]), "compare_from", None
    else:
        dates, dates_field, rule = None, "compare", compare
    comparison = service.resolve_comparison(operation, period, rule, dates, args.get("population"), dates_field)
    return q, period, comparison


def operation_tally(operation_id: int, args) -> tuple[dict, object]:
    operation = get_operation_or_404(operation_id)
    q, period, comparison = question_from_args(operation, args)
    result = service.tally(q, period, comparison)
    return {"operation": operation, **result}, operation


@blp.route("/operations/<int:operation_id>/tally", methods=["GET"])
@requires(ALL_ROLES)
@blp.arguments(TallyQuerySchema, location="query")
@blp.response(200, TallySchema)
def tally(args, operation_id):
    """Counts of an operation's records, grouped, with totals, a comparison and a headline.

    An officer counts their own records, a sergeant their team's; inspector,
    analyst and admin everything. Voided records never count.
    """
    body, _ = operation_tally(operation_id, args)
    return body


def _shift_summary(shift: Shift, counts) -> dict:
    kinds, unverified = counts
    return {"id": shift.id, "officer": shift.officer, "operation_id": shift.operation_id,
            "started_at": shift.started_at, "ended_at": shift.ended_at, "counts": kinds,
            "total": sum(kinds.values()), "unverified": unverified}


@blp.route("/shifts", methods=["GET"])
@requires(ALL_ROLES)
@blp.arguments(ShiftQuerySchema, location="query")
@blp.response(200, ShiftListSchema)
def list_shifts(args):
    """Shifts the viewer may review (officer: own; sergeant: team; others: all), newest first."""
    viewer = current_user._get_current_object()
    stmt = service.scope_shifts(select(Shift), viewer, Shift)
    if args.get("operation") is not None:
        stmt = stmt.where(Shift.operation_id == args["operation"])
    if args.get("team"):
        stmt = stmt.where(Shift.officer_id.in_(select(Officer.id).where(Officer.team == args["team"])))
    if args.get("date"):
        stmt = service.shifts_on_day(stmt, Shift, args["date"])
    shifts = db.session.scalars(stmt.order_by(Shift.started_at.desc(), Shift.id).limit(SHIFT_LIST_LIMIT)).all()
    counts = service.shift_counts([s.id for s in shifts])
    return {"items": [_shift_summary(s, counts[s.id]) for s in shifts]}


@blp.route("/shifts/<uuid:shift_id>/tally", methods=["GET"])
@requires(ALL_ROLES)
@blp.response(200, ShiftTallySchema)
def shift_tally(shift_id: uuid.UUID):
    """End of shift: per officer and kind, what still needs review, in the shift's time window."""
    viewer = current_user._get_current_object()
    shift = db.session.get(Shift, shift_id)
    if shift is None or not service.can_view_shift(viewer, shift):
        raise ApiError(404, "No such shift.")
    start = shift.started_at
    end = shift.ended_at or utcnow()
    officers, totals = service.window_counts(viewer, shift, start, end)
    queue_stmt = (select(AnyKindRecord)
                  .where(AnyKindRecord.operation_id == shift.operation_id, AnyKindRecord.occurred_at >= start,
                         AnyKindRecord.occurred_at <= end, AnyKindRecord.status.in_(("submitted", "returned")))
                  .order_by(*listing_order(AnyKindRecord, viewer, newest_first=False)).limit(REVIEW_QUEUE_LIMIT))
    queue_stmt = service.scope_window(queue_stmt, viewer, shift, AnyKindRecord.officer_id)
    queue = db.session.scalars(queue_stmt).all()
    counts = service.shift_counts([shift.id])[shift.id]
    return {"shift": _shift_summary(shift, counts), "window": {"from": start.isoformat(), "to": end.isoformat()},
            "officers": officers, "totals": totals, "unverified": sum(o["unverified"] for o in officers),
            "review_queue": queue}
