"""ALLOWED_ORIGINS: a browser sending a state-changing request from another site is refused
before it reaches a view (defence in depth next to the CSRF token). Requests without an
Origin header (curl, the test client) are left to the CSRF check."""
from __future__ import annotations

from flask import current_app, request

from ..core.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_origin() -> None:
    allowed = current_app.config.get("ALLOWED_ORIGINS")
    if not allowed or request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    if origin is None:
        return
    if origin.strip().lower().rstrip("/") not in allowed:
        current_app.logger.warning("origin refused method=%s path=%s", request.method, request.path)
        raise ApiError(403, "This request came from a site that is not allowed to use Beatbook.",
                       code="origin_not_allowed", fields={"Origin": ["Not one of the allowed origins."]})
