import logging

from flask_login import current_user
from flask_smorest import Blueprint

from ..core.db import db
from ..core.errors import ApiError
from ..core.limits import count_login_attempt
from ..core.security import ALL_ROLES, public, requires, security_event
from ..operations.models import Operation
from .models import Officer
from .schemas import LoginSchema, LogoutSchema, SessionSchema
from .sessions import end_session, start_session

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
    signed_in = start_session(officer)
    security_event("login", officer=signed_in.id, role=signed_in.role)
    return _session_payload(signed_in)


@blp.route("/logout", methods=["POST"])
@requires(ALL_ROLES)
@blp.response(200, LogoutSchema)
def logout():
    security_event("logout", officer=current_user.id)
    end_session(current_user._get_current_object())
    return {"logged_out": True}


@blp.route("/me", methods=["GET"])
@requires(ALL_ROLES)
@blp.response(200, SessionSchema)
def me():
    return _session_payload(current_user._get_current_object())
