"""Racing changes to one entry, over HTTP against gunicorn with several workers.

Eight sessions start from the same version at the same moment, mixing the
officer's PATCH, the officer's phones syncing an edit with base_version, a
sergeant's verify and an inspector's return; in the last round a sergeant's
void races them too. Exactly one of them may win each round; every other one
is told it lost (409 version_conflict, or "voided" after a void; sync status
"conflict") and given the server copy, which holds the winner's change. The
audit trail afterwards has one entry per version, 1 to the current one."""
from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import func, select

from server.core.db import db
from server.records.models import AuditEntry, Record
from tests import factories as f
from tests.conftest import DEMO_PASSWORD
from tests.faults.conftest import gunicorn  # noqa: F401  (a server whose output the test reads)
from tests.security.conftest import quick_officer  # noqa: F401  (cheap password hashes)

ROUNDS = 12
PATCHERS = 3
SYNCERS = 3


def _session(base: str, shoulder_number: str) -> requests.Session:
    http = requests.Session()
    r = http.post(base + "/api/auth/login", json={"shoulder_number": shoulder_number, "password": DEMO_PASSWORD},
                  timeout=60)
    assert r.status_code == 200, r.text
    http.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return http


def _outcome(kind: str, resp: requests.Response) -> tuple[bool, dict | None]:
    """(won, the server copy a loser was given)."""
    body = resp.json()
    if kind == "sync":
        assert resp.status_code == 200, body
        item = body["records"][0]
        assert item["status"] in ("updated", "conflict"), item
        return item["status"] == "updated", item.get("record")
    if resp.status_code == 200:
        return True, None
    assert resp.status_code == 409, body
    # Lost to a void, an edit or review hears that it was voided; otherwise that the version moved on.
    voided = body["error"]["record"]["status"] == "voided"
    assert body["error"]["code"] == ("voided" if voided and kind in ("patch", "verify", "return")
                                     else "version_conflict"), body
    return False, body["error"]["record"]


def test_one_winner_per_version_among_racing_edits_and_reviews(app, gunicorn, quick_officer, operation):  # noqa: F811
    server = gunicorn(workers=4)
    officer = quick_officer()
    sergeant = quick_officer(role="sergeant")
    inspector = quick_officer(role="inspector", team=None)
    base = server.base
    patchers = [_session(base, officer.shoulder_number) for _ in range(PATCHERS)]
    syncers = [_session(base, officer.shoulder_number) for _ in range(SYNCERS)]
    sgt, insp = _session(base, sergeant.shoulder_number), _session(base, inspector.shoulder_number)

    payload = f.arrest(operation.id)  # edits change both its tables: records and arrests
    rid = payload["id"]
    url = f"{base}/api/records/{rid}"
    r = syncers[0].post(base + "/api/sync", json={"device_id": "phone-0", "records": [payload]}, timeout=60)
    assert r.json()["records"][0]["status"] == "created"

    current = syncers[0].get(url, timeout=60).json()["record"]
    rng = random.Random(2026)
    won_by = []
    for rnd in range(ROUNDS):
        v = current["version"]
        jobs = []
        for k, http in enumerate(patchers):
            change = {"notes": f"round {rnd}: patch {k}", "custody_reference": f"CU/{rnd}/P{k}"}
            jobs.append(("patch", change, lambda http=http, change=change: http.patch(
                url, json=dict(change, base_version=v), timeout=60)))
        for k, http in enumerate(syncers):
            change = {"notes": f"round {rnd}: sync {k}", "custody_reference": f"CU/{rnd}/S{k}"}
            item = dict(payload, **change, base_version=v)
            jobs.append(("sync", change, lambda http=http, item=item, k=k: http.post(
                base + "/api/sync", json={"device_id": f"phone-{k}", "records": [item]}, timeout=60)))
        comment = f"round {rnd}: check the time"
        unchanged = {k: current[k] for k in ("notes", "custody_reference")}  # what a review leaves as it was
        if current["status"] != "verified":
            jobs.append(("verify", dict(unchanged, status="verified"), lambda: sgt.post(
                url + "/verify", json={"base_version": v}, timeout=60)))
        else:  # verifying a verified entry again changes nothing, so it would not be a rival
            jobs.append(("return", dict(unchanged, status="returned", review_comment=comment + " (sergeant)"),
                         lambda: sgt.post(url + "/return", json={"base_version": v, "comment": comment + " (sergeant)"},
                                          timeout=60)))
        jobs.append(("return", dict(unchanged, status="returned", review_comment=comment), lambda: insp.post(
            url + "/return", json={"base_version": v, "comment": comment}, timeout=60)))
        if rnd == ROUNDS - 1:  # the last round a void races them too
            jobs.append(("void", dict(unchanged, status="voided"), lambda: sgt.post(
                url + "/void", json={"base_version": v, "reason": "Logged twice"}, timeout=60)))

        start = threading.Barrier(len(jobs))
        # A few milliseconds' jitter: a PATCH is quicker than a sync, and without it would win nearly every
        # round; with it each kind wins some, while the others still arrive during the winner's write.
        delays = [rng.uniform(0, 0.04) for _ in jobs]

        def run(job_and_delay):
            job, delay = job_and_delay
            start.wait(timeout=60)
            time.sleep(delay)
            return job[2]()

        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            answers = list(pool.map(run, zip(jobs, delays)))

        outcomes = [_outcome(kind, resp) for (kind, _, _), resp in zip(jobs, answers)]
        winners = [job for job, (won, _) in zip(jobs, outcomes) if won]
        assert len(winners) == 1, (rnd, [(job[0], resp.status_code, resp.text[:300]) for job, resp in zip(jobs, answers)])
        current = syncers[0].get(url, timeout=60).json()["record"]
        assert current["version"] == v + 1
        expected = winners[0][1]
        won_by.append(winners[0][0])
        assert {k: current[k] for k in expected} == expected  # the winner's change, nothing else lost
        if winners[0][0] in ("patch", "sync"):
            assert current["status"] == "submitted"
        for (kind, _, _), (won, copy) in zip(jobs, outcomes):
            if not won:  # every loser holds the winner's copy to check again
                assert copy is not None and copy["version"] == v + 1, (kind, copy)
                assert {k: copy[k] for k in ("notes", "custody_reference", "status")} == {
                    k: current[k] for k in ("notes", "custody_reference", "status")}, (kind, copy)

    with app.app_context():
        record_uuid = uuid.UUID(rid)
        versions = db.session.execute(select(AuditEntry.version, func.count()).where(AuditEntry.record_id == record_uuid)
                                      .group_by(AuditEntry.version).order_by(AuditEntry.version)).all()
        stored = db.session.scalar(select(Record.version).where(Record.id == record_uuid))
        db.session.remove()
    assert stored == current["version"] == ROUNDS + 1
    assert versions == [(n, 1) for n in range(1, stored + 1)]  # unique and gapless
    assert "Traceback" not in server.output, won_by


