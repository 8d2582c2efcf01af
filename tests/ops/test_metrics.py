"""Prometheus metrics: requests and latencies per endpoint, sync items by result; /metrics
only for localhost or the metrics token; added up over gunicorn's workers."""
from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from prometheus_client import REGISTRY

from tests import factories as f
from tests.conftest import start_gunicorn, stop_gunicorn

TOKEN = "metrics-token-0123456789abcdef"


def sample(name, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_requests_and_latency_are_counted_per_endpoint_and_status(officer_client, anon_client):
    ok = sample("beatbook_http_requests_total", method="GET", endpoint="auth.me", status="200")
    denied = sample("beatbook_http_requests_total", method="GET", endpoint="auth.me", status="401")
    timed = sample("beatbook_http_request_duration_seconds_count", method="GET", endpoint="auth.me")
    for _ in range(3):
        officer_client.get("/api/auth/me")
    anon_client.get("/api/auth/me")
    assert sample("beatbook_http_requests_total", method="GET", endpoint="auth.me", status="200") == ok + 3
    assert sample("beatbook_http_requests_total", method="GET", endpoint="auth.me", status="401") == denied + 1
    assert sample("beatbook_http_request_duration_seconds_count", method="GET", endpoint="auth.me") == timed + 4


def test_labels_are_endpoints_never_raw_paths(anon_client):
    # Unknown /api paths match no rule (the app's catch-all never takes /api paths): one "unmatched" label.
    before = sample("beatbook_http_requests_total", method="GET", endpoint="unmatched", status="404")
    unmatched = sample("beatbook_http_requests_total", method="PUT", endpoint="unmatched", status="405")
    anon_client.get("/api/no-such-1")
    anon_client.get("/api/no-such-2")
    anon_client.put("/healthz")
    assert sample("beatbook_http_requests_total", method="GET", endpoint="unmatched", status="404") == before + 2
    assert sample("beatbook_http_requests_total", method="PUT", endpoint="unmatched", status="405") == unmatched + 1
    assert "no-such" not in anon_client.get("/metrics").get_data(as_text=True)


def test_sync_items_are_counted_by_result(officer_client, operation):
    def counts():
        return {r: sample("beatbook_sync_items_total", result=r) for r in ("created", "unchanged", "rejected", "updated")}

    before = counts()
    good = [f.arrest(operation.id), f.stop_search(operation.id)]
    bad = f.safeguarding_referral(operation.id, area="Northampton")
    body = officer_client.sync(records=[*good, bad]).get_json()
    assert [r["status"] for r in body["records"]] == ["created", "created", "rejected"]
    officer_client.sync(records=good)
    edited = dict(good[0], notes="Updated after custody", base_version=1)
    assert officer_client.sync(records=[edited]).get_json()["records"][0]["status"] == "updated"
    after = counts()
    assert after["created"] - before["created"] == 2
    assert after["rejected"] - before["rejected"] == 1
    assert after["unchanged"] - before["unchanged"] == 2
    assert after["updated"] - before["updated"] == 1


def test_metrics_are_served_to_localhost(anon_client):
    resp = anon_client.get("/metrics")
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain")
    assert "beatbook_http_requests_total" in resp.get_data(as_text=True)


def test_metrics_are_refused_to_other_addresses_and_through_a_proxy(anon_client):
    resp = anon_client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "forbidden"
    # nginx on the same host connects from 127.0.0.1 but adds X-Forwarded-For: not local.
    assert anon_client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"}).status_code == 403


def test_metrics_with_the_token_from_anywhere(make_app):
    client = make_app(METRICS_TOKEN=TOKEN).test_client()
    far = {"REMOTE_ADDR": "10.20.30.40"}
    assert client.get("/metrics", environ_base=far, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.get("/metrics", environ_base=far, headers={"Authorization": "Bearer wrong"}).status_code == 403
    assert client.get("/metrics", environ_base=far, headers={"Authorization": TOKEN}).status_code == 403


def test_gunicorn_workers_add_up_in_multiprocess_mode(app, database_url, tmp_path):
    """Three workers, requests spread over them: whichever worker answers /metrics reports them all."""
    proc, base = start_gunicorn(database_url, workers=3, extra_env={"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    try:
        def hit(_):
            requests.get(base + "/healthz", headers={"Connection": "close"}).raise_for_status()

        def writers():  # the workers that have recorded samples (one file per process)
            return {m.group(1) for p in tmp_path.iterdir() if (m := re.match(r"counter_(\d+)\.db$", p.name))}

        sent, deadline = 0, time.monotonic() + 60
        # Workers still booting on a busy machine answer nothing: keep going until two have answered.
        while len(writers()) < 2 or sent < 60:
            assert time.monotonic() < deadline, writers()
            with ThreadPoolExecutor(max_workers=6) as pool:
                list(pool.map(hit, range(20)))
            sent += 20
        totals = []
        for _ in range(4):
            text = requests.get(base + "/metrics", headers={"Connection": "close"}).text
            m = re.search(r'^beatbook_http_requests_total\{endpoint="ops.healthz",method="GET",status="200"\} (\S+)$',
                          text, re.M)
            assert m, text[:2000]
            totals.append(float(m.group(1)))
        assert totals == [float(sent)] * 4
    finally:
        stop_gunicorn(proc)
