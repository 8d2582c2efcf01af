"""Tally latency at a million records (not collected by pytest).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<scratch db> \
        .venv/bin/python -m tests.tallies.bench_tally [rows]

DROPS AND REBUILDS the database's public schema, loads `rows` records (default
1,000,000) into one operation with SQL (the triggers keep record_day_counts as
they would for the sync API), then times tally requests through the Flask test
client as an inspector (force-wide), a sergeant (team scope) and an officer.
"""
from __future__ import annotations

import os
import statistics
import sys
import time

from sqlalchemy import create_engine, text

from server import create_app
from server.auth.models import Officer
from server.core.db import db


def main(rows: int) -> None:
    url = os.environ["BENCH_DATABASE_URL"]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    app = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": url, "SECRET_KEY": "b" * 48})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        for i in range(40):
            o = Officer(shoulder_number=f"PC{i:04d}", display_name=f"PC {i}", role="officer",
                        team=f"Team {i % 8}")
            o.set_password("bench-password")
            db.session.add(o)
        for number, role, team in (("PS0001", "sergeant", "Team 1"), ("INSP1", "inspector", None)):
            o = Officer(shoulder_number=number, display_name=number, role=role, team=team)
            o.set_password("bench-password")
            db.session.add(o)
        db.session.commit()
        t0 = time.perf_counter()
        db.session.execute(text("""
            INSERT INTO operations (name, slug, description, local_policing_area, target_areas, starts_on,
                                    created_at, updated_at)
            VALUES ('Operation Bench', 'bench', '', 'West', '["NN3", "NN5"]', DATE '2026-01-01', now(), now())"""))
        db.session.execute(text("""
            INSERT INTO records (id, kind, operation_id, officer_id, occurred_at, occurred_on, area, notes, status,
                                 version, received_at, updated_at)
            SELECT gen_random_uuid(),
                   (ARRAY['stop_search','arrest','safeguarding_referral','intelligence_log'])[1 + (g % 4)],
                   1, 1 + (g % 40), ts, (ts AT TIME ZONE 'Europe/London')::date,
                   (ARRAY['NN3','NN5','NN3','NN5','NN8'])[1 + (g % 5)], '',
                   (ARRAY['submitted','verified','verified','returned','voided'])[1 + ((g / 7) % 5)],
                   1, now(), now()
              FROM (SELECT g, TIMESTAMPTZ '2026-01-01 00:00+00' + (random() * 320) * INTERVAL '1 day' AS ts
                      FROM generate_series(1, :rows) AS g) AS s"""), {"rows": rows})
        db.session.commit()
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        print(f"loaded {rows} records in {time.perf_counter() - t0:.1f}s; "
              f"day-count rows: {db.session.scalar(text('SELECT count(*) FROM record_day_counts'))}")

    def login(number):
        client = app.test_client()
        resp = client.post("/api/auth/login", json={"shoulder_number": number, "password": "bench-password"})
        assert resp.status_code == 200, resp.get_json()
        return client

    clients = {"inspector": login("INSP1"), "sergeant": login("PS0001"), "officer": login("PC0001")}
    queries = ["", "?group_by=kind,area,week", "?group_by=kind,area,week&compare=previous",
               "?group_by=month,status", "?group_by=team,kind", "?group_by=officer"]
    print(f"{'who':<10} {'query':<46} {'p50 ms':>7} {'p95 ms':>7}")
    for who, client in clients.items():
        for q in queries:
            times = []
            for i in range(40):
                t = time.perf_counter()
                resp = client.get(f"/api/operations/1/tally{q}")
                times.append((time.perf_counter() - t) * 1000)
                assert resp.status_code == 200, resp.get_json()
            times = sorted(times[5:])
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"{who:<10} {q or '(default)':<46} {statistics.median(times):7.1f} {p95:7.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
