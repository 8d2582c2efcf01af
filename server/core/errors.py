"""One JSON error shape for every 4xx and 5xx the API returns.

    {"error": {"status": 422, "code": "validation_error",
               "message": "...", "fields": {"records.0.area": ["..."]}}}
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from .schemas import printable_name
from .seclog import log_access_denied

log = logging.getLogger(__name__)

DEFAULT_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise from anywhere in a request to answer with a JSON error."""

    def __init__(self, status: int, message: str, *, code: str | None = None,
                 fields: dict | None = None, headers: dict | None = None, extra: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or DEFAULT_CODES.get(status, "error")
        self.fields = fields
        self.headers = headers or {}
        self.extra = extra or {}


# An answer names at most this many fields (a body of 300,000 unknown keys was answered with
# 8 MB naming each), and at most a few problems per field.
MAX_ERROR_FIELDS = 20
MAX_MESSAGES_PER_FIELD = 5
MORE_FIELDS = "_more"


def bounded_fields(fields: dict) -> dict[str, list[str]]:
    """At most MAX_ERROR_FIELDS entries, names made printable, plus one saying how many were left out."""
    out: dict[str, list[str]] = {}
    for name, msgs in fields.items():
        if len(out) == MAX_ERROR_FIELDS:
            left = len(fields) - MAX_ERROR_FIELDS
            out[MORE_FIELDS] = [f"{left} more field{'s' if left != 1 else ''} with problems not listed."]
            break
        msgs = msgs if isinstance(msgs, (list, tuple)) else [msgs]
        out[printable_name(name)] = [printable_name(m, 4000) for m in msgs[:MAX_MESSAGES_PER_FIELD]]
    return out


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested messages into {"a.0.b": ["problem"]}, bounded (bounded_fields)."""
    return bounded_fields(_flatten(messages, prefix))


def _flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "_schema"] = list(messages)
        else:
            for m in messages:
                for k, v in _flatten(m, prefix).items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


def error_response(status: int, message: str, code: str | None = None, fields=None,
                   headers=None, extra=None):
    body = {"status": status, "code": code or DEFAULT_CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = bounded_fields(fields)
    if extra:
        body.update(extra)
    resp = jsonify({"error": body})
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _http_message(exc: HTTPException) -> str:
    if exc.code == 404:
        return "No such resource."
    if exc.code == 405:
        return "That method is not allowed here."
    if exc.code == 413:
        return "The request body is too large."
    return exc.description or exc.name


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        if exc.status in (401, 403) and exc.code != "login_failed":
            log_access_denied(exc.code, exc.status)
        return error_response(exc.status, exc.message, exc.code, exc.fields, exc.headers, exc.extra)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        data = getattr(exc, "data", None) or {}
        messages = data.get("messages")
        if messages is not None:
            # webargs: {"json": {...}} / {"query": {...}}; the location is noise to a user.
            fields: dict[str, list[str]] = {}
            for location, msgs in messages.items():
                for k, v in _flatten(msgs).items():
                    fields.setdefault(k, []).extend(v)
            return error_response(422, "Some fields are missing or invalid.", "validation_error", fields)
        headers = {}
        if status == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        if status == 429 and getattr(exc, "retry_after", None):
            headers["Retry-After"] = str(exc.retry_after)
        return error_response(status, _http_message(exc), headers=headers)

    @app.errorhandler(OperationalError)
    def _db_down(exc):
        # The phone keeps its outbox and tries again; nothing was acknowledged.
        log.error("database unavailable: %s", type(exc.orig).__name__ if exc.orig else exc)
        return error_response(503, "The database is unavailable; try again shortly.", "database_unavailable",
                              headers={"Retry-After": "5"})

    @app.errorhandler(DBAPIError)
    def _db_error(exc):
        log.exception("database error")
        return error_response(500, "Something went wrong on the server.")

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        return error_response(500, "Something went wrong on the server.")
