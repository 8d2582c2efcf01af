"""Running Beatbook in production: health and readiness probes, one JSON
log line per request with a request id, Prometheus metrics, the Origin check and
`flask migrate-safely`. (Behind nginx, TRUSTED_PROXY_COUNT=1 makes init_security apply
werkzeug's ProxyFix; tests/ops/test_proxy.py checks what that means for logs and metrics.)

Everything is wired by `init_ops(app)`, called once from create_app, which also registers the
probes' blueprint (ops/routes.py)."""
from __future__ import annotations

from flask import Flask


def init_ops(app: Flask) -> None:
    from .logs import init_request_logging
    from .metrics import init_metrics
    from .origins import check_origin
    # First of all before_request hooks: the clock and the request id exist even when a
    # later hook (access policy, rate limit) answers the request itself.
    init_request_logging(app)
    init_metrics(app)
    app.before_request(check_origin)

    from .migrate import migrate_safely
    app.cli.add_command(migrate_safely)
