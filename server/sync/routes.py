from datetime import timedelta

from flask import current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import func, select

from ..core.db import db, utcnow
from ..core.errors import ApiError
from ..core.security import LOGGERS, ALL_ROLES, requires
from ..core.writer_queue import reads_before_writing
from ..ops.logs import add_to_request_log
from ..ops.metrics import record_sync_tally
from ..records.models import AuditEntry
from ..records.schemas import dump_record
from ..records.service import AnyKindRecord
from .schemas import ChangesQuerySchema, ChangesSchema, SyncRequestSchema, SyncResponseSchema
from .service import apply_batch

blp = Blueprint("sync", __name__, url_prefix="/api/sync", description="The phone's outbox, sent exactly once")


@blp.route("", methods=["POST"])
@requires(LOGGERS)
@reads_before_writing
@blp.arguments(SyncRequestSchema)
@blp.response(200, SyncResponseSchema)
@blp.alt_response(413, description="Too many items in one batch")
def sync(batch):
    limit = current_app.config["SYNC_MAX_ITEMS"]
    count = len(batch["shifts"]) + len(batch["records"])
    if count > limit:
        raise ApiError(413, f"A batch holds at most {limit} shifts and records together; this one has {count}. "
                            "Send it in smaller batches.", code="batch_too_large",
                       fields={"records": [f"At most {limit} items per batch."]})
    officer_id = current_user.id  # read before the commit expires the session's objects (a query)
    result = apply_batch(officer_id, batch["device_id"], batch["shifts"], batch["records"])
    record_sync_tally(result["tally"])
    # On the request's own log line (ops/logs.py), not a second line per sync.
    add_to_request_log(device_id=batch["device_id"][:64], sync=dict(sorted(result["tally"].items())))
    # The results are plain JSON data already: answer them as they are rather than dumping
    # 500 items through SyncResponseSchema (which still documents them). Only a conflict's
    # server copy needs dumping, by dump_record like everywhere else.
    for item in result["records"]:
        if item.get("record") is not None:
            item["record"] = dump_record(item["record"])
    return jsonify(shifts=result["shifts"], records=result["records"])


@blp.route("/changes", methods=["GET"])
@requires(ALL_ROLES)
@blp.arguments(ChangesQuerySchema, location="query")
@blp.response(200, ChangesSchema)
def changes(args):
    """What changed in this officer's entries since the cursor (returned, verified, voided, edited).

    An open phone asks every few seconds: the ETag (the officer's newest audit id and
    how many there are, for this cursor) lets an unchanged feed answer 304 with one
    small indexed query. The count catches a late committer below the newest id.
    """
    since, limit = int(args["since"]), args["limit"]
    newest, count = db.session.execute(
        select(func.max(AuditEntry.id), func.count(AuditEntry.id))
        .where(AuditEntry.record_officer_id == current_user.id)).one()
    etag = f'W/"c{current_user.id}-{since}-{limit}-{newest or 0}-{count}"'
    if etag in (request.headers.get("If-None-Match") or "").split(", "):
        return current_app.response_class(status=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    rows = db.session.execute(
        select(AuditEntry.id, AuditEntry.record_id, AuditEntry.at)
        .where(AuditEntry.record_officer_id == current_user.id, AuditEntry.id > since)
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
    if not has_more and (not rows or cursor == rows[-1].id):
        return body, 200, {"ETag": etag, "Cache-Control": "no-cache"}
    # Entries still inside the settle window come again next time: no ETag, so they are not skipped.
    return body
