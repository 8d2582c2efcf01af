from marshmallow import fields, validate

from ..core.schemas import CheckedAlone, Integer, StrictSchema
from ..records.schemas import KIND_DISCRIMINATOR, KIND_REFS, AnyRecord


ITEM_NOTE = (" Each item is checked on its own: an item that does not match comes back in the answer with "
             "status \"rejected\" and its field errors, and the rest of the batch is stored.")


class EachItem(CheckedAlone, fields.Field):
    """An item checked on its own later (by the sync service), so one bad item, even a null, never
    sinks the batch. Documented as what a valid item looks like."""

    def __init__(self, doc: dict, description: str, **kwargs):
        kwargs.setdefault("metadata", {}).update(doc, description=description + ITEM_NOTE)
        super().__init__(**kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        return value


def shift_item() -> EachItem:
    return EachItem({"allOf": [{"$ref": "#/components/schemas/Shift"}]}, "A Shift.")


def record_item() -> EachItem:
    return EachItem({"oneOf": KIND_REFS, "discriminator": KIND_DISCRIMINATOR},
                    "A StopSearch, Arrest, SafeguardingReferral or IntelligenceLog, told apart by kind; "
                    "base_version (the version it was made on) when it edits a record already sent.")


class SyncRequestSchema(StrictSchema):
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    shifts = fields.List(shift_item(), load_default=list)
    records = fields.List(record_item(), load_default=list)


class ItemResultSchema(StrictSchema):
    id = fields.String(allow_none=True, required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["created", "unchanged", "updated", "conflict", "rejected"]))
    version = fields.Integer()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    record = AnyRecord(metadata={"description": "The server copy, on conflict."})


class SyncResponseSchema(StrictSchema):
    shifts = fields.List(fields.Nested(ItemResultSchema), required=True)
    records = fields.List(fields.Nested(ItemResultSchema), required=True)


class ChangesQuerySchema(StrictSchema):
    since = fields.String(load_default="0", validate=validate.Regexp(r"^\d{1,18}$", error="Not a cursor from this server."))
    limit = Integer(load_default=200, validate=validate.Range(min=1, max=500))


class ChangesSchema(StrictSchema):
    records = fields.List(AnyRecord(), required=True)
    cursor = fields.String(required=True, metadata={"description": "Send as since= next time."})
    has_more = fields.Boolean(required=True)


SHIFT_ID = "0b6c7f1e-3d2a-4c55-9f0e-6a1d2b3c4d5e"
# Shown in the OpenAPI document (and so to generated clients): one shift and one record of each kind.
SYNC_EXAMPLES = {
    "request": {
        "device_id": "phone-7f3a",
        "shifts": [{"id": SHIFT_ID, "operation_id": 1, "started_at": "2026-11-30T07:00:00+00:00", "ended_at": None}],
        "records": [
            {"id": "5f0c2a64-8d0e-4b8e-a1a3-0d2f4e6a8b10", "kind": "stop_search", "operation_id": 1,
             "shift_id": SHIFT_ID, "occurred_at": "2026-11-30T09:15:00+00:00", "area": "NN3",
             "search_type": "Person search", "legislation": "Misuse of Drugs Act 1971 (section 23)",
             "object_of_search": "Controlled drugs", "outcome": "A no further action disposal",
             "gender": "Male", "age_range": "18-24"},
            {"id": "9a1b3c5d-7e9f-4a1b-8c3d-5e7f9a1b3c5d", "kind": "arrest", "operation_id": 1,
             "shift_id": SHIFT_ID, "occurred_at": "2026-11-30T10:05:00+00:00", "area": "NN5",
             "offence_category": "theft_offences", "power_of_arrest": "pace_s24"},
            {"id": "2c4e6a8b-0d2f-4b6d-8f0a-2c4e6a8b0d2f", "kind": "safeguarding_referral", "operation_id": 1,
             "shift_id": SHIFT_ID, "occurred_at": "2026-11-30T11:40:00+00:00", "area": "NN3",
             "subject": "child", "concern_categories": ["child_criminal_exploitation"],
             "agency": "mash_childrens_social_care", "risk_level": "high"},
            {"id": "7d9f1b3d-5f7a-4c9e-9b1d-3f5a7c9e1b3d", "kind": "intelligence_log", "operation_id": 1,
             "shift_id": SHIFT_ID, "occurred_at": "2026-11-30T12:20:00+00:00", "area": "NN5",
             "source_evaluation": "1", "intelligence_assessment": "B", "handling_code": "C",
             "topics": ["drugs_supply"], "how_obtained": "community_member",
             "intelligence_text": "A grey hatchback is used to move stock between two addresses."},
        ],
    },
    "200": {"shifts": [{"id": SHIFT_ID, "status": "created", "version": 1}],
            "records": [{"id": "5f0c2a64-8d0e-4b8e-a1a3-0d2f4e6a8b10", "status": "created", "version": 1},
                        {"id": "9a1b3c5d-7e9f-4a1b-8c3d-5e7f9a1b3c5d", "status": "created", "version": 1},
                        {"id": "2c4e6a8b-0d2f-4b6d-8f0a-2c4e6a8b0d2f", "status": "created", "version": 1},
                        {"id": "7d9f1b3d-5f7a-4c9e-9b1d-3f5a7c9e1b3d", "status": "rejected",
                         "errors": {"handling_conditions": ["State the conditions when the handling code is C."]}}]},
}
