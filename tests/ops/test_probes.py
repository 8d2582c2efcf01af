"""GET /healthz and GET /readyz for load balancers."""
from __future__ import annotations

from tests.conftest import free_port
from tests.ops.conftest import migration_head


def _closed_port_postgres() -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/beatbook?connect_timeout=2"


def test_healthz_answers_anyone_without_touching_the_database(make_app):
    app = make_app(DATABASE_URL=_closed_port_postgres())  # nothing listens there
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_readyz_is_ready_when_database_and_redis_answer(make_app, redis_url):
    resp = make_app(REDIS_URL=redis_url).test_client().get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "ok"


def test_readyz_without_redis_configured_checks_the_database_only(anon_client):
    resp = anon_client.get("/readyz")
    assert resp.status_code == 200
    checks = resp.get_json()["checks"]
    assert checks == {"database": {"status": "ok", "ms": checks["database"]["ms"], "revision": migration_head()},
                      "redis": {"status": "not_configured"}}


def test_readyz_is_not_ready_on_a_database_that_was_never_migrated(make_app, fresh_database):
    resp = make_app(DATABASE_URL=fresh_database).test_client().get("/readyz")
    assert resp.status_code == 503
    err = resp.get_json()["error"]
    assert err["down"] == ["database"]
    assert err["checks"]["database"] == {"status": "down", "error": "schema_not_migrated", "revision": None}
    assert err["message"] == "Not ready: database schema not migrated."


def test_readyz_after_another_server_ran_a_newer_migration_stays_ready(app, make_app):
    """Rolling deploy: the database is at a revision this release does not know (newer)."""
    from sqlalchemy import text
    from server.core.db import db
    with app.app_context():
        with db.engine.begin() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    try:
        resp = make_app().test_client().get("/readyz")
        assert resp.status_code == 200
        assert resp.get_json()["checks"]["database"]["revision"] == "9999"
    finally:
        with app.app_context():
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})


def test_readyz_names_redis_when_redis_is_down(make_app):
    resp = make_app(REDIS_URL=f"redis://127.0.0.1:{free_port()}/0").test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert resp.content_type == "application/json"
    err = resp.get_json()["error"]
    assert err["code"] == "not_ready"
    assert err["down"] == ["redis"]
    assert err["checks"]["database"]["status"] == "ok"
    assert err["checks"]["redis"]["status"] == "down"
    assert "redis" in err["message"]


def test_readyz_names_the_database_when_it_is_down(make_app, redis_url):
    resp = make_app(DATABASE_URL=_closed_port_postgres(), REDIS_URL=redis_url).test_client().get("/readyz")
    assert resp.status_code == 503
    err = resp.get_json()["error"]
    assert err["down"] == ["database"]
    assert err["checks"]["redis"]["status"] == "ok"
    assert "database" in err["message"]
    # No connection string, host or password in what a load balancer (or anyone) sees.
    assert "postgres" not in resp.get_data(as_text=True)


def test_readyz_names_both_when_both_are_down(make_app):
    app = make_app(DATABASE_URL=_closed_port_postgres(), REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json()["error"]["down"] == ["database", "redis"]


def test_probes_need_no_session_and_refuse_writes(anon_client):
    assert anon_client.get("/healthz").status_code == 200
    resp = anon_client.post("/healthz")
    assert resp.status_code == 405
    assert resp.get_json()["error"]["code"] == "method_not_allowed"


def test_healthz_with_a_session_cookie_runs_no_statement(app, officer_client):
    """A phone's cookie rides along to /healthz too: it must not make the probe load the session
    (a database held by a backup made the probe take 31 s)."""
    from sqlalchemy import event

    from server.core.db import db
    statements = []
    with app.app_context():
        engine = db.engine

    def seen(*args, **kwargs):
        statements.append(args[2])
    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert officer_client.get("/healthz").get_json() == {"status": "ok"}
        assert statements == []
        officer_client.get("/api/auth/me")  # the listener does see a request that needs the database
        assert statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)
