"""Beatbook: a field-activity log for targeted policing operations."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import ROOT, load_config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def create_app(overrides: dict | None = None) -> Flask:
    """The app: its extensions and hooks, then its blueprints, each in the order they need."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), static_folder=None)
    load_config(app, overrides)
    app.json.sort_keys = False  # keep the schemas' field order
    _configure_logging(app)

    from .auth.oidc import init_oidc
    from .auth.sessions import login_manager
    from .commands import register_commands
    from .core.api import init_api
    from .core.db import db, migrate
    from .core.errors import register_error_handlers
    from .core.limits import init_limits
    from .core.security import init_security
    from .core.writer_queue import init_writer_queue
    from .ops import init_ops

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    init_oidc(app)  # sign-in through the force's identity provider, when OIDC_ISSUER is set
    api = init_api(app)
    register_blueprints(app, api)
    init_limits(app)  # before the access policy: a request without a session is counted first
    register_error_handlers(app)  # after the Api, so ours answer, not flask-smorest's
    init_security(app)  # the access policy, CSRF, the body checks, security headers
    init_writer_queue(app)  # SQLite only; its read phase ends right after the access policy's session check
    init_ops(app)  # request logs and ids, metrics, the Origin check, migrate-safely
    register_commands(app)
    return app


def register_blueprints(app: Flask, api) -> None:
    """Every blueprint the app serves: the API's (in the OpenAPI document), then the probes and the
    officers' app itself."""
    from .admin.routes import blp as admin
    from .auth.routes import blp as auth
    from .client_app import bp as client
    from .core.openapi import document_operations
    from .exports.routes import blp as exports
    from .operations.routes import blp as operations
    from .ops.routes import bp as ops
    from .records.routes import blp as records, ref_blp as reference
    from .records.schemas import add_openapi_components
    from .sync.routes import blp as sync
    from .tallies.routes import blp as tallies

    add_openapi_components(api.spec)  # before the blueprints that refer to them
    for blueprint in (auth, operations, records, reference, sync, tallies, exports, admin):
        api.register_blueprint(blueprint)
    document_operations(app, api, examples=_openapi_examples())
    app.register_blueprint(ops)  # /healthz, /readyz, /metrics
    app.register_blueprint(client)


def _openapi_examples() -> dict[str, dict]:
    """Examples for the main operations, by operationId: {"request" or status: example}."""
    from .auth.schemas import LOGIN_EXAMPLES
    from .sync.schemas import SYNC_EXAMPLES
    from .tallies.schemas import TALLY_EXAMPLES
    return {"login": LOGIN_EXAMPLES, "syncBatch": SYNC_EXAMPLES, "getTally": TALLY_EXAMPLES}


def _configure_logging(app: Flask) -> None:
    from .ops.logs import configure_logging
    configure_logging(app)  # JSON lines in production (LOG_FORMAT), left to pytest in tests
