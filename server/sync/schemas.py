from marshmallow import ValidationError, fields, validate

from ..core.schemas import StrictSchema
from ..records.schemas import AnyRecord
from ..records.reference import STATUSES


class EachItem(fields.Field):
    """An item checked on its own later, so one bad item never sinks the batch."""

    def __init__(self, ref: str, **kwargs):
        kwargs.setdefault("metadata", {})["allOf"] = [{"$ref": f"#/components/schemas/{ref}"}]
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        return value


class PassThroughRecord(AnyRecord):
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
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))


class ChangesSchema(StrictSchema):
    records = fields.List(AnyRecord(), required=True)
    cursor = fields.String(required=True, metadata={"description": "Send as since= next time."})
    has_more = fields.Boolean(required=True)
