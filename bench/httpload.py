"""3. HTTP under 32 concurrent connections (wrk): single-record sync and tally against the
hello-world endpoint of the same app under the same gunicorn, rounds interleaved."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import data
from .wsgi import HELLO_PATH

LUA_DIR = Path(__file__).resolve().parent / "wrk"


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _wrk(base: str, path: str, script: str, env: dict, connections: int, seconds: int) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA_DIR / script),
           base + path]
    proc = subprocess.run(cmd, env=dict(os.environ, **env), capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {proc.stdout[-800:]} {proc.stderr[-800:]}")
    r = json.loads(line[len("BENCHJSON "):])
    secs = r["duration_us"] / 1e6
    return {"rps": r["requests"] / secs, "requests": r["requests"], "p50_ms": r["p50_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000, "non_2xx": r["non2xx"],
            "socket_errors": r["connect"] + r["read"] + r["write"] + r["timeout"]}


def settle(backend, timeout: float = 120) -> None:
    """Wait until the syncs wrk left queued in gunicorn's backlog are written (the count stops moving)."""
    import time
    conn = backend.raw_connect()
    try:
        last, still, deadline = -1, 0, time.time() + timeout
        while time.time() < deadline and still < 3:
            n = conn.execute("SELECT count(*) FROM records").fetchone()[0]
            still = still + 1 if n == last else 0
            last = n
            time.sleep(0.5)
    finally:
        conn.close()


def sync_body_parts(backend) -> tuple[str, str]:
    """The JSON body of a one-record sync, split around the record id (wrk fills it in)."""
    at = datetime.now(timezone.utc) - timedelta(hours=1)
    rec = data.payload("stop_search", backend.ids["ingest_op"], backend.ids["shift"], at, random.Random(7))
    rec["id"] = "@@ID@@"
    body = json.dumps({"device_id": "bench-wrk", "shifts": [], "records": [rec]})
    before, after = body.split("@@ID@@")
    return before, after


def run(backend, server, session, analyst, tally_available: bool, connections: int, seconds: int, rounds: int) -> dict:
    before, after = sync_body_parts(backend)
    common = {"BENCH_COOKIE": session.cookie, "BENCH_CSRF": session.csrf}
    tally_path = f"/api/operations/{backend.ids['tally_op']}/tally?group_by=kind,area,week"
    runs: dict[str, list[dict]] = {"hello": [], "sync_one": []}
    if tally_available:
        runs["tally"] = []
    for rnd in range(rounds):
        runs["hello"].append(_wrk(server.base, HELLO_PATH, "get.lua", {}, connections, seconds))
        runs["sync_one"].append(_wrk(server.base, "/api/sync", "sync.lua",
                                     dict(common, BENCH_BODY_BEFORE=before, BENCH_BODY_AFTER=after,
                                          BENCH_NONCE=f"{random.randrange(16**4):04x}"),
                                     connections, seconds))
        settle(backend)
        if tally_available:
            runs["tally"].append(_wrk(server.base, tally_path, "get.lua", {"BENCH_COOKIE": analyst.cookie},
                                      connections, seconds))
    out: dict = {"connections": connections, "seconds": seconds, "rounds": rounds, "workers": server.worker_count(),
                 "runs": runs}
    for name, rs in runs.items():
        out[f"{name}_rps"] = sum(r["rps"] for r in rs) / len(rs)
        out[f"{name}_p99_ms"] = max(r["p99_ms"] for r in rs)
        out[f"{name}_p50_ms"] = sorted(r["p50_ms"] for r in rs)[len(rs) // 2]
        out[f"{name}_errors"] = sum(r["non_2xx"] + r["socket_errors"] for r in rs)
    out["sync_one_vs_hello"] = out["sync_one_rps"] / out["hello_rps"]
    if tally_available:
        out["tally_vs_hello"] = out["tally_rps"] / out["hello_rps"]
    return out
