"""Query and answer shapes for tallies and shift review (the API contract in HELPERS.md)."""
from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from ..core.schemas import DATE_RANGE_MESSAGE, Date, StrictSchema, date_in_range, ident
from ..operations.schemas import OperationSchema
from ..records.schemas import AnyRecord, OfficerRefSchema
from .service import DIMENSIONS, Period

MAX_DAYS = 366 * 20


_DIMENSION = "(?:" + "|".join(DIMENSIONS) + ")"
# What the OpenAPI document states (ECMA-262 regex); the field accepts exactly these strings, less repeats.
GROUP_BY_PATTERN = f"^{_DIMENSION}(?:,{_DIMENSION})*$"
_DATE = "[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
COMPARE_PATTERN = f"^(?:previous|{_DATE}/{_DATE})$"


class GroupByField(fields.Field):
    """`kind,area,week`: any of the supported dimensions, each at most once, comma-separated."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Give a comma-separated list, e.g. kind,area,week.")
        parts = value.split(",")
        unknown = [p for p in parts if p not in DIMENSIONS]
        if unknown:
            shown = ", ".join(repr(p) for p in unknown)
            raise ValidationError(f"Unknown grouping {shown}; use any of {', '.join(DIMENSIONS)}, "
                                  "separated by commas, e.g. kind,area,week.")
        if len(set(parts)) != len(parts):
            raise ValidationError("A grouping is listed twice.")
        return parts

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else ",".join(value)


_RANGE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})/([0-9]{4}-[0-9]{2}-[0-9]{2})")


class CompareField(fields.Field):
    """`previous` (the period of equal length just before) or `YYYY-MM-DD/YYYY-MM-DD`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Use previous or YYYY-MM-DD/YYYY-MM-DD.")
        if value == "previous":
            return "previous"
        m = _RANGE.fullmatch(value)
        if not m:
            raise ValidationError("Use previous or YYYY-MM-DD/YYYY-MM-DD.")
        try:
            start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        except ValueError:
            raise ValidationError("Not a valid date range; use YYYY-MM-DD/YYYY-MM-DD.")
        if not (date_in_range(start) and date_in_range(end)):
            raise ValidationError(DATE_RANGE_MESSAGE)
        if end < start:
            raise ValidationError("The comparison period ends before it starts.")
        if (end - start).days > MAX_DAYS:
            raise ValidationError("The comparison period is too long.")
        return Period(start, end)

    def _serialize(self, value, attr, obj, **kwargs):
        return value if isinstance(value, str) or value is None else f"{value.start}/{value.end}"


class PeriodArgsSchema(StrictSchema):
    from_ = Date(data_key="from", metadata={"description": "First local day (default: the operation's start)."})
    to = Date(metadata={"description": "Last local day, inclusive (default: today)."})

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to"):
            if data["to"] < data["from_"]:
                raise ValidationError("Must be on or after from.", "to")
            if (data["to"] - data["from_"]).days > MAX_DAYS:
                raise ValidationError("The period is too long.", "to")


class TallyQuerySchema(PeriodArgsSchema):
    group_by = GroupByField(load_default=lambda: ["kind"],
                            metadata={"description": f"Comma-separated, any of: {', '.join(DIMENSIONS)} "
                                                     "(each at most once).",
                                      "type": "string", "pattern": GROUP_BY_PATTERN, "example": "kind,area,week"})
    compare = CompareField(load_default=None, metadata={"type": "string", "pattern": COMPARE_PATTERN,
                                                        "description": "previous, or YYYY-MM-DD/YYYY-MM-DD"})
    team = fields.String(validate=validate.Length(min=1, max=64))
    officer = ident(metadata={"description": "Officer id."})


class ChangeSchema(StrictSchema):
    previous = fields.Integer()
    current = fields.Integer()
    change_percent = fields.Float(allow_none=True)
    label = fields.String()


class ComparisonSchema(StrictSchema):
    period = fields.Dict(keys=fields.String(), values=fields.String())
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    change = fields.Dict(keys=fields.String(), values=fields.Nested(ChangeSchema))


class PlainGroups(fields.List):
    """Documented as a list of objects; dumped as it is: the service builds each group from plain
    strings and integers already, and a force-wide tally by kind, area and week of a year has
    hundreds of them (a field call per group and per value is most of the answer's cost)."""

    def __init__(self, **kwargs):
        super().__init__(fields.Dict(), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else list(value)


class TallySchema(StrictSchema):
    operation = fields.Nested(OperationSchema)
    period = fields.Dict(keys=fields.String(), values=fields.String())
    group_by = fields.List(fields.String())
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    groups = PlainGroups(metadata={"description": "One object per group: its keys and count."})
    comparison = fields.Nested(ComparisonSchema, allow_none=True)
    headline = fields.String()


class ShiftQuerySchema(StrictSchema):
    operation = ident(metadata={"description": "Operation id."})
    team = fields.String(validate=validate.Length(min=1, max=64))
    date = Date(metadata={"description": "Local day the shift started on."})


class ShiftSummarySchema(StrictSchema):
    id = fields.UUID()
    officer = fields.Nested(OfficerRefSchema)
    operation_id = fields.Integer()
    started_at = fields.AwareDateTime()
    ended_at = fields.AwareDateTime(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    unverified = fields.Integer()


class ShiftListSchema(StrictSchema):
    items = fields.List(fields.Nested(ShiftSummarySchema))


class OfficerCountsSchema(StrictSchema):
    officer = fields.Nested(OfficerRefSchema)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    total = fields.Integer()
    unverified = fields.Integer()


class ShiftTallySchema(StrictSchema):
    shift = fields.Nested(ShiftSummarySchema)
    window = fields.Dict(keys=fields.String(), values=fields.String())
    officers = fields.List(fields.Nested(OfficerCountsSchema))
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    unverified = fields.Integer()
    review_queue = fields.List(AnyRecord())
