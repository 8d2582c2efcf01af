"""Prometheus metrics (prometheus_client, the Prometheus project's own client).

Under gunicorn every worker is a process: with PROMETHEUS_MULTIPROC_DIR set (the
gunicorn config sets one if the environment does not) each worker writes its samples
to files there and /metrics adds them up, so any worker answers for all of them.

    beatbook_http_requests_total{method, endpoint, status}
    beatbook_http_request_duration_seconds{method, endpoint}   (histogram)
    beatbook_sync_items_total{result="created"|"unchanged"|"updated"|"conflict"|"rejected"}

The endpoint label is the Flask endpoint name ("sync.sync"), never the raw path, so the
number of series stays bounded whatever URLs are requested."""
from __future__ import annotations

import hmac
import ipaddress
import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram,
                               generate_latest, multiprocess)

from ..core.errors import ApiError

REQUESTS = Counter("beatbook_http_requests_total", "HTTP requests answered, by endpoint and status.",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("beatbook_http_request_duration_seconds", "Time to answer a request, by endpoint.",
                    ["method", "endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
# prometheus_client decides at import whether samples go to files; so do we.
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
SYNC_ITEMS = Counter("beatbook_sync_items_total",
                     "Records received through POST /api/sync, by result (created, unchanged, updated, conflict, rejected).", ["result"])


def record_sync_tally(tally: dict) -> None:
    """Called by POST /api/sync with apply_batch's per-status tally ({"created": 3, ...})."""
    for result, n in tally.items():
        if n:
            SYNC_ITEMS.labels(result=str(result)).inc(n)


def _observe(response):
    started = g.get("request_started")
    endpoint = request.endpoint or "unmatched"
    method = request.method
    REQUESTS.labels(method, endpoint, str(response.status_code)).inc()
    if started is not None:
        LATENCY.labels(method, endpoint).observe(time.perf_counter() - started)
    return response


def init_metrics(app: Flask) -> None:
    app.after_request(_observe)


def registry():
    if MULTIPROCESS:
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        return reg
    return REGISTRY


def _is_local() -> bool:
    """Loopback, and not relayed by a proxy: nginx on the same host connects from
    127.0.0.1 too, so a request carrying X-Forwarded-For is never treated as local."""
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
    return loopback and "X-Forwarded-For" not in request.headers


def _has_token() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    sent = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


def metrics_view():
    if not (_has_token() or _is_local()):
        raise ApiError(403, "Metrics are served to localhost, or with the metrics token "
                            "(Authorization: Bearer <METRICS_TOKEN>).", code="forbidden")
    return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})
