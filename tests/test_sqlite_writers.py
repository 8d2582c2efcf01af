"""SQLite, the embedded default: writers take turns on a file lock rather than SQLite's
sleeping busy-wait, hold it only while they write, and copy the write-ahead log into
the database after letting it go.

These run on a SQLite database of their own in every pass of the suite (also when the
rest of it runs on PostgreSQL), because they are about SQLite itself."""
from __future__ import annotations

import fcntl
import os
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from server import create_app
from server.core import writer_queue
from server.core.db import db
from server.core.writer_queue import WriterQueueConnection
from server.records.models import Record
from server.operations.models import Operation
from tests import factories as f
from tests.conftest import ApiClient, officer_factory


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'beatbook.db'}",
                      "SECRET_KEY": "x" * 40})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def make_operation(app) -> int:
    with app.app_context():
        op = Operation(name="Operation Revive", slug="revive", local_policing_area="West",
                       target_areas=["NN3", "NN5"], starts_on=date.today() - timedelta(days=60))
        db.session.add(op)
        db.session.commit()
        return op.id


_numbers = iter(range(9000, 10000))


def phone(app) -> ApiClient:
    """An officer logged in on a phone of their own."""
    officer = officer_factory(app, cheap=True)(shoulder_number=f"PC{next(_numbers)}")
    client = ApiClient(app, officer)
    assert client.login(officer.shoulder_number).status_code == 200
    return client


def lock_is_free(app) -> bool:
    """Can another process's writer take the queue's lock right now?"""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + "-writer.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_write_transaction_holds_the_queue_lock_until_it_ends(sqlite_app):
    with sqlite_app.app_context():
        assert lock_is_free(sqlite_app)
        conn = db.session.connection()  # outside a request: a writer (BEGIN IMMEDIATE)
        assert isinstance(conn.connection.dbapi_connection, WriterQueueConnection)
        assert not lock_is_free(sqlite_app)
        db.session.commit()
        assert lock_is_free(sqlite_app)
        db.session.connection()
        assert not lock_is_free(sqlite_app)
        db.session.rollback()
        assert lock_is_free(sqlite_app)


def test_a_read_request_never_takes_the_queue_lock(sqlite_app):
    seen = []
    with sqlite_app.test_request_context("/api/records", method="GET"):
        db.session.execute(text("SELECT 1"))
        seen.append(lock_is_free(sqlite_app))
        db.session.rollback()
    assert seen == [True]


def test_phones_syncing_at_once_take_turns_and_every_entry_is_stored_once(sqlite_app):
    """Eight phones (eight connections, as eight workers would have) sync 15 entries each
    at the same moment, one request per entry."""
    op_id = make_operation(sqlite_app)
    phones = [phone(sqlite_app) for _ in range(8)]
    results, per_phone = [], 15
    start = threading.Barrier(len(phones))

    def send(client):
        start.wait()
        for _ in range(per_phone):
            resp = client.sync(records=[f.stop_search(op_id)])
            results.append((resp.status_code, resp.get_json()["records"][0]["status"]))

    threads = [threading.Thread(target=send, args=(p,)) for p in phones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [(200, "created")] * (8 * per_phone)
    with sqlite_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == 8 * per_phone
    assert lock_is_free(sqlite_app)


def test_automatic_checkpoints_are_off_and_ours_run_after_the_lock_is_released(sqlite_app, monkeypatch):
    monkeypatch.setattr(writer_queue, "CHECKPOINT_EVERY_ROWS", 30)
    op_id = make_operation(sqlite_app)
    client = phone(sqlite_app)
    checkpoints = []

    def trace(statement):
        if "wal_checkpoint" in statement:
            checkpoints.append(lock_is_free(sqlite_app))

    with sqlite_app.app_context():
        # The pool hands every request of this thread the same connection: trace it.
        dbapi = db.session.connection().connection.dbapi_connection
        assert dbapi.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        db.session.rollback()
        dbapi.set_trace_callback(trace)
    try:
        for _ in range(20):  # each: the record, its stop search, its audit entry, count rows
            assert client.sync(records=[f.stop_search(op_id)]).status_code == 200
    finally:
        dbapi.set_trace_callback(None)
    assert checkpoints, "no checkpoint ran after many commits"
    assert all(checkpoints), "a checkpoint ran while the writer lock was still held"


def test_a_sync_stores_once_and_leaves_the_lock_free(sqlite_app):
    op_id = make_operation(sqlite_app)
    client = phone(sqlite_app)
    record = f.stop_search(op_id)
    resp = client.sync(records=[record])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["records"][0]["status"] == "created"
    assert client.sync(records=[record]).get_json()["records"][0]["status"] == "unchanged"
    assert lock_is_free(sqlite_app)
    with sqlite_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == 1


def test_a_sync_does_its_reads_before_it_queues_and_holds_the_lock_only_to_write(sqlite_app):
    op_id = make_operation(sqlite_app)
    client = phone(sqlite_app)
    seen = []

    def trace(statement):
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("SELECT", "INSERT"):
            seen.append((verb, lock_is_free(sqlite_app)))

    with sqlite_app.app_context():
        dbapi = db.session.connection().connection.dbapi_connection
        db.session.rollback()
        dbapi.set_trace_callback(trace)
    try:
        resp = client.sync(records=[f.stop_search(op_id)])
    finally:
        dbapi.set_trace_callback(None)
    assert resp.get_json()["records"][0]["status"] == "created"
    selects = [free for verb, free in seen if verb == "SELECT"]
    inserts = [free for verb, free in seen if verb == "INSERT"]
    # the session check, the stored-copy lookup, the operation and shift lookups
    assert len(selects) >= 3 and all(selects), seen
    assert len(inserts) >= 3 and not any(inserts), seen
