"""`flask migrate-safely`: several servers starting together on a fresh database migrate it
exactly once (PostgreSQL: pg_advisory_lock; SQLite: an exclusive file lock)."""
from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from contextlib import contextmanager

from sqlalchemy import create_engine, inspect, text

from server.config import ENV_KEYS
from server.ops.migrate import ADVISORY_LOCK_KEY
from tests.conftest import ROOT
from tests.ops.conftest import migration_head

HEAD = migration_head()  # the newest file in server/migrations/versions
SECRET = "test-secret-key-that-is-long-enough-0123456789"


def start_migration(url: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(BEATBOOK_ENV="testing", DATABASE_URL=url, SECRET_KEY=SECRET)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "server", "migrate-safely", "--timeout", "120"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(procs) -> list[str]:
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, f"rc={p.returncode}\n{out}\n{err}"
        outs.append(out)
    return outs


def schema_state(url: str):
    engine = create_engine(url)
    try:
        tables = set(inspect(engine).get_table_names())
        versions = []
        if "alembic_version" in tables:
            with engine.connect() as conn:
                versions = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        return tables, versions
    finally:
        engine.dispose()


def test_servers_starting_together_migrate_a_fresh_database_once(fresh_database):
    procs = [start_migration(fresh_database) for _ in range(4)]
    outs = finish(procs)
    assert sum(f"upgraded to {HEAD}" in o for o in outs) == 1, outs
    assert sum(f"already at {HEAD}; nothing to do" in o for o in outs) == 3, outs
    tables, versions = schema_state(fresh_database)
    assert versions == [HEAD]
    assert {"officers", "records", "shifts", "operations", "audit_entries"} <= tables


@contextmanager
def hold_the_lock(url: str):
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///") + ".migrate.lock"
        with open(path, "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            yield lambda procs: all(_has_open(p.pid, path) for p in procs)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        return
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})

        def all_waiting(procs):
            n = conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                                  "AND objid = (:k & 4294967295)"), {"k": ADVISORY_LOCK_KEY}).scalar()
            return n == len(procs)

        yield all_waiting
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
    engine.dispose()


def _has_open(pid: int, path: str) -> bool:
    fd_dir = f"/proc/{pid}/fd"
    try:
        return any(os.path.realpath(os.path.join(fd_dir, fd)) == os.path.realpath(path) for fd in os.listdir(fd_dir))
    except FileNotFoundError:
        return False


def test_every_server_waits_for_the_lock_before_touching_the_schema(fresh_database):
    """While the lock is held (as by a server in the middle of a migration) nobody migrates;
    once it is released exactly one does, the others find the work done."""
    with hold_the_lock(fresh_database) as all_waiting:
        procs = [start_migration(fresh_database) for _ in range(3)]
        deadline = time.monotonic() + 90
        while not all_waiting(procs):
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            assert time.monotonic() < deadline, "the migrations never reached the lock"
            time.sleep(0.2)
        time.sleep(0.5)
        assert all(p.poll() is None for p in procs)
        tables, versions = schema_state(fresh_database)
        assert "alembic_version" not in tables and versions == []
    outs = finish(procs)
    assert sum(f"upgraded to {HEAD}" in o for o in outs) == 1, outs
    assert sum(f"already at {HEAD}" in o for o in outs) == 2, outs
    assert schema_state(fresh_database)[1] == [HEAD]


def test_a_server_that_waits_too_long_gives_up_clearly(fresh_database):
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(BEATBOOK_ENV="testing", DATABASE_URL=fresh_database, SECRET_KEY=SECRET)
    with hold_the_lock(fresh_database):
        proc = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "migrate-safely", "--timeout", "1"],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 75
    assert "Waited 1s for another server's migration to finish" in proc.stderr
    assert schema_state(fresh_database)[1] == []
