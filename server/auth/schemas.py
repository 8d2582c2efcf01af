from marshmallow import EXCLUDE, fields, validate

from ..core.schemas import StrictSchema, text
from ..core.security import ROLES
from .passwords import MAX_LENGTH, MIN_LENGTH


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
    must_change_password = fields.Boolean(dump_only=True, metadata={
        "description": "Set after an administrator's reset: until changePassword, every other call answers 403 "
                       "(code password_change_required)."})


class SessionSchema(StrictSchema):
    officer = fields.Nested(OfficerSchema, required=True)
    csrf_token = fields.String(required=True, metadata={"description": "Send back in the X-CSRF-Token header on every POST, PATCH, PUT and DELETE."})
    operations = fields.List(fields.Nested("OperationSchema"), required=True)


class ChangePasswordSchema(StrictSchema):
    # Never logged, never echoed back.
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(
        min=MIN_LENGTH, max=MAX_LENGTH, error="Use at least {min} characters (and at most {max})."),
                                 metadata={"description": "At least 12 characters, and not easy to guess "
                                                          "(common passwords, your own details)."})


class PasswordChangedSchema(StrictSchema):
    changed = fields.Boolean(required=True)
    other_sessions_ended = fields.Integer(required=True)


class IdentityProviderSchema(StrictSchema):
    name = fields.String(required=True, metadata={"description": "For the button: \"Sign in with <name>\"."})
    start_url = fields.String(required=True, metadata={
        "description": "Open this in the browser (a full-page navigation, not a fetch) to sign in through "
                       "the provider; it comes back to the app signed in."})


class SignInOptionsSchema(StrictSchema):
    local_passwords = fields.Boolean(required=True, metadata={
        "description": "Whether shoulder number and password sign-in (POST /api/auth/login) is on."})
    identity_provider = fields.Nested(IdentityProviderSchema, allow_none=True, required=True, metadata={
        "description": "The force's identity provider, or null when sign-in through one is not set up."})


class ProviderCallbackSchema(StrictSchema):
    """What the identity provider sends back to the app (OpenID Connect's authorization response)."""
    class Meta:
        unknown = EXCLUDE  # providers add their own parameters (session_state, iss, ...)

    code = fields.String(validate=validate.Length(max=4096), load_only=True)
    state = fields.String(validate=validate.Length(max=512))
    error = fields.String(validate=validate.Length(max=200))
    error_description = fields.String(validate=validate.Length(max=2000), load_only=True)


class LogoutSchema(StrictSchema):
    logged_out = fields.Boolean(required=True)


OPERATION_EXAMPLE = {"id": 1, "name": "Operation Revive", "slug": "revive", "description": "",
                     "local_policing_area": "West", "target_areas": ["NN3", "NN5"], "starts_on": "2026-09-01",
                     "ends_on": None, "is_current": True}
# Shown in the OpenAPI document (and so to generated clients).
LOGIN_EXAMPLES = {
    "request": {"shoulder_number": "PC2201", "password": "correct-horse-battery"},
    "200": {"officer": {"id": 7, "shoulder_number": "PC2201", "display_name": "PC Amy Cole", "role": "officer",
                        "team": "West Team 2", "active": True},
            "csrf_token": "3q2-7wEXAMPLEtokenWf9zQ", "operations": [OPERATION_EXAMPLE]},
}
