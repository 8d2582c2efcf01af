"""The API contract for records: one schema per kind, used for input and output."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask_login import current_user
from marshmallow import ValidationError, fields, validate, validates, validates_schema

from ..core.schemas import AwareDateTime, Integer, DayRangeArgsSchema, PageArgsSchema, StrictSchema, ident, text
from ..operations.schemas import DistrictField
from . import reference as ref
from .access import audit_view, withheld_fields
from .models import IntelligenceLog

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Phones' clocks drift; an entry a few minutes "in the future" is still real.
CLOCK_SKEW = timedelta(minutes=15)
# The handling code under which intelligence may be shared only on stated conditions.
HANDLING_CODE_WITH_CONDITIONS = "C"


def one_of(values, **kw):
    choices = list(values.keys()) if isinstance(values, dict) else list(values)
    return fields.String(validate=validate.OneOf(choices), **kw)


def optional_one_of(values):
    return one_of(values, allow_none=True, load_default=None)


class OfficerRefSchema(StrictSchema):
    id = fields.Integer()
    shoulder_number = fields.String()
    display_name = fields.String()
    team = fields.String(allow_none=True)


class RecordBaseSchema(StrictSchema):
    id = fields.UUID(required=True, metadata={"description": "Made on the phone; the identity used to de-duplicate."})
    kind = fields.String(required=True, validate=validate.OneOf(list(ref.KINDS)))
    base_version = Integer(load_only=True, allow_none=True, load_default=None,
                                  validate=validate.Range(min=1),
                                  metadata={"description": "For an edit: the version the change was made on."})
    operation_id = ident(required=True)
    shift_id = fields.UUID(allow_none=True, load_default=None)
    occurred_at = AwareDateTime(required=True, metadata={
        "description": "With a UTC offset; stored in UTC. From 2000 on, and not more than 15 minutes ahead of "
                       "the server's clock."})
    area = DistrictField(required=True, metadata={"description": "Postcode district, e.g. NN3."})
    latitude = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90),
                            metadata={"description": "Given together with longitude, or neither."})
    longitude = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180),
                             metadata={"description": "Given together with latitude, or neither."})
    place = text(200, allow_none=True, load_default=None)
    notes = text(4000, load_default="")
    # Server-owned: refused if sent.
    officer = fields.Nested(OfficerRefSchema, dump_only=True)
    status = fields.String(dump_only=True, validate=validate.OneOf(ref.STATUSES))
    version = fields.Integer(dump_only=True)
    received_at = fields.AwareDateTime(dump_only=True)
    updated_at = fields.AwareDateTime(dump_only=True)
    review_comment = fields.String(dump_only=True, allow_none=True)
    void_reason = fields.String(dump_only=True, allow_none=True)

    @validates("occurred_at")
    def _plausible_time(self, value, **kwargs):
        if value < EARLIEST:
            raise ValidationError("Too far in the past.")
        if value > datetime.now(timezone.utc) + CLOCK_SKEW:
            raise ValidationError("Is in the future; check the phone's clock.")

    @validates_schema
    def _both_coordinates(self, data, **kwargs):
        has_lat, has_lng = data.get("latitude") is not None, data.get("longitude") is not None
        if has_lat != has_lng:
            raise ValidationError("Give latitude and longitude together, or neither.",
                                  "longitude" if has_lat else "latitude")


class StopSearchSchema(RecordBaseSchema):
    search_type = one_of(ref.SEARCH_TYPES, required=True)
    legislation = one_of(ref.LEGISLATION, required=True)
    object_of_search = one_of(ref.OBJECTS_OF_SEARCH, required=True)
    outcome = one_of(ref.OUTCOMES, required=True)
    outcome_linked_to_object_of_search = fields.Boolean(allow_none=True, load_default=None)
    removal_of_more_than_outer_clothing = fields.Boolean(allow_none=True, load_default=None)
    gender = optional_one_of(ref.GENDERS)
    age_range = optional_one_of(ref.AGE_RANGES)
    self_defined_ethnicity = optional_one_of(ref.SELF_DEFINED_ETHNICITIES)
    officer_defined_ethnicity = optional_one_of(ref.OFFICER_DEFINED_ETHNICITIES)


class ArrestSchema(RecordBaseSchema):
    offence_category = one_of(ref.OFFENCE_CATEGORIES, required=True)
    power_of_arrest = one_of(ref.POWERS_OF_ARREST, required=True)
    linked_stop_search_id = fields.UUID(allow_none=True, load_default=None,
                                        metadata={"description": "The stop search that led to this arrest."})
    custody_reference = text(40, allow_none=True, load_default=None)
    arrest_outcome = optional_one_of(ref.ARREST_OUTCOMES)


class SafeguardingReferralSchema(RecordBaseSchema):
    subject = one_of(ref.SAFEGUARDING_SUBJECTS, required=True)
    concern_categories = fields.List(one_of(ref.CONCERN_CATEGORIES), required=True,
                                     validate=validate.Length(min=1, max=len(ref.CONCERN_CATEGORIES)),
                                     metadata={"description": "Each at most once."})
    agency = one_of(ref.AGENCIES, required=True)
    risk_level = one_of(ref.RISK_LEVELS, required=True)
    ppn_reference = text(40, allow_none=True, load_default=None)

    @validates("concern_categories")
    def _no_repeats(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("A category is listed twice.")


class IntelligenceLogSchema(RecordBaseSchema):
    source_evaluation = one_of(ref.SOURCE_EVALUATIONS, required=True, metadata={"description": "1, 2 or 3."})
    intelligence_assessment = one_of(ref.INTELLIGENCE_ASSESSMENTS, required=True, metadata={"description": "A to E."})
    handling_code = one_of(ref.HANDLING_CODES, required=True, metadata={"description": "P or C."})
    handling_conditions = text(1000, allow_none=True, load_default=None,
                               metadata={"description": "Required (not blank) when handling_code is C."})
    topics = fields.List(one_of(ref.INTELLIGENCE_TOPICS), required=True,
                         validate=validate.Length(min=1, max=len(ref.INTELLIGENCE_TOPICS)),
                         metadata={"description": "Each at most once."})
    how_obtained = one_of(ref.HOW_OBTAINED, required=True,
                          metadata={"description": "How the intelligence came in. Who gave it is never recorded."})
    intelligence_text = fields.String(required=True, validate=validate.Length(min=1, max=8000),
                                      metadata={"description": "Returned only to its author and cleared roles."})

    @validates_schema
    def _conditions_with_code_c(self, data, partial=None, **kwargs):
        if data.get("handling_code") == HANDLING_CODE_WITH_CONDITIONS and not (data.get("handling_conditions") or "").strip():
            raise ValidationError("State the conditions when the handling code is C.", "handling_conditions")

    @validates("topics")
    def _no_repeats(self, value, **kwargs):
        if len(set(value)) != len(value):
            raise ValidationError("A topic is listed twice.")


class WithheldIntelligenceLogSchema(IntelligenceLogSchema):
    """An intelligence log as someone not cleared to read it sees it: enough to count it (its day,
    area, grading, topics and status), nothing that could name or locate its source."""

    class Meta(IntelligenceLogSchema.Meta):
        exclude = tuple(sorted(IntelligenceLog.SOURCE_REVEALING & set(IntelligenceLogSchema().fields)))

    occurred_on = fields.Date(dump_only=True, metadata={"description": "The force-local day it happened."})
    withheld = fields.List(fields.String(), dump_only=True, required=True,
                           metadata={"description": "The fields left out because they could identify a source."})


SCHEMA_BY_KIND: dict[str, type[RecordBaseSchema]] = {
    "stop_search": StopSearchSchema,
    "arrest": ArrestSchema,
    "safeguarding_referral": SafeguardingReferralSchema,
    "intelligence_log": IntelligenceLogSchema,
}
_LOADERS = {kind: cls() for kind, cls in SCHEMA_BY_KIND.items()}
_DUMPERS = {kind: cls() for kind, cls in SCHEMA_BY_KIND.items()}
_WITHHELD_INTELLIGENCE = WithheldIntelligenceLogSchema()
WITHHELD_LIST = list(WithheldIntelligenceLogSchema.Meta.exclude)


def load_record(raw) -> dict:
    """Validate one record payload against its kind's schema (raises ValidationError)."""
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": ["Each record must be an object."]})
    kind = raw.get("kind")
    if kind not in _LOADERS:
        raise ValidationError({"kind": [f"Must be one of: {', '.join(ref.KINDS)}."]})
    return _LOADERS[kind].load(raw)


