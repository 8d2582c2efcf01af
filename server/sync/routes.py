"""The phone's two calls: send the outbox (POST /api/sync), and ask what changed (GET /api/sync/changes)."""
from flask import current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Blueprint

from ..core.security import LOGGERS, ALL_ROLES, requires
from ..core.writer_queue import reads_before_writing
from ..ops.logs import add_to_request_log
from ..ops.metrics import record_sync_tally
from ..records.schemas import dump_record
from .schemas import ChangesQuerySchema, ChangesSchema, SyncRequestSchema, SyncResponseSchema
from .service import apply_batch, changes_since, refuse_oversized

blp = Blueprint("sync", __name__, url_prefix="/api/sync", description="The phone's outbox, sent exactly once")


@blp.route("", methods=["POST"])
@requires(LOGGERS)
@reads_before_writing
@blp.arguments(SyncRequestSchema)
@blp.response(200, SyncResponseSchema)
@blp.alt_response(413, description="Too many items in one batch")
def sync(batch):
    refuse_oversized(batch)
    result = apply_batch(current_user.id, batch["device_id"], batch["shifts"], batch["records"])
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
    answer = changes_since(current_user.id, int(args["since"]), args["limit"], request.headers.get("If-None-Match"))
    headers = {"ETag": answer.etag, "Cache-Control": "no-cache"}
    if answer.body is None:
        return current_app.response_class(status=304, headers=headers)
    if answer.settled:
        return answer.body, 200, headers
    # Entries still inside the settle window come again next time: no ETag, so they are not skipped.
    return answer.body
