"""Exactly-once under a real gunicorn with several worker processes."""
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from server.core.db import db
from server.records.models import AuditEntry, Record
from tests import factories as f
from tests.conftest import DEMO_PASSWORD


def _session(base, shoulder_number):
    s = requests.Session()
    resp = s.post(f"{base}/api/auth/login", json={"shoulder_number": shoulder_number, "password": DEMO_PASSWORD},
                  timeout=10)
    assert resp.status_code == 200, resp.text
    s.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return s


def test_two_phones_sending_the_same_batch_at_once_store_it_once(app, live_server, make_officer, operation):
    officer = make_officer("officer")
    phones = [_session(live_server, officer.shoulder_number) for _ in range(4)]
    s = f.shift(operation.id)
    records = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS for _ in range(25)]

    def send(i):
        return phones[i % 4].post(f"{live_server}/api/sync", json={"device_id": f"phone-{i}", "shifts": [s],
                                                                   "records": records}, timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(send, range(8)))
    assert [a.status_code for a in answers] == [200] * 8, [a.text[:300] for a in answers]
    statuses = [item["status"] for a in answers for item in a.json()["records"]]
    assert statuses.count("created") == 100
    assert set(statuses) <= {"created", "unchanged"}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == 100
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 100
