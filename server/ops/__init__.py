"""Running Beatbook in production (issue 7): health and readiness probes, one JSON
log line per request with a request id, Prometheus metrics, the trusted-proxy
fix-up, the Origin check and `flask migrate-safely`.

Everything is wired by `init_ops(app)`, called once from create_app."""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_ops(app: Flask) -> None:
    n = app.config.get("TRUSTED_PROXY_COUNT") or 0
    if n and not isinstance(app.wsgi_app, ProxyFix):  # (init_security may have applied it already)
        # Behind nginx: the client's address and scheme come from X-Forwarded-*, trusting
        # exactly n hops (nginx appends to X-Forwarded-For and sets -Proto; see config/nginx/).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)

    from .logs import init_request_logging
    from .metrics import init_metrics
    from .origins import check_origin
    from .routes import bp
    # First of all before_request hooks: the clock and the request id exist even when a
    # later hook (access policy, rate limit) answers the request itself.
    init_request_logging(app)
    init_metrics(app)
    app.before_request(check_origin)
    app.register_blueprint(bp)

    from .migrate import migrate_safely
    app.cli.add_command(migrate_safely)
