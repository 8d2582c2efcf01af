"""GET /api/operations/<id>/tally, GET /api/shifts, GET /api/shifts/<id>/tally."""
from __future__ import annotations

import uuid

from flask_login import current_user
from flask_smorest import Blueprint

from ..core.db import db
from ..core.errors import ApiError
from ..core.security import ALL_ROLES, requires
from ..records.access import can_view_shift
from ..records.models import Shift
from . import service, shifts
from .schemas import ShiftListSchema, ShiftQuerySchema, ShiftTallySchema, TallyQuerySchema, TallySchema

blp = Blueprint("tallies", __name__, url_prefix="/api", description="Counts for briefings and shift review")


@blp.route("/operations/<int:operation_id>/tally", methods=["GET"])
@requires(ALL_ROLES)
@blp.arguments(TallyQuerySchema, location="query")
@blp.response(200, TallySchema)
def tally(args, operation_id):
    """Counts of an operation's records, grouped, with totals, a comparison and a headline.

    An officer counts their own records, a sergeant their team's; inspector,
    analyst and admin everything. Voided records never count.
    """
    body, _ = service.operation_tally(operation_id, current_user._get_current_object(), args)
    return body


@blp.route("/shifts", methods=["GET"])
@requires(ALL_ROLES)
@blp.arguments(ShiftQuerySchema, location="query")
@blp.response(200, ShiftListSchema)
def list_shifts(args):
    """Shifts the viewer may review (officer: own; sergeant: team; others: all), newest first."""
    return {"items": shifts.list_shifts(current_user._get_current_object(), args)}


@blp.route("/shifts/<uuid:shift_id>/tally", methods=["GET"])
@requires(ALL_ROLES)
@blp.response(200, ShiftTallySchema)
def shift_tally(shift_id: uuid.UUID):
    """End of shift: per officer and kind, what still needs review, in the shift's time window."""
    viewer = current_user._get_current_object()
    shift = db.session.get(Shift, shift_id)
    if shift is None or not can_view_shift(viewer, shift):
        raise ApiError(404, "No such shift.")
    return shifts.review(viewer, shift)
