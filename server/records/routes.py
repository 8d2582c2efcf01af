import uuid

from flask import request
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import ValidationError
from sqlalchemy import func, not_, select

from ..core.db import db
from ..core.errors import ApiError, flatten_messages
from ..core.seclog import log_access_denied
from ..auth.models import Officer
from ..core.security import ALL_ROLES, SUPERVISORS, requires
from . import reference as ref
from .access import (can_edit_record, can_review_record, can_view_record, can_void_record, listing_order,
                     scope_records, withheld_rows)
from .models import AuditEntry, Record
from .schemas import (CommentSchema, HistorySchema, ReasonSchema, RecordEnvelopeSchema, RecordPageSchema,
                      RecordPatchSchema, RecordQuerySchema, ReferenceListsSchema, ReviewSchema, dump_history,
                      dump_record, load_record)
from .service import (AnyKindRecord, ReferenceChecker, apply_amendment, content_differences, full_payload,
                      get_record, review_already_done, set_status)

blp = Blueprint("records", __name__, url_prefix="/api/records", description="Records officers logged")
ref_blp = Blueprint("reference", __name__, url_prefix="/api/reference", description="Value lists for the app")


def visible_record_or_404(record_id: uuid.UUID, for_change: bool = False) -> Record:
    """for_change: the row stays locked until the commit (service.lock_records), so the version
    compared is the version the change is written over."""
    record = get_record(record_id, for_change=for_change)
    if record is not None and not can_view_record(current_user, record):
        log_access_denied("not_visible", 404)
    if record is None or not can_view_record(current_user, record):
        # The same answer whether it does not exist or is not yours: ids cannot be probed.
        raise ApiError(404, "No such record.")
    return record


STALE_REVIEW = "This entry changed since you opened it; check it again."


def version_conflict(record: Record, message: str):
    raise ApiError(409, message, code="version_conflict", extra={"record": dump_record(record)})


@ref_blp.route("", methods=["GET"])
@requires(ALL_ROLES)
@ref_blp.response(200, ReferenceListsSchema)
def reference_lists():
    return {"lists": ref.all_lists()}


@blp.route("", methods=["GET"])
@requires(ALL_ROLES)
@blp.arguments(RecordQuerySchema, location="query")
@blp.response(200, RecordPageSchema)
def list_records(args):
    stmt = scope_records(select(AnyKindRecord), current_user, Officer, AnyKindRecord)
    filters = {"operation": AnyKindRecord.operation_id, "kind": AnyKindRecord.kind,
               "officer": AnyKindRecord.officer_id, "area": AnyKindRecord.area,
               "status": AnyKindRecord.status, "shift": AnyKindRecord.shift_id}
    for arg, column in filters.items():
        if args.get(arg) is not None:
            stmt = stmt.where(column == args[arg])
    withheld = withheld_rows(AnyKindRecord, current_user)
    if withheld is not None and args.get("shift") is not None:
        stmt = stmt.where(not_(withheld))  # a withheld log's shift is withheld: no filter may reveal it
    if args.get("from_"):
        stmt = stmt.where(AnyKindRecord.occurred_on >= args["from_"])
    if args.get("to"):
        stmt = stmt.where(AnyKindRecord.occurred_on <= args["to"])
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    page, per_page = args["page"], args["per_page"]
    items = db.session.scalars(stmt.order_by(*listing_order(AnyKindRecord, current_user))
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "page": page, "per_page": per_page, "total": total}


@blp.route("/<uuid:record_id>", methods=["GET"])
@requires(ALL_ROLES)
@blp.response(200, RecordEnvelopeSchema)
def get_one(record_id):
    return {"record": visible_record_or_404(record_id)}


