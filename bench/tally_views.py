"""Tally latency for each viewer and grouping, in-process:
`python -m bench.tally_views [--records N] [--pg] [--iterations N]`.

Loads the bench's tally operation (bench/tally.py: a year, four districts, 20 officers in
four teams, default 1,000,000 records) into a fresh database (SQLite in a temporary file, or
BENCH_DATABASE_URL with --pg: it is wiped), then times the tally through the Flask test
client for an analyst (force-wide), a sergeant (one team) and an officer (their own
records), each with the groupings the screens ask for, and prints p50/p95 per line. Every
answer must be a 200 whose total is the viewer's share of the records.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from . import env, tally
from .data import RowWriter

QUERIES = ("", "?group_by=kind,area,week", "?group_by=kind,area,week&compare=previous", "?group_by=month,status",
           "?group_by=team,kind", "?group_by=officer")


def _officer_who_logs_in(app, backend) -> str:
    """One of the officers whose records were loaded, given a password (they have none)."""
    from server.auth.models import Officer
    from server.core.db import db
    with app.app_context():
        officer = db.session.get(Officer, backend.ids["others"][0])
        officer.set_password(env.PASSWORD)
        db.session.commit()
        return officer.shoulder_number


def _expected_totals(app, backend, officer_number: str) -> dict[str, int]:
    """Each viewer's count of the operation's records in its default period, voided ones aside."""
    from sqlalchemy import func, select

    from server.auth.models import Officer
    from server.core.db import db
    from server.records.models import Record
    with app.app_context():
        base = select(func.count()).select_from(Record).where(Record.operation_id == backend.ids["tally_op"],
                                                              Record.status != "voided")
        sergeant_team = db.session.scalar(select(Officer.team).where(Officer.shoulder_number == "BENCH3"))
        officer_id = db.session.scalar(select(Officer.id).where(Officer.shoulder_number == officer_number))
        return {"analyst": db.session.scalar(base),
                "sergeant": db.session.scalar(base.where(Record.team == sergeant_team)),
                "officer": db.session.scalar(base.where(Record.officer_id == officer_id))}


def run(backend, records: int, iterations: int, log=print) -> list[dict]:
    env.prepare_database(backend)
    app = env.make_app(backend)
    t0 = time.perf_counter()
    tally.load(backend, RowWriter(backend, app), records, seed=100)
    env.vacuum_analyze(backend)
    log(f"loaded {records:,} records in {time.perf_counter() - t0:.1f}s ({backend.name})")
    officer = _officer_who_logs_in(app, backend)
    clients = {}
    for who, number in (("analyst", "BENCH2"), ("sergeant", "BENCH3"), ("officer", officer)):
        client = app.test_client()
        resp = client.post("/api/auth/login", json={"shoulder_number": number, "password": env.PASSWORD})
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        clients[who] = client
    expected = _expected_totals(app, backend, officer)
    url = f"/api/operations/{backend.ids['tally_op']}/tally"
    lines = []
    for who, client in clients.items():
        for query in QUERIES:
            times = []
            for i in range(iterations + 2):  # the first two are warm-up
                started = time.perf_counter()
                resp = client.get(url + query)
                elapsed = time.perf_counter() - started
                assert resp.status_code == 200, (who, query, resp.get_data(as_text=True)[:300])
                if i >= 2:
                    times.append(elapsed)
            total = resp.get_json()["totals"]["all"]
            assert total == expected[who], (who, query, total, expected[who])
            lines.append({"who": who, "query": query or "(default)", "total": total,
                          "p50_ms": tally.pct(times, 50) * 1000, "p95_ms": tally.pct(times, 95) * 1000})
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.tally_views", description=__doc__)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--pg", action="store_true", help="BENCH_DATABASE_URL (wiped), not a temporary SQLite file")
    ap.add_argument("--iterations", type=int, default=40)
    args = ap.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="beatbook-bench-"))
    try:
        backends, notes = env.backends_from_env(workdir, "postgresql" if args.pg else "sqlite")
        if not backends:
            raise SystemExit(" ".join(notes))
        lines = run(backends[0], args.records, args.iterations)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{'who':<10} {'query':<46} {'total':>9} {'p50 ms':>7} {'p95 ms':>7}")
    for line in lines:
        print(f"{line['who']:<10} {line['query']:<46} {line['total']:>9,} {line['p50_ms']:7.1f} {line['p95_ms']:7.1f}")


if __name__ == "__main__":
    main()
