"""Security event log: authentication events and access-control failures,
one structured line each, e.g.

    security event=login_failed shoulder_number=PC2201 addr=10.0.0.7

Never a password, cookie, CSRF token or intelligence text: callers pass only
ids, codes and the shoulder number tried; values are cleaned so a crafted
shoulder number cannot forge a second log line."""
from __future__ import annotations

import logging
import re

from flask import has_request_context, request
from flask_login import current_user

security_log = logging.getLogger("beatbook.security")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.:/@-]")


def _clean(value) -> str:
    return "-" if value is None else _UNSAFE.sub("?", str(value))[:80]


def security_event(event: str, level: int = logging.INFO, **fields) -> None:
    fields.setdefault("addr", request.remote_addr if has_request_context() else None)
    parts = " ".join(f"{k}={_clean(v)}" for k, v in fields.items())
    security_log.log(level, "security event=%s %s", event, parts,
                     extra={"security_event": event, "security_fields": {k: _clean(v) for k, v in fields.items()}})


def log_access_denied(reason: str, status: int | None = None) -> None:
    officer = None
    try:
        if current_user.is_authenticated:
            officer = current_user.id
    except Exception:  # the session could not be loaded (e.g. database down)
        officer = None
    security_event("access_denied", logging.WARNING, reason=reason, status=status,
                   endpoint=request.endpoint, method=request.method, path=request.path, officer=officer)
