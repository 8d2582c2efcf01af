"""Beatbook: a field-activity log for targeted policing operations."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import ROOT, load_config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(ROOT / "instance"), static_folder=None)
    load_config(app, overrides)
    app.json.sort_keys = False  # keep the schemas' field order
    _configure_logging(app)

    from .core.db import db, migrate
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)

    from .auth.sessions import login_manager
    login_manager.init_app(app)
    from .auth.oidc import init_oidc
    init_oidc(app)  # sign-in through the force's identity provider, when OIDC_ISSUER is set

    from .core.api import init_api
    init_api(app)

    from .core.limits import init_limits
    init_limits(app)  # after the Api: it attaches to the login view

    from .core.errors import register_error_handlers
    register_error_handlers(app)  # after the Api, so ours answer, not flask-smorest's

    from .core.security import init_security
    init_security(app)

    from .ops import init_ops
    init_ops(app)  # probes, request logs and ids, metrics, proxy fix, migrate-safely

    from .client_app import bp as client_bp
    app.register_blueprint(client_bp)

    from .commands import register_commands
    register_commands(app)
    return app


def _configure_logging(app: Flask) -> None:
    from .ops.logs import configure_logging
    configure_logging(app)  # JSON lines in production (LOG_FORMAT), left to pytest in tests
