"""Profile GET /api/operations/<id>/tally in-process as the bench's analyst and sergeant:
`python -m bench.profile_tally [--records N] [--db PATH] [--pg] [--iterations N] [--profile]`.

Loads the bench's tally operation (like bench/tally.py; `--db PATH` keeps a SQLite file
between runs and reuses it if it exists), prints each view's p50/p95 through the Flask test
client, the SQL plan of the count query, and with --profile a pyinstrument profile of the
sergeant's requests (pyinstrument: a development tool, not pinned).
"""
from __future__ import annotations

import argparse
import gc
import tempfile
import time
from pathlib import Path

from . import env, tally
from .data import RowWriter


def _ids(backend, app):
    from sqlalchemy import select

    from server.auth.models import Officer
    from server.core.db import db
    from server.operations.models import Operation
    with app.app_context():
        op = db.session.scalars(select(Operation).where(Operation.slug == "bench-tally")).one()
        others = db.session.scalars(select(Officer.id).where(Officer.shoulder_number.like("BX%"))
                                    .order_by(Officer.id)).all()
        backend.ids = {"tally_op": op.id, "tally_starts_on": op.starts_on, "others": list(others)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, help="SQLite file to keep (reused when it exists)")
    ap.add_argument("--pg", action="store_true", help="BENCH_DATABASE_URL (always reloaded unless --reuse)")
    ap.add_argument("--reuse", action="store_true", help="PostgreSQL: the database is loaded already")
    ap.add_argument("--iterations", type=int, default=60)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--group-by", default=tally.GROUP_BY)
    ap.add_argument("--freeze", action="store_true",
                    help="gc.freeze() once the app is loaded (what a gunicorn post_fork hook could do)")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="beatbook-profile-"))
    backends, _ = env.backends_from_env(workdir, "postgresql" if args.pg else "sqlite")
    backend = backends[0]
    if args.db and not args.pg:
        backend.sqlite_path = args.db
        backend.url = f"sqlite:///{args.db}"
    reuse = (args.pg and args.reuse) or (not args.pg and args.db and args.db.exists())
    if reuse:
        app = env.make_app(backend)
        _ids(backend, app)
    else:
        env.prepare_database(backend)
        app = env.make_app(backend)
        t0 = time.perf_counter()
        tally.load(backend, RowWriter(backend, app), args.records, seed=100)
        env.vacuum_analyze(backend)
        print(f"loaded {args.records:,} records in {time.perf_counter() - t0:.0f}s")
    url = f"/api/operations/{backend.ids['tally_op']}/tally?group_by={args.group_by}"
    clients = {}
    for who, number in (("analyst", "BENCH2"), ("sergeant", "BENCH3")):
        c = app.test_client()
        r = c.post("/api/auth/login", json={"shoulder_number": number, "password": env.PASSWORD})
        assert r.status_code == 200, r.get_data(as_text=True)
        clients[who] = c
    print(f"{len(gc.get_objects()):,} objects tracked by the garbage collector after start-up")
    if args.freeze:
        gc.collect()
        gc.freeze()
    gc_pauses = []  # (generation, seconds): a full collection of a big heap is a classic p95 spike
    gc_started = [0.0]

    def on_gc(phase, info):
        if phase == "start":
            gc_started[0] = time.perf_counter()
        else:
            gc_pauses.append((info["generation"], time.perf_counter() - gc_started[0]))

    gc.callbacks.append(on_gc)
    for who, c in clients.items():
        times, cpu = [], []
        gc_pauses.clear()
        for i in range(args.iterations + 2):
            t0, c0 = time.perf_counter(), time.process_time()
            r = c.get(url)
            assert r.status_code == 200, r.get_data(as_text=True)[:300]
            r.get_json()
            if i >= 2:
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
        body = r.get_json()
        full = [s for g, s in gc_pauses if g == 2]
        print(f"{who:9s} p50 {tally.pct(times, 50) * 1000:6.1f} ms  p95 {tally.pct(times, 95) * 1000:6.1f} ms  "
              f"max {max(times) * 1000:6.1f} ms  (CPU p50 {tally.pct(cpu, 50) * 1000:.1f} p95 "
              f"{tally.pct(cpu, 95) * 1000:.1f})  total {body['totals']['all']:,}  groups {len(body['groups'])}  "
              f"gc: {len(gc_pauses)} collections, {len(full)} full, longest {max(full, default=0) * 1000:.1f} ms")
    gc.callbacks.remove(on_gc)
    gc.collect()
    print(f"{len(gc.get_objects()):,} objects tracked after the requests")
    _plans(app, backend, args.group_by)
    if args.profile:
        from pyinstrument import Profiler
        prof = Profiler(interval=0.0002)
        c = clients["sergeant"]
        gc.collect()
        prof.start()
        for _ in range(args.iterations):
            c.get(url)
        prof.stop()
        print(prof.output_text(unicode=False, color=False, show_all=False))


def _plans(app, backend, group_by):
    """The count query's plan for both views (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE)."""
    from sqlalchemy import select, text

    from server.auth.models import Officer
    from server.core.db import db
    from server.operations.models import Operation
    from server.tallies import counting, periods
    with app.app_context():
        op = db.session.get(Operation, backend.ids["tally_op"])
        for number in ("BENCH2", "BENCH3"):
            viewer = db.session.scalars(select(Officer).where(Officer.shoulder_number == number)).one()
            q = periods.Question(op, viewer, group_by=group_by.split(","))
            stmt, _, params = counting._count_query(q, periods.default_period(op), q.group_by)
            stmt = stmt.params(params) if params else stmt
            sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if backend.is_pg else "EXPLAIN QUERY PLAN "
            print(f"-- {number}\n{sql}")
            for row in db.session.execute(text(prefix + sql)):
                print("   ", row[-1])


if __name__ == "__main__":
    main()
