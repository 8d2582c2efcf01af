"""A fresh database per backend, seeded; the app under gunicorn; a logged-in session; raw DBAPI connections."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
PASSWORD = "bench-password-not-secret"
TEAMS = ("West Team 2", "West Team 3", "East Team 1", "East Team 2")


@dataclass
class Backend:
    name: str          # "sqlite" | "postgresql"
    url: str           # SQLAlchemy URL
    sqlite_path: Path | None = None
    ids: dict = field(default_factory=dict)   # seeded officer / operation / shift ids

    @property
    def is_pg(self) -> bool:
        return self.name == "postgresql"

    def raw_connect(self):
        """A plain DBAPI connection configured like the app's (autocommit; we BEGIN ourselves)."""
        if self.is_pg:
            import psycopg
            return psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        conn = sqlite3.connect(str(self.sqlite_path), isolation_level=None)
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def begin(self, conn):
        conn.execute("BEGIN" if self.is_pg else "BEGIN IMMEDIATE")

    def placeholder(self) -> str:
        return "%s" if self.is_pg else "?"


def backends_from_env(workdir: Path, only: str | None) -> tuple[list[Backend], list[str]]:
    notes = []
    out = []
    if only in (None, "sqlite"):
        path = workdir / "bench.db"
        out.append(Backend("sqlite", f"sqlite:///{path}", sqlite_path=path))
    pg = os.environ.get("BENCH_DATABASE_URL")
    if only in (None, "postgresql"):
        if pg:
            if pg.startswith("postgresql://") or pg.startswith("postgres://"):
                pg = "postgresql+psycopg://" + pg.split("://", 1)[1]
            out.append(Backend("postgresql", pg))
        else:
            notes.append("BENCH_DATABASE_URL is not set: SQLite only. Set it to a PostgreSQL database "
                         "(it is wiped) to benchmark PostgreSQL too.")
    return out, notes


def make_app(backend: Backend):
    from server import create_app
    return create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": backend.url, "SECRET_KEY": SECRET})


def prepare_database(backend: Backend) -> None:
    """Wipe, migrate, seed: one login-capable officer, 20 more, two operations and a shift."""
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text

    if backend.is_pg:
        engine = create_engine(backend.url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(backend.sqlite_path) + suffix).unlink(missing_ok=True)

    app = make_app(backend)
    with app.app_context():
        import uuid
        from datetime import datetime, timezone

        from server.auth.models import Officer
        from server.core.db import db
        from server.operations.models import Operation
        from server.records.models import Shift

        upgrade()
        logger = Officer(shoulder_number="BENCH1", display_name="Bench Officer", role="officer", team=TEAMS[0])
        logger.set_password(PASSWORD)
        db.session.add(logger)
        analyst = Officer(shoulder_number="BENCH2", display_name="Bench Analyst", role="analyst", team=None)
        analyst.set_password(PASSWORD)
        db.session.add(analyst)
        sergeant = Officer(shoulder_number="BENCH3", display_name="Bench Sergeant", role="sergeant", team=TEAMS[0])
        sergeant.set_password(PASSWORD)
        db.session.add(sergeant)
        others = []
        for i in range(20):
            o = Officer(shoulder_number=f"BX{100 + i}", display_name=f"Bench {i}", role="officer",
                        team=TEAMS[i % len(TEAMS)], password_hash="!")
            others.append(o)
        db.session.add_all(others)
        today = date.today()
        ingest_op = Operation(name="Bench ingest", slug="bench-ingest", local_policing_area="West",
                              target_areas=["NN3", "NN5"], starts_on=today - timedelta(days=400), description="")
        # A year-long operation in four districts: 10,000 or 1,000,000 records, the same days and areas.
        tally_op = Operation(name="Bench tally", slug="bench-tally", local_policing_area="West",
                             target_areas=["NN1", "NN2", "NN3", "NN5"],
                             starts_on=today - timedelta(days=365), description="")
        db.session.add_all([ingest_op, tally_op])
        db.session.flush()
        shift = Shift(id=uuid.uuid4(), officer_id=logger.id, operation_id=ingest_op.id,
                      started_at=datetime.now(timezone.utc) - timedelta(hours=8), ended_at=None, device_id="bench")
        db.session.add(shift)
        db.session.commit()
        backend.ids = {"officer": logger.id, "others": [o.id for o in others], "ingest_op": ingest_op.id,
                       "tally_op": tally_op.id, "tally_starts_on": tally_op.starts_on, "shift": str(shift.id)}
        db.session.remove()
        db.engine.dispose()


def vacuum_analyze(backend: Backend) -> None:
    conn = backend.raw_connect()
    try:
        conn.execute("VACUUM ANALYZE" if backend.is_pg else "ANALYZE")
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app under gunicorn with the project's own config (config/gunicorn.conf.py)."""

    def __init__(self, backend: Backend, log_path: Path, workers: int | None = None):
        self.backend = backend
        self.log_path = log_path
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.base = ""

    def __enter__(self) -> "Server":
        port = _free_port()
        env = dict(os.environ, BEATBOOK_ENV="development", DATABASE_URL=self.backend.url, SECRET_KEY=SECRET,
                   GUNICORN_BIND=f"127.0.0.1:{port}", PYTHONPATH=str(ROOT),
                   ANON_LIMIT_PER_ADDRESS="100000000 per minute")  # wrk's hello-world has no session
        if self.workers:
            env["GUNICORN_WORKERS"] = str(self.workers)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config" / "gunicorn.conf.py"),
             "bench.wsgi:create_bench_app()"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        from .wsgi import HELLO_PATH
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if requests.get(self.base + HELLO_PATH, timeout=10).status_code == 200:
                    time.sleep(1.0)  # let every worker finish booting
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def worker_count(self) -> int:
        if self.workers:
            return self.workers
        import multiprocessing
        return int(os.environ.get("GUNICORN_WORKERS", min(4, multiprocessing.cpu_count() * 2)))


@dataclass
class Session:
    cookie: str
    csrf: str
    http: requests.Session

    @property
    def headers(self) -> dict:
        return {"Cookie": self.cookie, "X-CSRF-Token": self.csrf}


def login(base: str, shoulder_number: str = "BENCH1", password: str = PASSWORD) -> Session:
    resp = requests.post(base + "/api/auth/login", json={"shoulder_number": shoulder_number, "password": password},
                         timeout=30)
    resp.raise_for_status()
    set_cookie = resp.headers["Set-Cookie"]
    cookie = set_cookie.split(";", 1)[0]
    http = requests.Session()
    http.headers.update({"Cookie": cookie, "X-CSRF-Token": resp.json()["csrf_token"]})
    return Session(cookie=cookie, csrf=resp.json()["csrf_token"], http=http)
