from marshmallow import ValidationError, fields, validate

from ..core.schemas import CheckedAlone, Integer, StrictSchema
from ..records.schemas import KIND_REFS, AnyRecord
from ..records.reference import STATUSES


ITEM_NOTE = (" Each item is checked on its own: an item that does not match comes back in the answer with "
             "status \"rejected\" and its field errors, and the rest of the batch is stored. So the request "
             "accepts any value here; x-item-schemas names what a valid item looks like.")


class EachItem(CheckedAlone, fields.Field):
    """An item checked on its own later, so one bad item never sinks the batch."""

    def __init__(self, ref: str, **kwargs):
        md = kwargs.setdefault("metadata", {})
        md["description"] = f"A {ref}." + ITEM_NOTE
        md["x-item-schemas"] = [{"$ref": f"#/components/schemas/{ref}"}]
        kwargs.setdefault("allow_none", True)  # null is rejected per item too
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class PassThroughRecord(CheckedAlone, fields.Field):
    """A record of any kind, validated per item by the sync service."""

    def __init__(self, **kwargs):
        md = kwargs.setdefault("metadata", {})
        md["description"] = "A StopSearch, Arrest, SafeguardingReferral or IntelligenceLog, told apart by kind." + ITEM_NOTE
        md["x-item-schemas"] = KIND_REFS
        kwargs.setdefault("allow_none", True)  # null is rejected per item too
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class SyncRequestSchema(StrictSchema):
    device_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    shifts = fields.List(EachItem("Shift"), load_default=list)
    records = fields.List(PassThroughRecord(), load_default=list)


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
