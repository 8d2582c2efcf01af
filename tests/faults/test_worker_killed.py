"""A gunicorn worker is killed (SIGKILL) in the middle of a large sync; the
phone's retry stores every entry exactly once."""
from __future__ import annotations

import os
import signal
import threading
import time

import requests
from sqlalchemy import func, select

from server.core.db import db
from server.records.models import AuditEntry, Record
from tests import factories as f
from tests.conftest import DEMO_PASSWORD


def login(base, number):
    s = requests.Session()
    r = s.post(base + "/api/auth/login", json={"shoulder_number": number, "password": DEMO_PASSWORD}, timeout=30)
    assert r.status_code == 200, r.text
    s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return s


def counts(app):
    with app.app_context():
        out = (db.session.scalar(select(func.count()).select_from(Record)),
               db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "create")),
               db.session.scalar(select(func.count(func.distinct(Record.id)))))
        db.session.remove()
        return out


def send_until_answered(session, url, batch, deadline_s=60):
    """The phone's retry loop: resend the same batch until a worker answers."""
    deadline = time.time() + deadline_s
    while True:
        try:
            return session.post(url, json=batch, timeout=60)
        except requests.RequestException:
            assert time.time() < deadline, "no worker came back"
            time.sleep(0.3)


def test_worker_killed_mid_sync_then_retry_stores_each_once(app, gunicorn, quick_officer, operation):
    officer = quick_officer(shoulder_number="PC6001")
    server = gunicorn(workers=2)
    session = login(server.base, officer.shoulder_number)
    url = server.base + "/api/sync"
    cut_short, stored = 0, 0
    # The kill must land while the batch is being written; how long that takes depends on the
    # machine, so try a few moments until one interrupts a request (usually the first).
    for delay in (0.15, 0.08, 0.25, 0.04, 0.3, 0.02):
        batch = {"device_id": "phone-k", "shifts": [],
                 "records": [make(operation.id, notes="n" * 2000) for make in f.ALL_KINDS for _ in range(125)]}
        outcome = {}

        def send():
            try:
                outcome["status"] = session.post(url, json=batch, timeout=60).status_code
            except requests.RequestException as exc:
                outcome["error"] = type(exc).__name__

        workers_before = server.worker_pids()
        assert len(workers_before) == 2
        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(delay)
        for pid in workers_before:  # whichever worker has it dies without finishing
            os.kill(pid, signal.SIGKILL)
        thread.join(timeout=90)

        r = send_until_answered(session, url, batch)  # gunicorn's master starts new workers meanwhile
        assert r.status_code == 200, r.text
        statuses = [item["status"] for item in r.json()["records"]]
        assert set(statuses) <= {"created", "unchanged"} and len(statuses) == 500
        # Once more (that answer was lost too): nothing new.
        r = send_until_answered(session, url, batch)
        assert {item["status"] for item in r.json()["records"]} == {"unchanged"}
        stored += 500
        assert counts(app) == (stored, stored, stored)
        assert set(server.worker_pids()).isdisjoint(workers_before)
        if "error" in outcome:
            cut_short += 1
            break
    assert cut_short == 1, "no kill landed mid-request"
    assert "database is locked" not in server.output
