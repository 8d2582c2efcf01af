"""Who may call what: roles, the per-endpoint access policy (deny by default), CSRF, the
checks on a request's body and the security headers. Which records a role may see, edit or
review is server/records/access.py."""
from __future__ import annotations

import hmac
import json
import re
from functools import wraps
from typing import Callable, Iterable

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from .errors import ApiError
from .seclog import log_access_denied, security_event  # noqa: F401  (re-exported)

OFFICER, SERGEANT, INSPECTOR, ANALYST, ADMIN = "officer", "sergeant", "inspector", "analyst", "admin"
ROLES = (OFFICER, SERGEANT, INSPECTOR, ANALYST, ADMIN)
ALL_ROLES = frozenset(ROLES)
# Verify or return an entry: the chain of command, not the system administrator.
SUPERVISORS = frozenset({SERGEANT, INSPECTOR})
# Cleared to read intelligence text written by others (APP intelligence management).
# Admin runs the system and is deliberately not cleared.
CLEARED_FOR_INTELLIGENCE = frozenset({SERGEANT, INSPECTOR, ANALYST})
# See every team's records and tallies.
FORCE_WIDE = frozenset({INSPECTOR, ANALYST, ADMIN})
# Log records from the street.
LOGGERS = frozenset({OFFICER, SERGEANT, INSPECTOR})
OPERATION_MANAGERS = frozenset({INSPECTOR, ADMIN})

CSRF_HEADER = "X-CSRF-Token"
# Endpoints of libraries (not ours to decorate) that anyone may read.
PUBLIC_ENDPOINTS = frozenset({"api-docs.openapi_json"})
_PUBLIC = "_beatbook_public"
_ROLES = "_beatbook_roles"
_BEFORE_PASSWORD_CHANGE = "_beatbook_before_password_change"


def public(view: Callable) -> Callable:
    """Mark a view as reachable without a session."""
    setattr(view, _PUBLIC, True)
    return view


def allowed_before_password_change(view: Callable) -> Callable:
    """Mark a view an officer may call while they must still change a one-time password."""
    setattr(view, _BEFORE_PASSWORD_CHANGE, True)
    return view


def requires(roles: Iterable[str] = ALL_ROLES) -> Callable:
    """Declare which roles may call a view; a view without a declaration is refused."""
    allowed = frozenset(roles)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return view(*args, **kwargs)

        setattr(wrapper, _ROLES, allowed)
        return wrapper

    return decorate


def view_mark(view, name):
    """A mark set on a view by a decorator (None if absent). flask-smorest wraps views: look
    through functools.wraps chains."""
    while view is not None:
        if hasattr(view, name):
            return getattr(view, name)
        view = getattr(view, "__wrapped__", None)
    return None


def is_public_view(endpoint: str, view) -> bool:
    """May anyone call this view (of this endpoint), without a session?"""
    return endpoint in PUBLIC_ENDPOINTS or bool(view_mark(view, _PUBLIC))


def declared_roles(view) -> frozenset[str] | None:
    """The roles a view declares with @requires (None: none declared)."""
    return view_mark(view, _ROLES)


def current_view():
    """The function answering this request (for a MethodView, its method for this verb)."""
    view = current_app.view_functions.get(request.endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # MethodView: the policy sits on the method
        method = "get" if request.method == "HEAD" else request.method.lower()
        view = getattr(view_class, method, None)
    return view


def is_public_request() -> bool:
    """Does this request go to a view anyone may call (or to no view at all)?"""
    if request.endpoint is None:
        return True
    return is_public_view(request.endpoint, current_view())


def enforce_access_policy() -> None:
    """before_request: deny by default, then roles, then CSRF."""
    if request.endpoint is None:
        return  # 404/405 is answered by Flask
    view = current_view()
    if is_public_view(request.endpoint, view):
        return
    roles = declared_roles(view)
    if roles is None:
        raise ApiError(403, "This endpoint has no access policy.", code="forbidden")
    if not current_user.is_authenticated:
        raise ApiError(401, "Log in first.", code="not_authenticated")
    if current_user.role not in roles:
        raise ApiError(403, "Your role may not do this.", code="forbidden")
    if current_user.must_change_password and not view_mark(view, _BEFORE_PASSWORD_CHANGE):
        raise ApiError(403, "Choose a new password first: the one you signed in with was for one use only.",
                       code="password_change_required")
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        check_csrf()


def check_csrf() -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    expected = current_user.csrf_token
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise ApiError(403, "The CSRF token is missing or out of date; fetch /api/auth/me and resend.",
                       code="csrf_failed", fields={CSRF_HEADER: ["Missing or out of date."]})


# JSON nested deeper than this is refused before it is parsed: no request of the API nests more
# than a few levels, and Python's parser recurses (3,000 levels of [[[ was a RecursionError, a 500).
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True if brackets outside strings nest deeper than limit (a scan of the bytes, no parsing)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for c in _JSON_STRING.sub(b"", raw).translate(None, delete=_NOT_BRACKETS):
        if c in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


class StrictJSONProvider(DefaultJSONProvider):
    """JSON as RFC 8259 has it: NaN and Infinity (which Python's parser accepts) are refused."""

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", _refuse_constant)
        return super().loads(s, **kwargs)


def _json_problem(raw: bytes) -> str:
    """Where the body stops being JSON, for the error message (never echoes the body)."""
    try:
        json.loads(raw, parse_constant=_refuse_constant)
    except UnicodeDecodeError:
        return "it is not UTF-8 text."
    except json.JSONDecodeError as exc:
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}."
    except ValueError as exc:
        if "JSON number" in str(exc):
            return "NaN and Infinity are not JSON numbers."
        if "digits" in str(exc):
            return "a number has too many digits."
        return "it could not be read."
    except RecursionError:
        return "it is nested too deeply."
    return "it could not be read."


