"""The database goes away during a sync: the phone gets a JSON 503 with
Retry-After, keeps its outbox, resends, and every entry is stored once."""
from __future__ import annotations

import logging

from sqlalchemy import func, select

from server import create_app
from server.core.db import db
from server.records.models import AuditEntry, Record, Shift
from tests import factories as f
from tests.conftest import free_port


def unreachable_database_url(app) -> str:
    """The same kind of database, somewhere it cannot be reached: a closed port for PostgreSQL,
    a directory that does not exist for SQLite. Nothing shared is stopped."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/beatbook?connect_timeout=2"
    return "sqlite:////nonexistent-beatbook-dir/gone/beatbook.db"


def app_without_database(app):
    """A second worker of the same deployment (same secret key) whose database is down."""
    return create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": unreachable_database_url(app),
                       "SECRET_KEY": app.config["SECRET_KEY"]})


def counts(app):
    with app.app_context():
        out = tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Record, Shift, AuditEntry))
        db.session.remove()
        return out


def assert_503(resp):
    assert resp.status_code == 503, resp.get_data(as_text=True)[:300]
    assert resp.headers["Content-Type"].startswith("application/json")
    assert int(resp.headers["Retry-After"]) > 0
    err = resp.get_json()["error"]
    assert err["code"] == "database_unavailable" and "try again" in err["message"]


def test_sync_while_the_database_is_down_then_resend_stores_each_once(app, officer_client, operation, caplog):
    s = f.shift(operation.id)
    outbox = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS for _ in range(3)]
    down = app_without_database(app).test_client()
    down.set_cookie("beatbook_session", officer_client.http.get_cookie("beatbook_session").value)
    caplog.set_level(logging.INFO)
    for _ in range(2):  # the phone retries while it is still down
        resp = down.post("/api/sync", json={"device_id": "phone-1", "shifts": [s], "records": outbox},
                         headers={"X-CSRF-Token": officer_client.csrf})
        assert_503(resp)
    assert "database unavailable" in caplog.text
    assert f.INTEL_TEXT not in caplog.text
    assert counts(app) == (0, 0, 0)
    # Back up: the phone sends its outbox again (twice: the first answer was lost).
    body = officer_client.sync([s], outbox).get_json()
    assert [r["status"] for r in body["records"]] == ["created"] * 12
    body = officer_client.sync([s], outbox).get_json()
    assert [r["status"] for r in body["records"]] == ["unchanged"] * 12
    assert counts(app) == (12, 1, 12)


def test_every_kind_of_request_answers_503_json_not_500(app, officer_client):
    down = app_without_database(app).test_client()
    down.set_cookie("beatbook_session", officer_client.http.get_cookie("beatbook_session").value)
    assert_503(down.get("/api/auth/me"))
    assert_503(down.get("/api/records"))
    assert_503(down.post("/api/auth/login", json={"shoulder_number": "PC1", "password": "whatever-1"}))
    # What needs no database still works.
    assert down.get("/api/openapi.json").status_code == 200