@blp.route("/<uuid:record_id>", methods=["PATCH"])
@requires(ALL_ROLES)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RecordPatchSchema}}},
         description="Send base_version and the fields to change (any of the kind's own fields).")
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="The record changed since base_version; the server copy is in error.record")
def patch_one(record_id):
    record = visible_record_or_404(record_id, for_change=True)
    if not can_edit_record(current_user, record):
        raise ApiError(403, "Only the officer who logged this entry can change it.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "Send a JSON object.", fields={"_schema": ["Send a JSON object."]})
    body = dict(body)
    base_version = body.pop("base_version", None)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or base_version < 1:
        raise ApiError(422, "base_version is required.", fields={"base_version": ["The version your change is based on is required."]})
    for fixed in ("id", "kind"):
        if fixed in body and str(body[fixed]) != str(getattr(record, fixed)):
            raise ApiError(422, f"The {fixed} of a record cannot change.", fields={fixed: ["Cannot change."]})
    if record.status == "voided":
        raise ApiError(409, "This entry was voided and cannot be changed.", code="voided",
                       extra={"record": dump_record(record)})
    merged = full_payload(record)
    merged.update(body)
    try:
        data = load_record(merged)
    except ValidationError as err:
        raise ApiError(422, "Some fields are missing or invalid.", fields=flatten_messages(err.messages))
    ref_errors = ReferenceChecker(current_user.id, [data]).errors(data)
    if ref_errors:
        raise ApiError(422, "Some fields point at something that does not exist.", fields=ref_errors)
    if base_version != record.version:
        if not content_differences(record, data):
            return {"record": record}  # a retried edit that already landed
        version_conflict(record, "This entry changed since you opened it; review the server copy.")
    apply_amendment(record, data, current_user.id)
    db.session.commit()
    return {"record": record}


@blp.route("/<uuid:record_id>/void", methods=["POST"])
@requires(ALL_ROLES)
@blp.arguments(ReasonSchema)
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="base_version was sent and the record changed since; "
                                   "the server copy is in error.record")
def void_one(data, record_id):
    record = visible_record_or_404(record_id, for_change=True)
    if not can_void_record(current_user, record):
        raise ApiError(403, "You may not void this entry.")
    if record.status == "voided":  # voiding twice (a retry) is not an error
        return {"record": record}
    base_version = data.get("base_version")
    if base_version is not None and base_version != record.version:
        version_conflict(record, STALE_REVIEW)
    set_status(record, "voided", current_user.id, "void", data["reason"])
    db.session.commit()
    return {"record": record}


def _review(record_id, status: str, action: str, data: dict):
    record = visible_record_or_404(record_id, for_change=True)
    if not can_review_record(current_user, record):
        if record.officer_id == current_user.id:
            raise ApiError(403, "You cannot review your own entry.")
        raise ApiError(403, "Only a supervisor of this officer's team can review this entry.")
    if record.status == "voided":
        raise ApiError(409, "This entry was voided; there is nothing to review.", code="voided",
                       extra={"record": dump_record(record)})
    comment, base_version = data.get("comment"), data["base_version"]
    if review_already_done(record, status, action, comment, base_version, current_user.id):
        return {"record": record}  # a retry
    if base_version != record.version:
        version_conflict(record, STALE_REVIEW)
    set_status(record, status, current_user.id, action, comment)
    db.session.commit()
    return {"record": record}


@blp.route("/<uuid:record_id>/verify", methods=["POST"])
@requires(SUPERVISORS)
@blp.arguments(ReviewSchema)
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="The record changed since base_version, or was voided; the server copy is in error.record")
def verify_one(data, record_id):
    return _review(record_id, "verified", "verify", data)


@blp.route("/<uuid:record_id>/return", methods=["POST"])
@requires(SUPERVISORS)
@blp.arguments(CommentSchema)
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="The record changed since base_version, or was voided; the server copy is in error.record")
def return_one(data, record_id):
    return _review(record_id, "returned", "return", data)


@blp.route("/<uuid:record_id>/history", methods=["GET"])
@requires(ALL_ROLES)
@blp.response(200, HistorySchema)
def history(record_id):
    record = visible_record_or_404(record_id)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.record_id == record.id)
                                 .order_by(AuditEntry.id)).all()
    return {"entries": dump_history(record, entries)}
