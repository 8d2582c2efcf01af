"""The records API: each view reads its input, asks records.service, and answers its schema."""
from flask import request
from flask_login import current_user
from flask_smorest import Blueprint

from ..core.security import ALL_ROLES, SUPERVISORS, requires
from . import reference as ref
from .schemas import (CommentSchema, HistorySchema, ReasonSchema, RecordEnvelopeSchema, RecordPageSchema,
                      RecordPatchSchema, RecordQuerySchema, ReferenceListsSchema, ReviewSchema, dump_history)
from .service import (amend_record, record_history, record_page, review_record, visible_record_or_404,
                      void_record)

blp = Blueprint("records", __name__, url_prefix="/api/records", description="Records officers logged")
ref_blp = Blueprint("reference", __name__, url_prefix="/api/reference", description="Value lists for the app")


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
    return record_page(current_user, args)


@blp.route("/<uuid:record_id>", methods=["GET"])
@requires(ALL_ROLES)
@blp.response(200, RecordEnvelopeSchema)
def get_one(record_id):
    return {"record": visible_record_or_404(current_user, record_id)}


@blp.route("/<uuid:record_id>", methods=["PATCH"])
@requires(ALL_ROLES)
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": RecordPatchSchema}}},
         description="Send base_version and the fields to change (any of the kind's own fields).")
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="The record changed since base_version; the server copy is in error.record")
def patch_one(record_id):
    # The body is checked by the service, after who may change the entry: the answer to someone who
    # may not see it is the same 404 whatever they send.
    return {"record": amend_record(current_user, record_id, request.get_json(silent=True))}


@blp.route("/<uuid:record_id>/void", methods=["POST"])
@requires(ALL_ROLES)
@blp.arguments(ReasonSchema)
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="base_version was sent and the record changed since; "
                                   "the server copy is in error.record")
def void_one(data, record_id):
    return {"record": void_record(current_user, record_id, data["reason"], data.get("base_version"))}


@blp.route("/<uuid:record_id>/verify", methods=["POST"])
@requires(SUPERVISORS)
@blp.arguments(ReviewSchema)
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="The record changed since base_version, or was voided; the server copy is in error.record")
def verify_one(data, record_id):
    return {"record": review_record(current_user, record_id, "verify", data.get("comment"), data["base_version"])}


@blp.route("/<uuid:record_id>/return", methods=["POST"])
@requires(SUPERVISORS)
@blp.arguments(CommentSchema)
@blp.response(200, RecordEnvelopeSchema)
@blp.alt_response(409, description="The record changed since base_version, or was voided; the server copy is in error.record")
def return_one(data, record_id):
    return {"record": review_record(current_user, record_id, "return", data.get("comment"), data["base_version"])}


@blp.route("/<uuid:record_id>/history", methods=["GET"])
@requires(ALL_ROLES)
@blp.response(200, HistorySchema)
def history(record_id):
    record, entries = record_history(current_user, record_id)
    return {"entries": dump_history(record, entries)}