def _malformed(detail: str) -> ApiError:
    return ApiError(400, f"The body is not valid JSON: {detail}", code="malformed_json",
                    fields={"_body": [f"Not valid JSON: {detail}"]})


def _too_large(limit: int) -> ApiError:
    return ApiError(413, f"The request body is too large: at most {limit} bytes here.", code="too_large",
                    fields={"_body": [f"At most {limit} bytes."]})


def body_limit() -> int:
    """Bytes a body may have: small for a request anyone can make (logging in, a public view),
    MAX_CONTENT_LENGTH for a signed-in officer's (the access policy has already run)."""
    cfg = current_app.config
    if is_public_request() or not current_user.is_authenticated:
        return int(cfg["ANON_MAX_BODY_BYTES"])
    return int(cfg["MAX_CONTENT_LENGTH"])


def _read_body(limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to be over limit. A chunked body
    (no Content-Length) is read from the server's stream up to one byte past the limit: werkzeug's
    own limit on it cuts the body short silently, which then read as malformed JSON."""
    length = request.content_length
    if length is not None:
        if length > limit:
            raise _too_large(limit)
        return request.get_data(cache=True)
    stream = request.environ.get("wsgi.input")
    if stream is None or not request.environ.get("wsgi.input_terminated"):
        return request.get_data(cache=True)  # the server cannot tell where it ends: werkzeug reads nothing
    chunks, size = [], 0
    while True:
        chunk = stream.read(min(65536, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
    raw = b"".join(chunks)
    request._cached_data = raw  # what get_data() and get_json() read from now on
    return raw


def require_json_body() -> None:
    """before_request: bodies must be JSON (also keeps cross-site forms out), no larger than the
    caller may send, not nested absurdly, and well-formed; checked on the bytes before parsing."""
    if request.method not in ("POST", "PUT", "PATCH") or request.endpoint is None:
        return
    has_body = request.content_length not in (None, 0) or "chunked" in request.headers.get("Transfer-Encoding", "")
    if not has_body:
        # Operations whose document says the body is required (core.openapi) refuse to go on without one:
        # an empty PATCH would otherwise change nothing and answer 200.
        if (request.endpoint, request.method) in current_app.extensions.get("beatbook_body_required", ()):
            raise ApiError(422, "Send the body as a JSON object.", code="validation_error",
                           fields={"_body": ["A JSON body is required."]})
        return
    if not request.is_json:
        raise ApiError(415, "Send the body as application/json.", fields={"Content-Type": ["Must be application/json."]})
    raw = _read_body(body_limit())
    if json_too_deep(raw):
        raise _malformed(f"it is nested more than {MAX_JSON_DEPTH} levels deep.")
    try:
        request.get_json()  # parsed once and cached for the view
    except RequestEntityTooLarge:
        raise
    except BadRequest:
        raise _malformed(_json_problem(raw)) from None


# ---- headers ---------------------------------------------------------------------------

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def add_security_headers(resp):
    h = resp.headers
    h.setdefault("Content-Security-Policy", CSP)
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "no-referrer")
    h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    if request.path.startswith("/api/"):
        # API answers carry personal data: never cached by browsers or proxies.
        h["Cache-Control"] = "no-store"
    if request.is_secure:
        # Only over HTTPS (browsers ignore it over http). Behind a TLS-terminating proxy,
        # gunicorn's forwarded_allow_ips makes X-Forwarded-Proto: https count as secure.
        h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return resp


def init_security(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXY_COUNT") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    sort_keys = app.json.sort_keys
    app.json = StrictJSONProvider(app)
    app.json.sort_keys = sort_keys
    app.before_request(enforce_access_policy)
    app.before_request(require_json_body)
    app.after_request(add_security_headers)
