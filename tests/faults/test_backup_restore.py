"""Backup and restore: `flask --app server backup <path>` takes a consistent online
copy (sqlite3 backup API; pg_dump on PostgreSQL); restoring it loses nothing."""
from __future__ import annotations

import sqlite3
import threading

from sqlalchemy import select

from server.core.db import db
from tests import factories as f


def snapshot(app) -> dict:
    """Every row of every table, in a stable order."""
    with app.app_context():
        out = {}
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            out[table.name] = sorted((tuple(map(repr, r)) for r in rows))
        db.session.remove()
        return out


def wait_for_records(app, n, timeout=30):
    import time
    from sqlalchemy import func
    from server.records.models import Record
    deadline = time.time() + timeout
    while time.time() < deadline:
        with app.app_context():
            count = db.session.scalar(select(func.count()).select_from(Record))
            db.session.remove()
        if count >= n:
            return
        time.sleep(0.05)
    raise AssertionError("the writer stored nothing")


def make_history(officer_client, sergeant_client, operation):
    s = f.shift(operation.id)
    records = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS for _ in range(5)]
    assert officer_client.sync([s], records).status_code == 200
    rid = records[0]["id"]
    officer_client.patch(f"/api/records/{rid}", {"base_version": 1, "notes": "Amended after briefing"})
    sergeant_client.post(f"/api/records/{records[1]['id']}/verify", {"base_version": 1})
    sergeant_client.post(f"/api/records/{records[2]['id']}/return", {"comment": "Add the place", "base_version": 1})
    officer_client.post(f"/api/records/{records[3]['id']}/void", {"reason": "Entered twice"})
    return records


def wipe(app):
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


def test_backup_then_restore_loses_nothing(app, officer_client, sergeant_client, operation, tmp_path):
    make_history(officer_client, sergeant_client, operation)
    before = snapshot(app)
    assert sum(len(rows) for rows in before.values()) > 60
    path = tmp_path / "beatbook.backup"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0
    wipe(app)
    assert snapshot(app)["records"] == []
    result = runner.invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    assert snapshot(app) == before
    # The app works on the restored data: the same batch is recognised, not stored again.
    resp = officer_client.get("/api/records?per_page=200")
    assert resp.status_code == 200 and resp.get_json()["total"] == 20


def test_restore_refuses_something_that_is_not_a_backup(app, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_text("hello")
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(bogus)])
    assert result.exit_code != 0


def test_postgres_commands_are_printed(app, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from server import create_app
        pg = create_app({"BEATBOOK_ENV": "testing", "SECRET_KEY": "k" * 40,
                         "DATABASE_URL": "postgresql+psycopg://beatbook:s3cret@db.internal:5433/beatbook"})
    else:
        pg = app
    runner = pg.test_cli_runner()
    out = runner.invoke(args=["backup", "--print-only", str(tmp_path / "b.dump")]).output
    assert "pg_dump --format=custom" in out
    assert "s3cret" not in out  # the password goes in PGPASSWORD, never on the command line
    out = runner.invoke(args=["restore", "--print-only", str(__file__)]).output
    assert "pg_restore --clean --if-exists" in out


def test_sqlite_backup_is_consistent_while_phones_keep_syncing(app, officer_client, operation, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return _pg_backup_while_writing(app, officer_client, operation, tmp_path)
    stop = threading.Event()
    errors = []

    def writer():
        client = officer_client.app.test_client()
        client.set_cookie("beatbook_session", officer_client.http.get_cookie("beatbook_session").value)
        while not stop.is_set():
            resp = client.post("/api/sync", json={"device_id": "busy", "records": [f.arrest(operation.id)
                                                                                 for _ in range(20)]},
                               headers={"X-CSRF-Token": officer_client.csrf})
            if resp.status_code != 200:
                errors.append(resp.get_data(as_text=True))

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for_records(app, 20)
        paths = []
        for i in range(3):
            path = tmp_path / f"online-{i}.backup"
            result = app.test_cli_runner().invoke(args=["backup", str(path)])
            assert result.exit_code == 0, result.output
            paths.append(path)
    finally:
        stop.set()
        thread.join()
    assert not errors, errors[:1]
    for path in paths:
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        records = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        arrests = conn.execute("SELECT count(*) FROM arrests").fetchone()[0]
        creates = conn.execute("SELECT count(*) FROM audit_entries WHERE action = 'create'").fetchone()[0]
        conn.close()
        # A point in time: whole batches only, every record with its detail row and audit entry.
        assert records == arrests == creates and records % 20 == 0 and records >= 20


def _pg_backup_while_writing(app, officer_client, operation, tmp_path):
    """PostgreSQL: pg_dump's snapshot is consistent while writes go on."""
    stop = threading.Event()

    def writer():
        client = officer_client.app.test_client()
        client.set_cookie("beatbook_session", officer_client.http.get_cookie("beatbook_session").value)
        while not stop.is_set():
            client.post("/api/sync", json={"device_id": "busy", "records": [f.arrest(operation.id)
                                                                          for _ in range(20)]},
                        headers={"X-CSRF-Token": officer_client.csrf})

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        wait_for_records(app, 20)
        path = tmp_path / "online.dump"
        result = app.test_cli_runner().invoke(args=["backup", str(path)])
        assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join()
    wipe(app)
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        from sqlalchemy import text
        records = db.session.scalar(text("SELECT count(*) FROM records"))
        arrests = db.session.scalar(text("SELECT count(*) FROM arrests"))
        creates = db.session.scalar(text("SELECT count(*) FROM audit_entries WHERE action = 'create'"))
        db.session.remove()
    assert records == arrests == creates and records % 20 == 0 and records >= 20
