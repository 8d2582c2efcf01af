"""50 phones (25 officers, two phones each) sync overlapping batches at the same
time against gunicorn with several workers: every record is stored exactly
once, no request fails, no "database is locked"; counts checked afterwards."""
from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from server.core.db import db
from server.records.models import AuditEntry, Record, Shift
from tests import factories as f
from tests.conftest import DEMO_PASSWORD

OFFICERS = 25
PER_OFFICER = 40  # 1,000 records in all
# Each officer's two phones send overlapping slices of the same outbox, then everything again.
PHONE_A = [(0, 25), (15, 40)]
PHONE_B = [(10, 35), (0, 40)]


def test_fifty_phones_store_every_record_exactly_once(app, gunicorn, quick_officer, operation):
    server = gunicorn(workers=4)
    officers = [quick_officer(shoulder_number=f"PC9{i:03d}") for i in range(OFFICERS)]
    outboxes = {}
    for i, officer in enumerate(officers):
        s = f.shift(operation.id)
        makers = f.ALL_KINDS
        outboxes[officer.shoulder_number] = (s, [makers[j % 4](operation.id, shift_id=s["id"])
                                                 for j in range(PER_OFFICER)])

    def phone(number: str, slices):
        http = requests.Session()
        r = http.post(server.base + "/api/auth/login", json={"shoulder_number": number, "password": DEMO_PASSWORD},
                      timeout=60)
        assert r.status_code == 200, r.text
        http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        shift, records = outboxes[number]
        answers = []
        for lo, hi in slices:
            r = http.post(server.base + "/api/sync", json={"device_id": f"{number}-{lo}", "shifts": [shift],
                                                           "records": records[lo:hi]}, timeout=120)
            answers.append((r.status_code, r.json() if r.headers.get("Content-Type", "").startswith("application/json") else r.text))
        return answers

    start = threading.Barrier(OFFICERS * 2)

    def run(args):
        start.wait(timeout=60)  # all fifty at once
        return phone(*args)

    jobs = [(o.shoulder_number, PHONE_A) for o in officers] + [(o.shoulder_number, PHONE_B) for o in officers]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(run, jobs))

    created = Counter()
    for answers in results:
        for status, body in answers:
            assert status == 200, body
            for item in body["records"]:
                assert item["status"] in ("created", "unchanged"), item
                if item["status"] == "created":
                    created[item["id"]] += 1
    expected_ids = {r["id"] for _, records in outboxes.values() for r in records}
    assert set(created) == expected_ids and set(created.values()) == {1}  # each created exactly once
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == OFFICERS * PER_OFFICER
        assert db.session.scalar(select(func.count(func.distinct(Record.id)))) == OFFICERS * PER_OFFICER
        assert db.session.scalar(select(func.count()).select_from(Shift)) == OFFICERS
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "create")) == OFFICERS * PER_OFFICER
        per_officer = db.session.execute(select(Record.officer_id, func.count()).group_by(Record.officer_id)).all()
        assert sorted(n for _, n in per_officer) == [PER_OFFICER] * OFFICERS
        db.session.remove()
    assert "database is locked" not in server.output
    assert "Traceback" not in server.output
