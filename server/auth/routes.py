import logging
from html import escape

from flask import current_app, make_response, redirect, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint

from ..admin.service import audit
from ..core.db import db
from ..core.errors import ApiError
from ..core.limits import count_login_attempt
from ..core.security import ALL_ROLES, allowed_before_password_change, public, requires, security_event
from ..operations.models import Operation
from .models import Officer
from . import oidc
from .passwords import password_problems
from .schemas import (ChangePasswordSchema, LoginSchema, LogoutSchema, PasswordChangedSchema, ProviderCallbackSchema,
                      SessionSchema, SignInOptionsSchema)
from .sessions import end_other_sessions, end_session, start_session

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Logging in and out")


def _session_payload(officer) -> dict:
    return {"officer": officer, "csrf_token": officer.csrf_token, "operations": Operation.current()}


@blp.route("/login", methods=["POST"])
@public
@blp.arguments(LoginSchema)
@blp.response(200, SessionSchema)
@blp.alt_response(401, description="Wrong shoulder number or password")
@blp.alt_response(403, description="Passwords are switched off: this force signs in through its identity "
                                    "provider (code local_passwords_off)")
@blp.alt_response(429, description="Too many failed logins for this account or address")
def login(creds):
    if not current_app.config["LOCAL_PASSWORDS"]:
        raise ApiError(403, "Passwords are switched off here: sign in through your force's identity provider.",
                       code="local_passwords_off")
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


@blp.route("/options", methods=["GET"])
@public
@blp.response(200, SignInOptionsSchema)
def sign_in_options():
    """How one signs in here: with a password, through the force's identity provider, or both."""
    provider = None
    if oidc.enabled():
        provider = {"name": current_app.config["OIDC_PROVIDER_NAME"], "start_url": url_for("auth.oidc_start")}
    return {"local_passwords": current_app.config["LOCAL_PASSWORDS"], "identity_provider": provider}


@blp.route("/provider/start", methods=["GET"])
@public
@blp.response(302, description="To the identity provider's sign-in page")
@blp.alt_response(404, description="Sign-in through an identity provider is not set up here")
@blp.alt_response(503, description="The identity provider cannot be reached")
def oidc_start():
    """Sign in through the force's identity provider (open in the browser)."""
    _provider_or_404()
    try:
        return oidc.begin()
    except oidc.SignInRefused as refused:
        return _refused(refused)


@blp.route("/provider/callback", methods=["GET"])
@public
@blp.arguments(ProviderCallbackSchema, location="query")
@blp.response(302, description="Signed in: back to the app")
@blp.alt_response(400, description="The sign-in could not be completed: no or a used state, a code the "
                                    "provider would not exchange, or an ID token that failed its checks")
@blp.alt_response(403, description="Refused: another tenant, no Beatbook role, a deactivated officer, or "
                                    "the provider's own refusal")
@blp.alt_response(404, description="Sign-in through an identity provider is not set up here")
@blp.alt_response(503, description="The identity provider cannot be reached")
def oidc_callback(args):
    """Where the identity provider sends the browser back after sign-in."""
    _provider_or_404()
    try:
        officer = oidc.officer_for(oidc.finish(args))
    except oidc.SignInRefused as refused:
        db.session.rollback()
        return _refused(refused)
    signed_in = start_session(officer)
    security_event("login", officer=signed_in.id, role=signed_in.role, method="identity_provider")
    return redirect("/#/signed-in", code=302)


def _provider_or_404():
    if not oidc.enabled():
        raise ApiError(404, "Sign-in through an identity provider is not set up here.", code="not_found")


_REFUSED_PAGE = """<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Not signed in - Beatbook</title></head>
<body><main><h1>Not signed in</h1><p role="alert">{message}</p>
<p><a href="/">Back to Beatbook</a></p></main></body></html>
"""


def _refused(refused: oidc.SignInRefused):
    """A page for the browser that came back from the provider (JSON for an API client), and a
    security log line with the reason only."""
    security_event("login_failed", logging.WARNING, method="identity_provider", reason=refused.reason)
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    if best == "text/html":
        page = make_response(_REFUSED_PAGE.format(message=escape(refused.message)), refused.status)
        page.headers["Content-Type"] = "text/html; charset=utf-8"
        page.headers["Cache-Control"] = "no-store"
        return page
    raise ApiError(refused.status, refused.message, code="sign_in_refused", extra={"reason": refused.reason})
