"""Two app servers (gunicorn, two workers each) on different ports, one database and one
Redis, and a client that alternates between them as a load balancer would: nothing a
phone relies on may depend on which server answers."""
from __future__ import annotations

import json
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select

from server.core.db import db
from server.records.models import Record
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, start_gunicorn


def stop(proc) -> str:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return proc.stdout.read().decode(errors="replace")


@pytest.fixture
def servers_env(redis_url):
    """Settings every server gets; a test may add its own before starting the pair."""
    return {"REDIS_URL": redis_url, "LOG_FORMAT": "json"}


@pytest.fixture
def two_servers(app, database_url, servers_env):
    a_proc, a = start_gunicorn(database_url, workers=2, extra_env=servers_env)
    try:
        b_proc, b = start_gunicorn(database_url, workers=2, extra_env=servers_env)
    except Exception:
        stop(a_proc)
        raise
    yield a, b
    stop(a_proc)
    stop(b_proc)


def unique_number(prefix="PC") -> str:
    return f"{prefix}{uuid.uuid4().int % 900000 + 100000}"


def count_records(app, **where) -> int:
    with app.app_context():
        stmt = select(func.count()).select_from(Record)
        for k, v in where.items():
            stmt = stmt.where(getattr(Record, k) == v)
        n = db.session.scalar(stmt)
        db.session.remove()
        return n


def test_sessions_csrf_and_sync_hold_across_two_servers(app, two_servers, make_officer, operation):
    a, b = two_servers
    officer = make_officer(shoulder_number=unique_number())
    s = requests.Session()

    # Both servers are ready: same database, same Redis.
    for base in (a, b):
        checks = s.get(base + "/readyz").json()["checks"]
        assert checks["database"]["status"] == "ok" and checks["redis"]["status"] == "ok"

    # Log in on A; the session cookie works on B.
    login = s.post(a + "/api/auth/login", json={"shoulder_number": officer.shoulder_number, "password": DEMO_PASSWORD})
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    me = s.get(b + "/api/auth/me")
    assert me.status_code == 200 and me.json()["officer"]["id"] == officer.id
    assert me.json()["csrf_token"] == csrf

    # CSRF: the token from A is good on B, and its absence is refused on both.
    shift = f.shift(operation.id)
    batch = {"device_id": "phone-lb", "shifts": [shift], "records": [f.arrest(operation.id, shift_id=shift["id"])]}
    for base in (a, b):
        refused = s.post(base + "/api/sync", json=batch)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    first = s.post(b + "/api/sync", json=batch, headers={"X-CSRF-Token": csrf})
    assert first.status_code == 200, first.text
    assert [r["status"] for r in first.json()["records"]] == ["created"]

    # The retry goes to the other server: de-duplicated there.
    again = s.post(a + "/api/sync", json=batch, headers={"X-CSRF-Token": csrf})
    assert [r["status"] for r in again.json()["records"]] == ["unchanged"]
    assert again.json()["shifts"][0]["status"] == "unchanged"

    # The same batches sent to both servers at the same moment (a retry racing the original):
    # every record stored once, exactly one "created" per record.
    batches = [{"device_id": "phone-lb", "shifts": [],
                "records": [f.stop_search(operation.id) for _ in range(15)]} for _ in range(6)]

    def send(args):
        base, body = args
        resp = s.post(base + "/api/sync", json=body, headers={"X-CSRF-Token": csrf})
        assert resp.status_code == 200, resp.text
        return resp.json()

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(send, [(base, body) for body in batches for base in (a, b)]))
    for i, body in enumerate(batches):
        on_a, on_b = results[2 * i], results[2 * i + 1]
        for ra, rb in zip(on_a["records"], on_b["records"]):
            assert sorted([ra["status"], rb["status"]]) == ["created", "unchanged"], (ra, rb)
    assert count_records(app, officer_id=officer.id) == 1 + 6 * 15

    # Changes written through one server are read through the other.
    cursor_a = s.get(a + "/api/sync/changes?since=0").json()
    cursor_b = s.get(b + "/api/sync/changes?since=0").json()
    assert cursor_a == cursor_b

    # Request ids: an incoming one (nginx's $request_id) is echoed by either server.
    for base in (a, b):
        assert s.get(base + "/api/auth/me", headers={"X-Request-ID": "lb-test-req-0001"}).headers["X-Request-ID"] \
            == "lb-test-req-0001"

    # Log out on B: the session is gone on A too.
    assert s.post(b + "/api/auth/logout", json={}, headers={"X-CSRF-Token": csrf}).status_code == 200
    assert s.get(a + "/api/auth/me").status_code == 401
    assert s.get(b + "/api/auth/me").status_code == 401
    assert s.get(a + "/api/auth/me").json()["error"]["code"] == "not_authenticated"


def test_each_server_logs_the_requests_it_answered_as_json(app, database_url, servers_env):
    a_proc, a = start_gunicorn(database_url, workers=1, extra_env=servers_env)
    b_proc, b = start_gunicorn(database_url, workers=1, extra_env=servers_env)
    try:
        for i in range(4):
            base = a if i % 2 == 0 else b
            assert requests.get(base + "/api/auth/me", headers={"X-Request-ID": f"alternate-{i:04d}"}).status_code == 401
    finally:
        out_a, out_b = stop(a_proc), stop(b_proc)

    def request_lines(out):
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        return [ln for ln in lines if ln.get("logger") == "beatbook.request" and ln["path"] == "/api/auth/me"]

    got_a = [ln["request_id"] for ln in request_lines(out_a)]
    got_b = [ln["request_id"] for ln in request_lines(out_b)]
    assert got_a == ["alternate-0000", "alternate-0002"]
    assert got_b == ["alternate-0001", "alternate-0003"]
    line = request_lines(out_a)[0]
    assert (line["method"], line["path"], line["status"], line["user_id"]) == ("GET", "/api/auth/me", 401, None)


def test_login_rate_limit_holds_across_both_servers(app, database_url, servers_env, make_officer):
    """Failed logins for one account, alternating between the servers, share one budget in Redis
    (server/core/limits.py): the fourth failure, on whichever server, is a 429 with Retry-After."""
    # A generous per-address limit: every test's failures come from 127.0.0.1 into the same Redis.
    servers_env = dict(servers_env, LOGIN_LIMIT_PER_ACCOUNT="3 per hour", LOGIN_LIMIT_PER_ADDRESS="100000 per hour")
    a_proc, a = start_gunicorn(database_url, workers=2, extra_env=servers_env)
    b_proc, b = start_gunicorn(database_url, workers=2, extra_env=servers_env)
    try:
        officer = make_officer(shoulder_number=unique_number())
        statuses, retry_after = [], []
        for i in range(6):
            resp = requests.post((a, b)[i % 2] + "/api/auth/login",
                                 json={"shoulder_number": officer.shoulder_number, "password": f"wrong-{i}-guess"})
            statuses.append(resp.status_code)
            retry_after.append(resp.headers.get("Retry-After"))
    finally:
        stop(a_proc)
        stop(b_proc)
    assert statuses[:3] == [401, 401, 401], statuses
    assert statuses[3:] == [429, 429, 429], statuses
    assert all(r and int(r) > 0 for r in retry_after[3:])