def payload_fields(kind: str) -> dict[str, fields.Field]:
    """The fields a payload of `kind` may carry, by name, as its schema loads them (each with its
    type, allow_none and load_default): for code that must agree with the schema without loading."""
    return dict(_LOADERS[kind].load_fields)


def dump_record(record, viewer=None) -> dict:
    """Every record leaving the API goes through here: an intelligence log whole only to those cleared."""
    viewer = viewer if viewer is not None else current_user
    if withheld_fields(record, viewer):
        return {**_WITHHELD_INTELLIGENCE.dump(record), "withheld": WITHHELD_LIST}
    return _DUMPERS[record.kind].dump(record)


def dump_history(record, entries, viewer=None) -> list:
    """The audit entries of a record as the viewer may see them (records.access.audit_view)."""
    hidden = withheld_fields(record, viewer if viewer is not None else current_user)
    return [audit_view(e, hidden) for e in entries]


KIND_COMPONENTS = {"stop_search": "StopSearch", "arrest": "Arrest", "safeguarding_referral": "SafeguardingReferral",
                   "intelligence_log": "IntelligenceLog"}
KIND_REFS = [{"$ref": f"#/components/schemas/{name}"} for name in KIND_COMPONENTS.values()]
# How a client tells the kinds apart (each component's kind allows its own value only).
KIND_DISCRIMINATOR = {"propertyName": "kind",
                      "mapping": {kind: f"#/components/schemas/{name}" for kind, name in KIND_COMPONENTS.items()}}
