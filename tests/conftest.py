"""Fixtures: an app on a real database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), a clean database per test, and clients logged in
per role."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from server import create_app
from server.auth.models import Officer
from server.core.db import db
from server.operations.models import Operation

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSWORD = "correct-horse-battery"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'beatbook-test.db'}"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            # A clean slate: the migrations build everything from nothing.
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    except Exception as exc:  # the suite must fail, never skip, without its database
        pytest.exit(f"TEST_DATABASE_URL is set but the database cannot be reached: {exc}", returncode=3)
    finally:
        engine.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return _database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": database_url,
                      "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789"})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def clean_db(app):
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name in APPEND_ONLY_TABLES:
                    clear_append_only(conn, table)
                else:
                    conn.execute(table.delete())
    app.extensions["beatbook_limiter"].reset()  # failed logins never carry over to the next test


# Tables whose triggers refuse UPDATE and DELETE (migration 0007): only a test's clean-up empties them.
APPEND_ONLY_TABLES = ("admin_audit_entries",)


def clear_append_only(conn, table) -> None:
    """Empty an append-only table with its guard triggers lifted for this transaction only."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"ALTER TABLE {table.name} DISABLE TRIGGER USER"))
        conn.execute(table.delete())
        conn.execute(text(f"ALTER TABLE {table.name} ENABLE TRIGGER USER"))
        return
    triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                            {"t": table.name}).all()
    for name, _ in triggers:
        conn.execute(text(f"DROP TRIGGER {name}"))
    conn.execute(table.delete())
    for _, sql in triggers:
        conn.execute(text(sql))


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


class ApiClient:
    """A test client that speaks JSON and sends the CSRF token like the app does."""

    def __init__(self, app, officer: Officer | None = None):
        self.app = app
        self.http = app.test_client()
        self.officer = officer
        self.csrf: str | None = None

    def login(self, shoulder_number: str, password: str = DEMO_PASSWORD):
        resp = self.http.post("/api/auth/login", json={"shoulder_number": shoulder_number, "password": password})
        if resp.status_code == 200:
            self.csrf = resp.get_json()["csrf_token"]
        return resp

    def _headers(self, csrf: bool, headers: dict | None):
        h = dict(headers or {})
        if csrf and self.csrf:
            h.setdefault("X-CSRF-Token", self.csrf)
        return h

    def get(self, url, **kw):
        return self.http.get(url, **kw)

    def post(self, url, json=None, csrf=True, headers=None, **kw):
        return self.http.post(url, json=json if json is not None else {}, headers=self._headers(csrf, headers), **kw)

    def patch(self, url, json=None, csrf=True, headers=None, **kw):
        return self.http.patch(url, json=json if json is not None else {}, headers=self._headers(csrf, headers), **kw)

    def put(self, url, json=None, csrf=True, headers=None, **kw):
        return self.http.put(url, json=json if json is not None else {}, headers=self._headers(csrf, headers), **kw)

    def delete(self, url, csrf=True, headers=None, **kw):
        return self.http.delete(url, headers=self._headers(csrf, headers), **kw)

    def sync(self, shifts=(), records=(), device_id="phone-1", **kw):
        return self.post("/api/sync", {"device_id": device_id, "shifts": list(shifts), "records": list(records)}, **kw)


_CHEAP_HASHES: dict[str, str] = {}


def cheap_hash(password: str) -> str:
    """The same argon2 scheme with cheap parameters (verify reads them from the hash):
    for tests that build many logins."""
    if password not in _CHEAP_HASHES:
        from argon2 import PasswordHasher
        _CHEAP_HASHES[password] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)
    return _CHEAP_HASHES[password]


def officer_factory(app, *, cheap: bool = False, number_format: str = "{prefix}{n_1000}"):
    """make(role, team, shoulder_number, active, password) -> a stored, detached Officer."""
    counter = {"n": 0}

    def make(role="officer", team="West Team 2", shoulder_number=None, active=True, password=DEMO_PASSWORD):
        counter["n"] += 1
        number = shoulder_number or number_format.format(prefix=role[:2].upper(), n=counter["n"],
                                                         n_1000=1000 + counter["n"])
        with app.app_context():
            officer = Officer(shoulder_number=number, display_name=f"{role.title()} {number}", role=role,
                              team=team, active=active)
            if cheap:
                officer.password_hash = cheap_hash(password)
            else:
                officer.set_password(password)
            db.session.add(officer)
            db.session.commit()
            db.session.refresh(officer)
            db.session.expunge(officer)
        return officer

    return make


@pytest.fixture
def make_officer(app):
    return officer_factory(app)


@pytest.fixture
def login_as(app, make_officer):
    def login(role="officer", team="West Team 2", **kw) -> ApiClient:
        officer = make_officer(role=role, team=team, **kw)
        client = ApiClient(app, officer)
        resp = client.login(officer.shoulder_number)
        assert resp.status_code == 200, resp.get_json()
        return client

    return login


@pytest.fixture
def operation(app):
    """An operation that launched 60 days ago in NN3 and NN5."""
    with app.app_context():
        op = Operation(name="Operation Revive", slug="revive", local_policing_area="West",
                       target_areas=["NN3", "NN5"], starts_on=date.today() - timedelta(days=60),
                       description="Test operation")
        db.session.add(op)
        db.session.commit()
        db.session.refresh(op)
        db.session.expunge(op)
    return op


# A signed-in client per role: fixture name -> (role, team). The colleague is another officer of the same
# team; the "other" ones belong to another team.
ROLE_CLIENTS = {
    "officer_client": ("officer", "West Team 2"),
    "colleague_client": ("officer", "West Team 2"),
    "other_team_client": ("officer", "West Team 3"),
    "sergeant_client": ("sergeant", "West Team 2"),
    "other_sergeant_client": ("sergeant", "West Team 3"),
    "inspector_client": ("inspector", None),
    "analyst_client": ("analyst", None),
    "admin_client": ("admin", None),
}


def _role_client(role: str, team: str | None):
    def client(login_as):
        return login_as(role, team=team)
    return client


for _name, (_role, _team) in ROLE_CLIENTS.items():
    globals()[_name] = pytest.fixture(name=_name)(_role_client(_role, _team))


@pytest.fixture
def anon_client(app):
    return ApiClient(app)


# ---- a real server ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_gunicorn(proc) -> None:
    """Stop a server started by start_gunicorn: a polite TERM, then KILL if it hangs."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def start_gunicorn(database_url: str, workers: int = 2, extra_env: dict | None = None):
    port = free_port()
    env = dict(os.environ, BEATBOOK_ENV="testing", DATABASE_URL=database_url,
               SECRET_KEY="test-secret-key-that-is-long-enough-0123456789", **(extra_env or {}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "--graceful-timeout", "2", "server:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(base + "/api/openapi.json", timeout=5)
            return proc, base
        except requests.RequestException:
            if proc.poll() is not None:
                raise RuntimeError(proc.stdout.read().decode())
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


@pytest.fixture
def live_server(app, database_url):
    """The app under gunicorn with several workers, on the test database."""
    proc, base = start_gunicorn(database_url, workers=3)
    yield base
    stop_gunicorn(proc)
