"""SQLite: another program (a backup, the sqlite3 shell) holds the write lock for longer than
the server waits. Writers get a JSON 503 with Retry-After within SQLITE_WRITE_WAIT_SECONDS
(the phone keeps its entries: nothing is acknowledged), well before gunicorn's worker timeout,
and /healthz answers at once meanwhile (it never touches the database).

On a SQLite database of its own in every pass of the suite (also when the rest runs on
PostgreSQL): it is about SQLite's lock."""
from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import func, select

from server import create_app
from server.core.db import db
from server.operations.models import Operation
from server.records.models import Record
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, officer_factory, start_gunicorn, stop_gunicorn

WAIT = 2.0
HOLD = 3 * WAIT + 2  # longer than any writer waits, however the queue goes


@pytest.fixture
def sqlite_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'beatbook.db'}"
    app = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "x" * 40})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        db.session.add(Operation(name="Op", slug="op", local_policing_area="West", target_areas=["NN3"],
                                 starts_on=date.today() - timedelta(days=10)))
        db.session.commit()
        op_id = db.session.scalar(select(Operation.id))
    officer_factory(app, cheap=True)(shoulder_number="PC4001")
    with app.app_context():
        db.engine.dispose()
    return url, op_id, app


HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("ROLLBACK")
"""


def test_a_write_lock_held_outside_the_app_is_a_json_503_within_the_wait(sqlite_url):
    url, op_id, app = sqlite_url
    proc, base = start_gunicorn(url, workers=3, extra_env={"SQLITE_WRITE_WAIT_SECONDS": str(WAIT)})
    holder = None
    try:
        phones = []
        for _ in range(2):
            s = requests.Session()
            r = s.post(base + "/api/auth/login", json={"shoulder_number": "PC4001", "password": DEMO_PASSWORD},
                       timeout=30)
            assert r.status_code == 200, r.text
            s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
            phones.append(s)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, url.removeprefix("sqlite:///"), str(HOLD)],
                                  stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"
        locked_at = time.monotonic()

        def sync(phone):
            started = time.monotonic()
            r = phone.post(base + "/api/sync", json={"device_id": "p", "records": [f.stop_search(op_id)]},
                           timeout=60)
            return r, time.monotonic() - started

        with ThreadPoolExecutor(2) as pool:
            answers = pool.map(sync, phones)
            # Meanwhile the probe answers at once (a worker is free: two of three are waiting).
            probe_times = []
            for _ in range(5):
                t0 = time.monotonic()
                assert requests.get(base + "/healthz", timeout=5).json() == {"status": "ok"}
                probe_times.append(time.monotonic() - t0)
                time.sleep(0.2)
            answers = list(answers)
        assert max(probe_times) < 0.5, probe_times
        assert time.monotonic() - locked_at < HOLD  # answered while the lock was still held
        for r, took in answers:
            assert r.status_code == 503, r.text[:300]
            assert r.headers["Content-Type"].startswith("application/json")
            assert r.json()["error"]["code"] == "database_unavailable"
            assert int(r.headers["Retry-After"]) > 0
            # Each request waited for the lock once (queue and SQLite together), not once per step.
            assert WAIT * 0.8 < took < 2 * WAIT + 1.5, took
        holder.wait(timeout=HOLD + 5)
        # Nothing was acknowledged, so nothing is lost: the resend lands.
        r = phones[0].post(base + "/api/sync", json={"device_id": "p", "records": [f.stop_search(op_id)]}, timeout=30)
        assert r.status_code == 200 and r.json()["records"][0]["status"] == "created"
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(Record)) == 1
            db.engine.dispose()
    finally:
        if holder is not None and holder.poll() is None:
            holder.kill()
        stop_gunicorn(proc)
    output = proc.stdout.read().decode(errors="replace")
    assert "WORKER TIMEOUT" not in output


def test_writers_queued_behind_each_other_also_give_up_within_the_wait(sqlite_url):
    """The app's own writers queue on a file lock first: that wait is bounded too."""
    url, _, _ = sqlite_url
    fast = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "x" * 40,
                       "SQLITE_WRITE_WAIT_SECONDS": 0.5})
    with fast.app_context():
        holder = db.engine.connect()
        holder.execution_options(beatbook_writer=True).begin()  # holds the queue's lock and the database's
        try:
            other = db.engine.connect().execution_options(beatbook_writer=True)
            started = time.monotonic()
            with pytest.raises(Exception, match="locked"):
                other.begin()
            assert 0.4 < time.monotonic() - started < 1.5
            other.close()
        finally:
            holder.rollback()
            holder.close()
            db.engine.dispose()


def test_a_read_is_served_while_the_lock_is_held_even_when_the_session_is_due_a_last_seen_write(sqlite_url):
    import sqlite3

    from server.auth.models import LoginSession
    from tests.conftest import ApiClient
    url, _, _ = sqlite_url
    app = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "x" * 40,
                      "SQLITE_WRITE_WAIT_SECONDS": 0.5})
    client = ApiClient(app)
    assert client.login("PC4001").status_code == 200
    with app.app_context():
        ls = db.session.scalars(select(LoginSession)).one()
        ls.last_seen_at = ls.last_seen_at - timedelta(minutes=5)  # due a last-seen write
        db.session.commit()
    holder = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        resp = client.get("/api/auth/me")
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        assert time.monotonic() - started < 2
        # A write cannot be served: 503, nothing acknowledged.
        resp = client.post("/api/auth/logout")
        assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "database_unavailable"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/api/auth/me").status_code == 200
    with app.app_context():
        db.engine.dispose()
