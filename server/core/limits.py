"""Login throttling (Flask-Limiter).

Failed logins are counted per account (the shoulder number tried) and per
address, in Redis when REDIS_URL is set so every gunicorn worker shares the
count (production requires it), in memory otherwise (development, tests).
Only failures count: a station's shared address at shift change, or an
officer who finally types the right password, is never slowed down; once an
account or address has used up its failures, every login attempt on it is
refused with 429 and Retry-After until the window moves on.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded

from .errors import error_response
from .seclog import security_event


def _failed_login(response) -> bool:
    return response.status_code == 401


def account_key() -> str:
    """The shoulder number tried, normalised as login does; "" skips the limit (the body is invalid anyway)."""
    body = request.get_json(silent=True)
    number = body.get("shoulder_number") if isinstance(body, dict) else None
    if not isinstance(number, str):
        return ""
    return "account:" + number.strip().upper()[:16]


def address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _log_breach(request_limit) -> None:
    security_event("login_throttled", logging.WARNING, limit=str(request_limit.limit),
                   key=request_limit.request_args[-2] if len(request_limit.request_args) >= 2 else None)
    return None


def per_account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


def per_address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


ACCOUNT_MESSAGE = "Too many failed logins for this shoulder number; try again later."
ADDRESS_MESSAGE = "Too many failed logins from this address; try again later."


# Endpoints that check a password.
LOGIN_ENDPOINTS = ("auth.login",)


def init_limits(app: Flask) -> Limiter:
    """One limiter per app (tests build several apps), attached to the login view by endpoint."""
    cfg = app.config
    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg.get("REDIS_URL") or "memory://")
    # A moving window: "100 per hour" means in any 60 minutes, not per clock hour.
    cfg.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # No X-RateLimit-* headers on every login answer; the 429 carries Retry-After (below).
    cfg.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    cfg.setdefault("RATELIMIT_KEY_PREFIX", "beatbook")
    # Redis down: each worker falls back to its own memory rather than refusing every login.
    cfg.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    cfg.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=address_key, default_limits=[])
    limiter.init_app(app)
    for endpoint in LOGIN_ENDPOINTS:
        view = app.view_functions[endpoint]
        view = limiter.limit(per_account_limit, key_func=account_key, deduct_when=_failed_login,
                             error_message=ACCOUNT_MESSAGE, scope="login-account", on_breach=_log_breach)(view)
        view = limiter.limit(per_address_limit, key_func=address_key, deduct_when=_failed_login,
                             error_message=ADDRESS_MESSAGE, scope="login-address", on_breach=_log_breach)(view)
        # The wrapper checks the limits before the view parses its arguments (functools.wraps keeps
        # the @public marker and the name the OpenAPI document uses).
        app.view_functions[endpoint] = view
    app.extensions["beatbook_limiter"] = limiter

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded):
        return error_response(429, exc.description, "too_many_requests",
                              headers={"Retry-After": str(retry_after_seconds(limiter))})

    return limiter


def retry_after_seconds(limiter: Limiter) -> int:
    """Seconds until the breached window lets one more attempt through."""
    current = limiter.current_limit
    try:
        reset_at = current.reset_at if current is not None else None
    except Exception:  # storage unreachable: a safe guess
        reset_at = None
    if reset_at is None:
        return 60
    return max(1, int(math.ceil(reset_at - time.time())))
