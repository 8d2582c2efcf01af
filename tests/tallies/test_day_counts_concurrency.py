"""Under several gunicorn workers, concurrent batches and reviews on the same days and
areas neither fail nor lose a count (the day-count upserts lock in key order)."""
import random
import threading
import uuid
from datetime import datetime, timedelta, timezone

import requests

from tests.conftest import DEMO_PASSWORD
from tests import factories as f
from tests.tallies.test_day_counts import counts_agree
from tests.tallies.test_team_day_counts import team_counts_agree


def session_for(base, officer):
    s = requests.Session()
    resp = s.post(f"{base}/api/auth/login", json={"shoulder_number": officer.shoulder_number,
                                                  "password": DEMO_PASSWORD}, timeout=30)
    assert resp.status_code == 200, resp.text
    s.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return s


def test_concurrent_batches_and_reviews_keep_exact_counts(app, live_server, make_officer, operation):
    officers = [make_officer("officer") for _ in range(4)]
    sergeant = make_officer("sergeant")
    rng = random.Random(7)
    now = datetime.now(timezone.utc)
    makers = [f.arrest, f.stop_search, f.safeguarding_referral, f.intelligence_log]
    batches = {o.id: [] for o in officers}
    for o in officers:
        for _ in range(4):
            batches[o.id].append([
                rng.choice(makers)(operation.id, id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                                   area=rng.choice(["NN3", "NN5"]),
                                   occurred_at=(now - timedelta(hours=rng.randint(1, 72))).isoformat())
                for _ in range(40)])
    failures, created = [], []
    lock = threading.Lock()

    def send(officer):
        s = session_for(live_server, officer)
        for batch in batches[officer.id]:
            order = batch[:]
            rng_local = random.Random(officer.id)
            rng_local.shuffle(order)  # each phone sends in its own order
            resp = s.post(f"{live_server}/api/sync", json={"device_id": f"p{officer.id}", "shifts": [],
                                                            "records": order}, timeout=60)
            if resp.status_code != 200:
                failures.append(resp.text)
                continue
            with lock:
                created.extend(r["id"] for r in resp.json()["records"] if r["status"] == "created")

    def review():
        s = session_for(live_server, sergeant)
        for _ in range(60):
            with lock:
                pick = rng.choice(created) if created else None
            if pick is None:
                continue
            action = rng.choice(["verify", "return"])
            body = {"comment": "Please check the time"} if action == "return" else {}
            body["base_version"] = s.get(f"{live_server}/api/records/{pick}", timeout=60).json()["record"]["version"]
            resp = s.post(f"{live_server}/api/records/{pick}/{action}", json=body, timeout=60)
            if resp.status_code not in (200, 409):
                failures.append(resp.text)

    threads = [threading.Thread(target=send, args=(o,)) for o in officers] + [threading.Thread(target=review)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(created) == 4 * 4 * 40
    ok, expected, kept = counts_agree(app)
    assert ok, (expected, kept)
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