# What an answer may hold: the four kinds, or an intelligence log with what could identify its source left out.
ANSWER_REFS = KIND_REFS + [{"$ref": "#/components/schemas/WithheldIntelligenceLog"}]


class AnyRecord(fields.Field):
    """A record of any of the four kinds, told apart by `kind`."""

    def __init__(self, **kwargs):
        # No discriminator: an intelligence log comes as a whole IntelligenceLog or, for a viewer not
        # cleared for it, as a WithheldIntelligenceLog; both carry kind "intelligence_log".
        kwargs.setdefault("metadata", {})["oneOf"] = ANSWER_REFS
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else dump_record(value)

    def _deserialize(self, value, attr, data, **kwargs):
        # Each item is validated on its own so one bad entry never sinks a batch.
        if not isinstance(value, dict):
            raise ValidationError("Each record must be an object.")
        return value


class RecordPageSchema(StrictSchema):
    items = fields.List(AnyRecord(), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class RecordQuerySchema(PageArgsSchema, DayRangeArgsSchema):
    operation = ident(metadata={"description": "Operation id."})
    kind = fields.String(validate=validate.OneOf(list(ref.KINDS)))
    officer = ident(metadata={"description": "Officer id."})
    area = DistrictField()
    status = fields.String(validate=validate.OneOf(ref.STATUSES))
    shift = fields.UUID()


class RecordPatchSchema(StrictSchema):
    """Documents PATCH: base_version plus any of the kind's own fields."""

    base_version = Integer(required=True, validate=validate.Range(min=1))


def _reviewed_version(**kwargs):
    return Integer(validate=validate.Range(min=1), **kwargs)


class ReasonSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=1000))
    base_version = _reviewed_version(load_default=None, metadata={
        "description": "The version being voided; if sent and the entry has moved on, 409 with the newer copy."})


