"""Query and answer shapes for tallies and shift review."""
from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from ..core.schemas import DATE_RANGE_MESSAGE, Date, StrictSchema, date_in_range, ident
from ..operations.schemas import OperationSchema
from ..records import reference as ref
from ..records.schemas import AnyRecord, OfficerRefSchema
from .counting import DIMENSIONS
from .periods import ALIASES, POPULATIONS, RULES, Period

MAX_DAYS = 366 * 20


_DIMENSION = "(?:" + "|".join(DIMENSIONS) + ")"
# What the OpenAPI document states (ECMA-262 regex); the field accepts exactly these strings, less repeats.
GROUP_BY_PATTERN = f"^{_DIMENSION}(?:,{_DIMENSION})*$"
_DATE = "[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
COMPARE_NAMES = (*ALIASES, *RULES)
COMPARE_PATTERN = f"^(?:{'|'.join(COMPARE_NAMES)}|{_DATE}/{_DATE})$"
COMPARE_DOC = ("The period compared with: before_launch (as many days just before launch), previous_period "
               "(as many days just before), previous_month (the calendar month before; the period must lie "
               "within one month from its 1st), previous_week (the ISO week before; within one week from its "
               "Monday), last_year (the same dates a year earlier; 29 February as the 28th), previous "
               "(previous_month for a whole calendar month, previous_week for a whole ISO week, else "
               f"previous_period), or YYYY-MM-DD/YYYY-MM-DD (real dates, the second on or after the first, at "
               f"most {MAX_DAYS} days apart). Periods of unequal length are compared as daily "
               "rates; a comparison period that overlaps the period counted, or comes after it, is refused.")
