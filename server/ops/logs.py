"""Logging: one JSON object per line (python-json-logger), and one line per request.

The request line carries request_id, method, path (never the query string), endpoint,
status, duration_ms, user_id and remote_addr: never a header value, cookie, body,
password or intelligence text. Every other line logged during a request carries the
same request_id, so a request can be followed through the logs."""
from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# An incoming id is kept only if it is short and plain (nginx's $request_id, a UUID...).
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
request_log = logging.getLogger("beatbook.request")
# Probes from load balancers every few seconds: counted in metrics, logged at DEBUG only.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_HANDLER_MARK = "_beatbook_handler"


# Characters that could forge or hide a log line in a terminal or a file: C0/C1 controls (newline,
# carriage return, escape), Unicode line and paragraph separators, bidirectional overrides, and
# lone surrogates (which cannot even be written as UTF-8). Escaped as \xNN / \uNNNN.
_UNSAFE_IN_LOGS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape_char(m: re.Match) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_for_log(text: str) -> str:
    return _UNSAFE_IN_LOGS.sub(_escape_char, text)


class TextFormatter(logging.Formatter):
    """The text format, one line per entry whatever a request put in it: every value a client
    chose (a device id, a path, a shoulder number) has its control characters escaped. A
    traceback keeps its lines, each marked "| " so none can pass for an entry of its own."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = escape_for_log(self.formatMessage(record))
        # Not record.exc_text: another handler may have cached its own, unmarked rendering there.
        blocks = [self.formatException(record.exc_info)] if record.exc_info else \
            [record.exc_text] if record.exc_text else []
        if record.stack_info:
            blocks.append(self.formatStack(record.stack_info))
        for block in blocks:
            line += "\n" + "\n".join("| " + escape_for_log(part) for part in block.splitlines())
        return line


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def text_formatter() -> TextFormatter:
    return TextFormatter(TEXT_FORMAT)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def json_formatter() -> JsonFormatter:
    # "time": ISO 8601 in UTC with microseconds, as in gunicorn's own lines (config/gunicorn.conf.py).
    # ASCII only: every control character, line separator and lone surrogate in a value is a JSON
    # escape, so a value can never end the line or fail to encode.
    return JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s", timestamp="time",
                         rename_fields={"levelname": "level", "name": "logger"}, json_ensure_ascii=True)


def configure_logging(app: Flask) -> None:
    """Install one handler on the root logger (stderr; systemd/journald or the container
    runtime collects it). Tests leave logging to pytest (caplog)."""
    if app.config["BEATBOOK_ENV"] == "testing" and "LOG_FORMAT" not in os.environ:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _HANDLER_MARK, True)
    handler.addFilter(RequestIdFilter())
    if app.config["LOG_FORMAT"] == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(text_formatter())
    root.addHandler(handler)
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    # Importing Flask-Migrate/Alembic logs plugin set-up at INFO in every worker; migrations
    # themselves (flask migrate-safely) configure Alembic's logging from alembic.ini.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def current_user_id():
    """The officer's id if this request loaded one; never loads a session just to log it."""
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return getattr(user, "id", None)
    return g.get("logged_out_user_id")  # the logout request is still the officer's


def _remember_logout(sender, user, **extra) -> None:
    g.logged_out_user_id = getattr(user, "id", None)


def add_to_request_log(**fields) -> None:
    """Fields for this request's log line (plain values only: never intelligence text)."""
    g.setdefault("request_log_fields", {}).update(fields)


def _log_request(response):
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started is not None else None
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    path = request.path
    level = logging.DEBUG if path in QUIET_PATHS else logging.INFO
    if request_log.isEnabledFor(level):
        fields = {
            "request_id": request_id,
            "method": request.method,
            "path": path[:512],
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": current_user_id(),
            "remote_addr": request.remote_addr,
            "response_bytes": response.content_length,
        }
        more = g.get("request_log_fields")
        if more:
            fields.update(more)
        request_log.log(level, "%s %s %s %sms%s", request.method, path[:512], response.status_code, duration_ms,
                        "".join(f" {k}={v}" for k, v in more.items()) if more else "", extra=fields)
    return response


def init_request_logging(app: Flask) -> None:
    from flask_login import user_logged_out
    user_logged_out.connect(_remember_logout, app)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    app.after_request(_log_request)
