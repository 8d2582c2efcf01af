"""Probes for load balancers and orchestrators, and the metrics endpoint.

    GET /healthz  200 {"status": "ok"}: the process answers (no database, no Redis).
    GET /readyz   200 {"status": "ready", "checks": {...}} when PostgreSQL answers with the schema
                  migrated (alembic_version at this release's head) and Redis answers;
                  503 {"error": {"code": "not_ready", "down": ["redis"], "checks": {...}}} otherwise.
    GET /metrics  Prometheus text format; localhost or METRICS_TOKEN only (see metrics.py).

Not in the OpenAPI document: they are for machines in front of the app, not for the PWA."""
from __future__ import annotations

import logging
import time

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..core.db import db
from ..core.errors import error_response
from ..core.security import public
from .metrics import metrics_view

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__)
PROBE_TIMEOUT_SECONDS = 2.0


@bp.route("/healthz", methods=["GET"])
@public
def healthz():
    return jsonify({"status": "ok"})


def _redis_client():
    client = current_app.extensions.get("beatbook_ops_redis")
    if client is None:
        client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                                      socket_timeout=PROBE_TIMEOUT_SECONDS)
        current_app.extensions["beatbook_ops_redis"] = client
    return client


def _check(name, probe, details: dict | None = None) -> dict:
    started = time.perf_counter()
    details = {} if details is None else details
    try:
        probe()
    except SchemaBehind as exc:
        log.warning("readiness check failed: %s %s", name, exc)
        return {"status": "down", "error": "schema_not_migrated", **details}
    except Exception as exc:  # anything at all means "not ready"; the detail goes to the log only
        log.warning("readiness check failed: %s %s", name, type(exc).__name__)
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1), **details}


def _known_revisions() -> tuple[str, frozenset]:
    """This release's migration head and every revision it knows (read once per process)."""
    known = current_app.extensions.get("beatbook_ops_revisions")
    if known is None:
        from alembic.script import ScriptDirectory
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        known = (script.get_current_head(), frozenset(r.revision for r in script.walk_revisions()))
        current_app.extensions["beatbook_ops_revisions"] = known
    return known


class SchemaBehind(Exception):
    pass


def _check_database(details: dict):
    """SELECT 1, and the schema is migrated: a server whose migrations have not run (or failed)
    is not ready. A revision this release does not know is newer (a rolling deploy where another
    server already migrated): still ready, migrations are written to keep the previous release working."""
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        try:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (ProgrammingError, OperationalError):  # no alembic_version table: never migrated
            conn.rollback()
            current = None
    head, known = _known_revisions()
    details["revision"] = current
    if current is None or (current != head and current in known):
        raise SchemaBehind(f"schema at {current or 'nothing'}, this release needs {head}")


@bp.route("/readyz", methods=["GET"])
@public
def readyz():
    details: dict = {}
    checks = {"database": _check("database", lambda: _check_database(details), details)}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _check("redis", lambda: _redis_client().ping())
    else:  # development and tests without Redis; production refuses to start without it
        checks["redis"] = {"status": "not_configured"}
    down = [name for name, c in checks.items() if c["status"] == "down"]
    if down:
        reasons = [f"{name} schema not migrated" if checks[name].get("error") == "schema_not_migrated"
                   else f"{name} unreachable" for name in down]
        return error_response(503, f"Not ready: {' and '.join(reasons)}.", "not_ready",
                              headers={"Retry-After": "5"}, extra={"down": down, "checks": checks})
    return jsonify({"status": "ready", "checks": checks})


@bp.route("/metrics", methods=["GET"])
@public  # guarded inside: localhost or the metrics token
def metrics():
    return metrics_view()
