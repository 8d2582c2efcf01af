"""Profile POST /api/sync in-process: `python -m bench.profile_sync [--dup] [--single] [--batches N]`.

Uses pyinstrument (pip install pyinstrument; a development tool, not pinned) on the
Flask test client against a fresh SQLite database (or BENCH_DATABASE_URL with --pg).
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from . import data, env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", type=int, default=5)
    ap.add_argument("--size", type=int, default=500)
    ap.add_argument("--dup", action="store_true", help="profile the re-send (all duplicates)")
    ap.add_argument("--single", action="store_true", help="profile one-record syncs (size 1, 300 requests)")
    ap.add_argument("--pg", action="store_true")
    ap.add_argument("--html", type=Path)
    ap.add_argument("--plain", action="store_true", help="no profiler: CPU time per request only")
    args = ap.parse_args()
    if args.single:
        args.size, args.batches = 1, (2000 if args.plain else 300)
    workdir = Path(tempfile.mkdtemp(prefix="beatbook-profile-"))
    backends, _ = env.backends_from_env(workdir, "postgresql" if args.pg else "sqlite")
    backend = backends[0]
    env.prepare_database(backend)
    app = env.make_app(backend)
    client = app.test_client()
    resp = client.post("/api/auth/login", json={"shoulder_number": "BENCH1", "password": env.PASSWORD})
    csrf = resp.get_json()["csrf_token"]
    bodies = [json.dumps({"device_id": "prof", "records": b})
              for b in data.batches(args.batches, args.size, backend.ids["ingest_op"], backend.ids["shift"], 1)]
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    for b in data.batches(3, 5, backend.ids["ingest_op"], backend.ids["shift"], 2):  # warm up
        client.post("/api/sync", data=json.dumps({"device_id": "warm", "records": b}), headers=headers)
    if args.dup:
        for body in bodies:
            assert client.post("/api/sync", data=body, headers=headers).status_code == 200
    if args.plain:
        t0, c0 = time.perf_counter(), time.process_time()
        for body in bodies:
            r = client.post("/api/sync", data=body, headers=headers)
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(f"{len(bodies)} requests of {args.size}: {cpu / len(bodies) * 1000:.3f} ms CPU per request, "
              f"{elapsed / len(bodies) * 1000:.3f} ms wall per request")
        return
    from pyinstrument import Profiler
    prof = Profiler(interval=0.0005)
    t0, c0 = time.perf_counter(), time.process_time()
    prof.start()
    for body in bodies:
        r = client.post("/api/sync", data=body, headers=headers)
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
    prof.stop()
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = args.batches * args.size
    print(f"{n} records in {elapsed:.2f}s wall, {cpu:.2f}s CPU (with the profiler): {n / cpu:,.0f} records/CPU-s "
          f"({args.batches / cpu:,.0f} requests/CPU-s)")
    print(prof.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        args.html.write_text(prof.output_html())


if __name__ == "__main__":
    main()
