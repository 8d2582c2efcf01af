from marshmallow import fields, validate

from ..core.schemas import AwareDateTime, Date, DayRangeArgsSchema, PageArgsSchema, StrictSchema, ident, text
from ..core.security import ROLES
from ..operations.schemas import OperationSchema

SHOULDER_NUMBER = r"^\s*[A-Za-z]{1,6}[0-9]{1,6}\s*$"
SHOULDER_NUMBER_MESSAGE = "A shoulder number is letters then digits, e.g. PC2401."
TEAM_NAME = text(64, 1, required=True, metadata={"description": "A team's name, e.g. West Team 2."})


def _shoulder_number(**kw):
    return fields.String(validate=[validate.Length(min=2, max=16),
                                   validate.Regexp(SHOULDER_NUMBER, error=SHOULDER_NUMBER_MESSAGE)], **kw)


def _role(**kw):
    return fields.String(validate=validate.OneOf(ROLES, error="Not a role: one of " + ", ".join(ROLES) + "."), **kw)


class TeamSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    name = TEAM_NAME
    officers = fields.Integer(dump_only=True, metadata={"description": "Active officers in the team now."})


class MembershipSchema(StrictSchema):
    team = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, required=True, metadata={"description": "Last day; null: still in it."})


class RosterOfficerSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    shoulder_number = fields.String(dump_only=True)
    display_name = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    team = fields.String(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)
    must_change_password = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    teams = fields.List(fields.Nested(MembershipSchema), dump_only=True,
                        metadata={"description": "Team history, oldest first."})


class RosterQuerySchema(StrictSchema):
    team = text(64, 1, metadata={"description": "Only this team's officers."})
    active = fields.Boolean(metadata={"description": "Only active (true) or deactivated (false) officers."})


class OfficerCreateSchema(StrictSchema):
    shoulder_number = _shoulder_number(required=True)
    display_name = text(100, 1, required=True)
    role = _role(required=True)
    team = text(64, 1, allow_none=True, load_default=None,
                metadata={"description": "A known team (listTeams); null for force-wide roles."})
    starts_on = Date(load_default=None, metadata={"description": "First day in the team (default today)."})


class OfficerUpdateSchema(StrictSchema):
    shoulder_number = _shoulder_number()
    display_name = text(100, 1)
    role = _role()


OFFICER_UPDATE_RULES = ("Any of shoulder_number, display_name, role (at least a JSON object; {} changes nothing). "
                        "A shoulder number used by another officer is refused (409). A team changes with "
                        "moveOfficer, from a date.")


class MoveSchema(StrictSchema):
    team = text(64, 1, required=True, metadata={"description": "A known team (listTeams)."})
    starts_on = Date(required=True, metadata={"description": "First day in the new team: today or earlier, "
                                                             "and not before the current team's first day."})


class NewPasswordAnswerSchema(StrictSchema):
    officer = fields.Nested(RosterOfficerSchema, required=True)
    one_time_password = fields.String(required=True, metadata={
        "description": "Shown this once and never again: the officer signs in with it and must choose their own."})


class AdminOperationSchema(OperationSchema):
    """Opening an operation: as createOperation, the slug made from the name when not sent."""

    slug = fields.String(load_default=None, validate=[
        validate.Length(min=1, max=80),
        validate.Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="Use lower-case letters, digits and dashes.")],
        metadata={"description": "Made from the name when not sent."})


class AdminOperationUpdateSchema(AdminOperationSchema):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class CloseOperationSchema(StrictSchema):
    ends_on = Date(load_default=None, metadata={"description": "Last day (default today); on or after starts_on."})


class AuditQuerySchema(PageArgsSchema, DayRangeArgsSchema):
    officer = ident(metadata={"description": "Entries about this officer, or made by them."})
    operation = ident(metadata={"description": "Entries about this operation."})


class AuditPersonSchema(StrictSchema):
    id = fields.Integer(required=True)
    shoulder_number = fields.String(required=True)
    display_name = fields.String(required=True)


class AdminAuditEntrySchema(StrictSchema):
    id = fields.Integer(required=True)
    at = AwareDateTime(required=True)
    actor = fields.Nested(AuditPersonSchema, required=True)
    action = fields.String(required=True)
    officer = fields.Nested(AuditPersonSchema, allow_none=True, required=True)
    operation_id = fields.Integer(allow_none=True, required=True)
    team = fields.String(allow_none=True, required=True)
    before = fields.Dict(allow_none=True, required=True)
    after = fields.Dict(allow_none=True, required=True)


class AdminAuditPageSchema(StrictSchema):
    items = fields.List(fields.Nested(AdminAuditEntrySchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
