from marshmallow import fields, validate

from ..core.schemas import StrictSchema, text
from ..core.security import ROLES


class LoginSchema(StrictSchema):
    shoulder_number = text(16, 1, required=True)
    # Never logged, never echoed back.
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class OfficerSchema(StrictSchema):
    id = fields.Integer(dump_only=True)
    shoulder_number = fields.String()
    display_name = fields.String()
    role = fields.String(validate=validate.OneOf(ROLES))
    team = fields.String(allow_none=True)
    active = fields.Boolean()


class SessionSchema(StrictSchema):
    officer = fields.Nested(OfficerSchema, required=True)
    csrf_token = fields.String(required=True, metadata={"description": "Send back in the X-CSRF-Token header on every POST, PATCH, PUT and DELETE."})
    operations = fields.List(fields.Nested("OperationSchema"), required=True)


class LogoutSchema(StrictSchema):
    logged_out = fields.Boolean(required=True)