def test_batches_editing_the_same_entries_in_any_order_neither_deadlock_nor_lose_edits(
        app, gunicorn, quick_officer, operation):  # noqa: F811
    """Phones whose batches edit the same entries, listed in different orders: the rows are locked in
    one order, so no batch waits on another holding what it needs; per entry exactly one edit lands."""
    server = gunicorn(workers=4)
    officer = quick_officer()
    phones = [_session(server.base, officer.shoulder_number) for _ in range(6)]
    entries = [f.arrest(operation.id), f.stop_search(operation.id), f.safeguarding_referral(operation.id),
               f.intelligence_log(operation.id)]
    r = phones[0].post(server.base + "/api/sync", json={"device_id": "phone-0", "records": entries}, timeout=60)
    assert {i["status"] for i in r.json()["records"]} == {"created"}
    rng = random.Random(7)
    for rnd in range(4):
        batches = []
        for k in range(len(phones)):
            items = [dict(e, notes=f"round {rnd}: phone {k}", base_version=rnd + 1) for e in entries]
            rng.shuffle(items)
            batches.append(items)
        start = threading.Barrier(len(phones))

        def send(k):
            start.wait(timeout=60)
            return phones[k].post(server.base + "/api/sync", json={"device_id": f"phone-{k}", "records": batches[k]},
                                  timeout=60)

        with ThreadPoolExecutor(max_workers=len(phones)) as pool:
            answers = list(pool.map(send, range(len(phones))))
        assert [a.status_code for a in answers] == [200] * len(phones), [a.text[:300] for a in answers]
        for e in entries:
            got = [(k, i) for k, a in enumerate(answers) for i in a.json()["records"] if i["id"] == e["id"]]
            updated = [k for k, i in got if i["status"] == "updated"]
            assert len(updated) == 1, (rnd, e["kind"], got)
            assert all(i["status"] == "conflict" and i["record"]["version"] == rnd + 2
                       and i["record"]["notes"] == f"round {rnd}: phone {updated[0]}" for k, i in got if k != updated[0])
            stored = phones[0].get(f"{server.base}/api/records/{e['id']}", timeout=60).json()["record"]
            assert stored["version"] == rnd + 2 and stored["notes"] == f"round {rnd}: phone {updated[0]}"
    with app.app_context():
        for e in entries:
            versions = db.session.scalars(select(AuditEntry.version).where(AuditEntry.record_id == uuid.UUID(e["id"]))
                                          .order_by(AuditEntry.version)).all()
            assert versions == [1, 2, 3, 4, 5]
        db.session.remove()
    assert "Traceback" not in server.output and "deadlock" not in server.output