_COMPARE_HINT = "Use " + ", ".join(COMPARE_NAMES) + " or YYYY-MM-DD/YYYY-MM-DD."


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
    """A named comparison period (COMPARE_NAMES) or `YYYY-MM-DD/YYYY-MM-DD`."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(_COMPARE_HINT)
        if value in COMPARE_NAMES:
            return value
        m = _RANGE.fullmatch(value)
        if not m:
            raise ValidationError(_COMPARE_HINT)
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
    to = Date(metadata={"description": "Last local day, inclusive (default: today). On or after from "
                                       "(or its default), and the period is at most "
                                              f"{MAX_DAYS} days long."})

    @validates_schema
    def _in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to"):
            if data["to"] < data["from_"]:
                raise ValidationError("Must be on or after from.", "to")
            if (data["to"] - data["from_"]).days > MAX_DAYS:
                raise ValidationError("The period is too long.", "to")


class ComparisonArgsSchema(PeriodArgsSchema):
    """What to compare the period with, and who both sides count."""

    compare = CompareField(load_default=None, metadata={"type": "string", "pattern": COMPARE_PATTERN,
                                                        "description": COMPARE_DOC})
    compare_from = Date(metadata={"description": "First day of an explicit comparison period "
                                                 "(with compare_to; instead of compare)."})
    compare_to = Date(metadata={"description": "Last day of an explicit comparison period, inclusive."})
    population = fields.String(validate=validate.OneOf(POPULATIONS), metadata={
        "description": "Who both periods count: operation (the operation's own records) or districts (every "
                       "record in the operation's target districts, whatever the operation). Default: "
                       "districts when the comparison period starts before launch (before_launch always "
                       "does), else operation."})

    @validates_schema
    def _explicit_range(self, data, **kwargs):
        given = [k for k in ("compare_from", "compare_to") if data.get(k) is not None]
        if not given:
            return
        if data.get("compare") is not None:
            raise ValidationError("Give either compare or compare_from and compare_to, not both.", "compare_from")
        if len(given) == 1:
            missing = "compare_to" if given == ["compare_from"] else "compare_from"
            raise ValidationError("Give compare_from and compare_to together.", missing)
        if data["compare_to"] < data["compare_from"]:
            raise ValidationError("Must be on or after compare_from.", "compare_to")
        if (data["compare_to"] - data["compare_from"]).days > MAX_DAYS:
            raise ValidationError("The comparison period is too long.", "compare_to")


class TallyQuerySchema(ComparisonArgsSchema):
    group_by = GroupByField(load_default=lambda: ["kind"],
                            metadata={"description": f"Comma-separated, any of: {', '.join(DIMENSIONS)} "
                                                     "(each at most once). Default: kind.",
                                      "type": "string", "pattern": GROUP_BY_PATTERN, "example": "kind,area,week"})
    team = fields.String(validate=validate.Length(min=1, max=64))
    officer = ident(metadata={"description": "Officer id."})


class ChangeSchema(StrictSchema):
    previous = fields.Integer()
    current = fields.Integer()
    change_percent = fields.Float(allow_none=True)
    label = fields.String()


class ComparisonSchema(StrictSchema):
    rule = fields.String(metadata={"description": "The named comparison period, or range (dates given)."})
    population = fields.String(metadata={"description": "Who both periods count: operation or districts."})
    period = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "The comparison period."})
    days = fields.Integer()
    current_period = fields.Dict(keys=fields.String(), values=fields.String())
    current_days = fields.Integer()
    daily_rate = fields.Boolean(metadata={"description": "True when the lengths differ: changes compare daily rates."})
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "The comparison period's counts."})
    current_totals = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                 metadata={"description": "The current period's counts in the same population."})
    change = fields.Dict(keys=fields.String(), values=fields.Nested(ChangeSchema))
    description = fields.String(metadata={"description": "Both periods and the rule, in words."})


class TallyGroupSchema(StrictSchema):
    """One group: a value for each dimension of group_by (only those), and its count."""
    kind = fields.String(validate=validate.OneOf(list(ref.KINDS)))
    area = fields.String(metadata={"description": "Postcode district."})
    day = fields.Date(metadata={"description": "Local day."})
    week = fields.Date(metadata={"description": "The Monday of the ISO week (Monday to Sunday)."})
    month = fields.String(validate=validate.Regexp(r"^[0-9]{4}-[0-9]{2}$"), metadata={"example": "2026-03"})
    team = fields.String(allow_none=True)
    officer = fields.Nested(OfficerRefSchema)
    status = fields.String(validate=validate.OneOf(ref.STATUSES))
    count = fields.Integer(required=True)


class PlainGroups(fields.List):
    """Documented as a list of TallyGroup; dumped as it is: the service builds each group from plain
    strings and integers already, and a force-wide tally by kind, area and week of a year has
    hundreds of them (a field call per group and per value is most of the answer's cost)."""

    def __init__(self, **kwargs):
        super().__init__(fields.Nested(TallyGroupSchema), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else list(value)


class TallySchema(StrictSchema):
    operation = fields.Nested(OperationSchema)
    period = fields.Dict(keys=fields.String(), values=fields.String())
    group_by = fields.List(fields.String())
    totals = fields.Dict(keys=fields.String(), values=fields.Integer())
    groups = PlainGroups(metadata={"description": "One object per group: its value of each group_by dimension, "
                                                  "and its count."})
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


# Shown in the OpenAPI document (and so to generated clients): ?group_by=kind,area&compare=previous
TALLY_EXAMPLES = {"200": {
    "operation": {"id": 1, "name": "Operation Revive", "slug": "revive", "description": "",
                  "local_policing_area": "West", "target_areas": ["NN3", "NN5"], "starts_on": "2026-09-01",
                  "ends_on": None, "is_current": True},
    "period": {"from": "2026-11-01", "to": "2026-11-30"},
    "group_by": ["kind", "area"],
    "totals": {"stop_search": 12, "arrest": 3, "safeguarding_referral": 2, "intelligence_log": 5, "all": 22},
    "groups": [{"kind": "intelligence_log", "area": "NN3", "count": 5},
               {"kind": "arrest", "area": "NN3", "count": 2}, {"kind": "arrest", "area": "NN5", "count": 1},
               {"kind": "safeguarding_referral", "area": "NN5", "count": 2},
               {"kind": "stop_search", "area": "NN3", "count": 8}, {"kind": "stop_search", "area": "NN5", "count": 4}],
    "comparison": {"period": {"from": "2026-10-02", "to": "2026-10-31"},
                   "totals": {"stop_search": 10, "arrest": 3, "safeguarding_referral": 1, "intelligence_log": 5,
                              "all": 19},
                   "change": {"all": {"previous": 19, "current": 22, "change_percent": 15.8, "label": "up 16%"}}},
    "headline": "5 intelligence logs, 3 arrests, 2 safeguarding referrals and 12 stop searches.",
}}