class CommentSchema(StrictSchema):
    comment = fields.String(required=True, validate=validate.Length(min=3, max=1000))
    base_version = _reviewed_version(required=True, metadata={
        "description": "The version the reviewer saw; 409 with the newer copy if the entry has moved on."})


class ReviewSchema(StrictSchema):
    comment = fields.String(validate=validate.Length(max=1000), load_default=None, allow_none=True)
    base_version = _reviewed_version(required=True, metadata={
        "description": "The version the reviewer saw; 409 with the newer copy if the entry has moved on."})


class AuditEntrySchema(StrictSchema):
    id = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.Nested(OfficerRefSchema)
    action = fields.String()
    version = fields.Integer()
    changes = fields.Dict(allow_none=True, metadata={"description": "{field: [before, after]}; restricted text shows only that it changed."})
    comment = fields.String(allow_none=True)
    # For a viewer not cleared for the intelligence log: the day instead of `at`, and what was left out.
    on = fields.Date(metadata={"description": "The force-local day, given instead of at when the time is withheld."})
    withheld = fields.List(fields.String(), metadata={"description": "Left out: they could identify a source."})


class ReferenceListsSchema(StrictSchema):
    lists = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()))


class RecordEnvelopeSchema(StrictSchema):
    record = AnyRecord(required=True)


class HistorySchema(StrictSchema):
    entries = fields.List(fields.Nested(AuditEntrySchema), required=True)


class ShiftSchema(StrictSchema):
    id = fields.UUID(required=True, metadata={"description": "Made on the phone."})
    operation_id = ident(required=True)
    started_at = AwareDateTime(required=True, metadata={
        "description": "From 2000 on, and not more than 15 minutes ahead of the server's clock."})
    ended_at = AwareDateTime(allow_none=True, load_default=None, metadata={
        "description": "After started_at, and not more than 15 minutes ahead of the server's clock."})
    officer = fields.Nested(OfficerRefSchema, dump_only=True)

    @validates("started_at")
    def _plausible_start(self, value, **kwargs):
        if value < EARLIEST or value > datetime.now(timezone.utc) + CLOCK_SKEW:
            raise ValidationError("Not a plausible start time; check the phone's clock.")

    @validates_schema
    def _ends_after_start(self, data, **kwargs):
        if data.get("ended_at") and data.get("started_at") and data["ended_at"] < data["started_at"]:
            raise ValidationError("Must be after started_at.", "ended_at")
        if data.get("ended_at") and data["ended_at"] > datetime.now(timezone.utc) + CLOCK_SKEW:
            raise ValidationError("Is in the future; check the phone's clock.", "ended_at")


_SHIFT_LOADER = ShiftSchema()


def load_shift(raw) -> dict:
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": ["Each shift must be an object."]})
    return _SHIFT_LOADER.load(raw)


def add_openapi_components(spec) -> None:
    """Name the kinds in the OpenAPI document, before the blueprints that answer them are registered:
    answers refer to them by oneOf, and each kind's component allows its own `kind` only (the discriminator)."""
    for name, schema in (("StopSearch", StopSearchSchema), ("Arrest", ArrestSchema),
                         ("SafeguardingReferral", SafeguardingReferralSchema),
                         ("IntelligenceLog", IntelligenceLogSchema), ("Shift", ShiftSchema),
                         ("WithheldIntelligenceLog", WithheldIntelligenceLogSchema)):
        spec.components.schema(name, schema=schema)
    for kind, name in KIND_COMPONENTS.items():
        spec.components.schemas[name]["properties"]["kind"] = {"type": "string", "enum": [kind]}
