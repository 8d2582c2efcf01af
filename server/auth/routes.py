import logging

from flask_login import current_user
from flask_smorest import Blueprint

from ..admin.service import audit
from ..core.db import db
from ..core.errors import ApiError
from ..core.limits import count_login_attempt
from ..core.security import ALL_ROLES, allowed_before_password_change, public, requires, security_event
from ..operations.models import Operation
from .models import Officer
from .passwords import password_problems
from .schemas import ChangePasswordSchema, LoginSchema, LogoutSchema, PasswordChangedSchema, SessionSchema
from .sessions import end_other_sessions, end_session, start_session

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Logging in and out")


def _session_payload(officer) -> dict:
    return {"officer": officer, "csrf_token": officer.csrf_token, "operations": Operation.current()}


@blp.route("/login", methods=["POST"])
@public
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, description="Wrong shoulder number or password")
@blp.alt_response(429, description="Too many failed logins for this account or address")
def login(creds):
    attempt = count_login_attempt(creds["shoulder_number"])  # 429 once the failures are used up
    officer = db.session.scalar(
        db.select(Officer).where(Officer.shoulder_number == creds["shoulder_number"].strip().upper()))
    if officer is None:
        Officer.burn_password_check(creds["password"])
    if officer is None or not officer.check_password(creds["password"]) or not officer.active:
        security_event("login_failed", logging.WARNING, shoulder_number=creds["shoulder_number"][:16])
        raise ApiError(401, "Shoulder number or password is wrong.", code="login_failed")
    attempt.succeeded()
    if officer.needs_rehash():
        # The Argon2 parameters have changed since this hash was made: the password is at hand only now.
        officer.set_password(creds["password"])
    signed_in = start_session(officer)
    security_event("login", officer=signed_in.id, role=signed_in.role)
    return _session_payload(signed_in)


@blp.route("/logout", methods=["POST"])
@requires(ALL_ROLES)
@allowed_before_password_change
@blp.response(200, LogoutSchema)
def logout():
    security_event("logout", officer=current_user.id)
    end_session(current_user._get_current_object())
    return {"logged_out": True}


@blp.route("/me", methods=["GET"])
@requires(ALL_ROLES)
@allowed_before_password_change
@blp.response(200, SessionSchema)
def me():
    return _session_payload(current_user._get_current_object())


@blp.route("/password", methods=["POST"])
@requires(ALL_ROLES)
@allowed_before_password_change
@blp.arguments(ChangePasswordSchema)
@blp.response(200, PasswordChangedSchema, description="Changed; every other session of the officer has ended.")
@blp.alt_response(403, description="The current password is wrong (code current_password_wrong)")
@blp.alt_response(429, description="Too many wrong passwords for this account (counted with failed logins)")
def change_password(data):
    officer = db.session.get(Officer, current_user.id)
    # Wrong guesses count with failed logins: a borrowed session does not give unlimited tries.
    attempt = count_login_attempt(officer.shoulder_number)
    if not officer.check_password(data["current_password"]):
        security_event("password_change_failed", logging.WARNING, officer=officer.id)
        raise ApiError(403, "The current password is wrong: nothing was changed.", code="current_password_wrong",
                       fields={"current_password": ["Wrong password."]})
    attempt.succeeded()
    new = data["new_password"]
    problems = password_problems(new, [officer.shoulder_number, *officer.display_name.split(), "beatbook"])
    if not problems and new == data["current_password"]:
        problems = ["Must differ from the current password."]
    if problems:
        raise ApiError(422, "Choose another password.", fields={"new_password": problems})
    officer.set_password(new)
    officer.must_change_password = False
    ended = end_other_sessions(officer.id, current_user.session_id)
    audit(officer.id, "password_changed", officer=officer)  # never the password itself
    db.session.commit()
    security_event("password_changed", officer=officer.id, other_sessions_ended=ended)
    return {"changed": True, "other_sessions_ended": ended}
