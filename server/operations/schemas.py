from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..core.schemas import Date, StrictSchema, text
from ..core.validators import normalise_district, validate_district


# What DistrictField accepts before normalising (documented as the pattern in the OpenAPI schema).
DISTRICT_INPUT = r"^\s*[A-Za-z]{1,2}[0-9][A-Za-z0-9]?\s*$"


class DistrictField(fields.String):
    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Regexp(DISTRICT_INPUT, error="Not a postcode district (the first half of a postcode, e.g. NN3)."))
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        value = normalise_district(value)
        validate_district(value)
        return value


class OperationSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = text(120, 1, required=True)
    slug = fields.String(required=True, validate=[validate.Length(min=1, max=80),
                                                  validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Use lower-case letters, digits and dashes.")])
    description = text(4000, load_default="")
    local_policing_area = text(64, 1, required=True)
    target_areas = fields.List(DistrictField(), required=True, validate=validate.Length(min=1, max=50))
    starts_on = Date(required=True)
    ends_on = Date(allow_none=True, load_default=None,
                   metadata={"description": "Last day; on or after starts_on (null: open-ended)."})
    is_policing_operation = fields.Boolean(load_default=True, metadata={
        "description": "A named policing operation (police.uk: \"Part of a policing operation\"); "
                       "false for routine patrol or a comparison baseline."})
    is_current = fields.Boolean(dump_only=True)

    @validates_schema
    def _dates_in_order(self, data, **kwargs):
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("Must be on or after starts_on.", "ends_on")

    @post_load
    def _dedupe_areas(self, data, **kwargs):
        if "target_areas" in data:
            data["target_areas"] = list(dict.fromkeys(data["target_areas"]))
        return data


UPDATE_RULES = ("Any of the operation's fields; at least a JSON object ({} changes nothing). The rules across "
                "fields still hold after the change: ends_on is on or after starts_on, the stored one when "
                "starts_on is not sent; slug is not used by another operation (409).")


class OperationUpdateSchema(OperationSchema):
    """A PATCH: any of the fields. (marshmallow has no Meta.partial; it is set per instance.)"""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class OperationQuerySchema(StrictSchema):
    current = fields.Boolean(load_default=None, metadata={"description": "Only operations running today."})
