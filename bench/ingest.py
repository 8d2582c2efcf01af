"""1. Sync ingest: POST /api/sync (batches of 500) against raw executemany (and COPY on PostgreSQL).

Interleaved batch by batch in one loop: app batch i, executemany of an equal batch
(other ids, same shape) into the same tables, COPY of a third (PostgreSQL), then the
re-send of app batch i (all duplicates). The tables grow alike for all of them.
"""
from __future__ import annotations

import json
import time

from . import data


def _post(session, base: str, body: bytes) -> tuple[float, dict]:
    t0 = time.perf_counter()
    resp = session.http.post(base + "/api/sync", data=body, headers={"Content-Type": "application/json"}, timeout=120)
    elapsed = time.perf_counter() - t0
    if resp.status_code != 200:
        raise RuntimeError(f"sync answered {resp.status_code}: {resp.text[:500]}")
    return elapsed, resp.json()


def _statuses(result: dict) -> dict:
    out: dict[str, int] = {}
    for r in result["records"]:
        out[r["status"]] = out.get(r["status"], 0) + 1
    return out


def run(backend, server, session, writer, n_batches: int, size: int = 500) -> dict:
    ids = backend.ids
    op, shift, officer = ids["ingest_op"], ids["shift"], ids["officer"]
    app_batches = data.batches(n_batches, size, op, shift, seed=1)
    bodies = [json.dumps({"device_id": "bench-phone", "shifts": [], "records": b}).encode() for b in app_batches]
    raw = [writer.batch_rows(b, officer, "bench-raw") for b in data.batches(n_batches, size, op, shift, seed=2)]
    copies = ([writer.batch_rows(b, officer, "bench-copy") for b in data.batches(n_batches, size, op, shift, seed=3)]
              if backend.is_pg else [])

    # Warm every worker (imports, schema caches, connection pool) with small batches: not timed.
    for warm in data.batches(server.worker_count() * 2, 5, op, shift, seed=4):
        _post(session, server.base, json.dumps({"device_id": "bench-warm", "records": warm}).encode())

    conn = backend.raw_connect()
    t_app, t_raw, t_copy, t_dup = [], [], [], []
    try:
        for i in range(n_batches):
            elapsed, result = _post(session, server.base, bodies[i])
            st = _statuses(result)
            if st != {"created": size}:
                bad = next((r for r in result["records"] if r["status"] != "created"), None)
                raise RuntimeError(f"first send: expected {size} created, got {st}; e.g. {bad}")
            t_app.append(elapsed)

            t0 = time.perf_counter()
            writer.executemany(conn, raw[i])
            t_raw.append(time.perf_counter() - t0)

            if copies:
                t0 = time.perf_counter()
                writer.copy(conn, copies[i])
                t_copy.append(time.perf_counter() - t0)

            elapsed, result = _post(session, server.base, bodies[i])
            st = _statuses(result)
            if st != {"unchanged": size}:
                raise RuntimeError(f"re-send: expected {size} unchanged, got {st}")
            t_dup.append(elapsed)
    finally:
        conn.close()

    n = n_batches * size

    def rate(times):
        return n / sum(times) if times else None

    out = {
        "records": n, "batch_size": size, "batches": n_batches,
        "app_records_per_s": rate(t_app),
        "raw_executemany_records_per_s": rate(t_raw),
        "duplicate_resend_records_per_s": rate(t_dup),
        "app_batch_ms_median": sorted(t_app)[len(t_app) // 2] * 1000,
        "duplicate_batch_ms_median": sorted(t_dup)[len(t_dup) // 2] * 1000,
    }
    if t_copy:
        out["raw_copy_records_per_s"] = rate(t_copy)
    out["app_vs_executemany"] = out["app_records_per_s"] / out["raw_executemany_records_per_s"]
    if t_copy:
        out["app_vs_copy"] = out["app_records_per_s"] / out["raw_copy_records_per_s"]
    out["duplicate_speedup"] = out["duplicate_resend_records_per_s"] / out["app_records_per_s"]
    return out
