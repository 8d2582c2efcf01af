"""The database stops answering in the middle of a sync (another process holds
the tables locked for longer than the server will wait): a JSON 503 with
Retry-After, nothing of the batch is kept (it is one transaction), and the
phone's resend afterwards stores every entry once."""
from __future__ import annotations

import sqlite3

from sqlalchemy import create_engine, func, select, text

from server import create_app
from server.core.db import db
from server.records.models import AuditEntry, Record, Shift
from tests import factories as f


def impatient_app(app):
    """Another worker of the same deployment that waits only half a second for a lock."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        options = {"connect_args": {"timeout": 0.5}}
    else:
        options = {"connect_args": {"options": "-c lock_timeout=500"}}
    return create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": app.config["SECRET_KEY"],
                       "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True, **options}})


class Blocker:
    """Holds the records table (SQLite: the database's write lock) in an open transaction."""

    def __init__(self, url: str):
        self.url = url

    def __enter__(self):
        if self.url.startswith("sqlite"):
            self.conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("UPDATE officers SET display_name = display_name")
        else:
            self.engine = create_engine(self.url)
            self.conn = self.engine.connect()
            self.tx = self.conn.begin()
            self.conn.execute(text("LOCK TABLE records IN ACCESS EXCLUSIVE MODE"))
        return self

    def __exit__(self, *exc):
        if self.url.startswith("sqlite"):
            self.conn.execute("ROLLBACK")
            self.conn.close()
        else:
            self.tx.rollback()
            self.conn.close()
            self.engine.dispose()


def counts(app):
    with app.app_context():
        out = tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Record, Shift, AuditEntry))
        db.session.remove()
        return out


def test_a_stalled_database_mid_sync_answers_503_keeps_nothing_and_the_resend_lands_once(app, officer_client,
                                                                                         operation):
    s = f.shift(operation.id)
    outbox = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS for _ in range(5)]
    busy = impatient_app(app).test_client()
    busy.set_cookie("beatbook_session", officer_client.http.get_cookie("beatbook_session").value)
    with Blocker(app.config["SQLALCHEMY_DATABASE_URI"]):
        resp = busy.post("/api/sync", json={"device_id": "phone-1", "shifts": [s], "records": outbox},
                         headers={"X-CSRF-Token": officer_client.csrf})
        assert resp.status_code == 503, resp.get_data(as_text=True)[:300]
        assert resp.is_json and resp.get_json()["error"]["code"] == "database_unavailable"
        assert int(resp.headers["Retry-After"]) > 0
    assert counts(app) == (0, 0, 0)  # not even the shift: the batch is one transaction
    body = busy.post("/api/sync", json={"device_id": "phone-1", "shifts": [s], "records": outbox},
                     headers={"X-CSRF-Token": officer_client.csrf}).get_json()
    assert body["shifts"][0]["status"] == "created"
    assert [r["status"] for r in body["records"]] == ["created"] * 20
    body = officer_client.sync([s], outbox).get_json()
    assert [r["status"] for r in body["records"]] == ["unchanged"] * 20
    assert counts(app) == (20, 1, 20)


def test_the_default_sqlite_wait_is_ten_seconds(app, ctx):
    """Well under gunicorn's 30 s worker timeout (SQLITE_WRITE_WAIT_SECONDS; tests/faults/test_sqlite_write_lock.py)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert app.config["SQLITE_WRITE_WAIT_SECONDS"] == 10
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    else:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW lock_timeout").scalar() == "0"  # waits; no lock errors by default
