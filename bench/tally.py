"""2. Tally: GET /api/operations/<id>/tally?group_by=kind,area,week at 10k and 1M records,
against a raw GROUP BY over the same rows (and over a daily-counts rollup, for reference).

Rows go straight into `records` (executemany on SQLite, COPY on PostgreSQL), never through HTTP.
Each iteration runs the endpoint and every raw query once, interleaved.
"""
from __future__ import annotations

import time
from datetime import date, timedelta

from . import data
from .env import vacuum_analyze

GROUP_BY = "kind,area,week"


def week_expr(backend, col="occurred_on") -> str:
    # Weeks start on Monday, like the tally contract's "2026-01-05".
    if backend.is_pg:
        return f"date_trunc('week', {col})::date"
    return f"date({col}, 'weekday 0', '-6 days')"


def raw_queries(backend) -> dict[str, str]:
    ph = backend.placeholder()
    where = f"operation_id = {ph} AND occurred_on BETWEEN {ph} AND {ph} AND status <> 'voided'"
    return {
        "raw_group_by_week": (f"SELECT kind, area, {week_expr(backend)} AS week, count(*) FROM records "
                              f"WHERE {where} GROUP BY kind, area, week"),
        "raw_group_by_day_fold": (f"SELECT occurred_on, kind, area, count(*) FROM records WHERE {where} "
                                  "GROUP BY occurred_on, kind, area"),
        "rollup_group_by_week": (f"SELECT kind, area, {week_expr(backend)} AS week, sum(n) FROM bench_daily_counts "
                                 f"WHERE {where} GROUP BY kind, area, week"),
        "weekly_rollup": (f"SELECT kind, area, week, sum(n) FROM bench_weekly_counts WHERE "
                          f"operation_id = {ph} AND week BETWEEN {ph} AND {ph} AND status <> 'voided' "
                          "GROUP BY kind, area, week"),
    }


def _fold_days(rows) -> dict:
    weeks: dict = {}
    parsed: dict = {}
    for day, kind, area, n in rows:
        d = parsed.get(day)
        if d is None:
            d = parsed[day] = day if isinstance(day, date) else date.fromisoformat(day)
        key = (kind, area, d - timedelta(days=d.weekday()))
        weeks[key] = weeks.get(key, 0) + n
    return weeks


def load(backend, writer, n: int, seed: int) -> float:
    ids = backend.ids
    conn = backend.raw_connect()
    t0 = time.perf_counter()
    try:
        for chunk in data.tally_rows(writer, n, ids["tally_op"], ids["others"], ids["tally_starts_on"], seed):
            if backend.is_pg:
                writer.copy(conn, {"records": chunk})
            else:
                writer.executemany(conn, {"records": chunk})
    finally:
        conn.close()
    return time.perf_counter() - t0


def rebuild_rollup(backend) -> None:
    """A daily-counts table (what 'counts kept up to date as records arrive' would hold)."""
    conn = backend.raw_connect()
    try:
        conn.execute("DROP TABLE IF EXISTS bench_daily_counts")
        conn.execute("CREATE TABLE bench_daily_counts (operation_id integer, occurred_on date, kind varchar(32), "
                     "area varchar(8), status varchar(16), n integer, "
                     "PRIMARY KEY (operation_id, occurred_on, kind, area, status))")
        conn.execute("INSERT INTO bench_daily_counts SELECT operation_id, occurred_on, kind, area, status, count(*) "
                     "FROM records GROUP BY operation_id, occurred_on, kind, area, status")
        # Per ISO week too: what a week-grouped tally would read if weeks were counted as records arrive.
        conn.execute("DROP TABLE IF EXISTS bench_weekly_counts")
        conn.execute("CREATE TABLE bench_weekly_counts (operation_id integer, week date, kind varchar(32), "
                     "area varchar(8), status varchar(16), n integer, "
                     "PRIMARY KEY (operation_id, week, kind, area, status))")
        conn.execute(f"INSERT INTO bench_weekly_counts SELECT operation_id, {week_expr(backend)}, kind, area, status, "
                     "sum(n) FROM bench_daily_counts GROUP BY 1, 2, 3, 4, 5")
    finally:
        conn.close()


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def measure(backend, server, session, iterations: int, sergeant=None) -> dict:
    ids = backend.ids
    op, start, today = ids["tally_op"], ids["tally_starts_on"], date.today()
    url = f"{server.base}/api/operations/{op}/tally"
    params = {"group_by": GROUP_BY}
    probe = session.http.get(url, params=params, timeout=120)
    endpoint = probe.status_code == 200
    out: dict = {"endpoint_status": probe.status_code}
    if endpoint:
        body = probe.json()
        out["endpoint_total"] = body.get("totals", {}).get("all")
        out["endpoint_groups"] = len(body.get("groups", []))
    args = (op, start, today) if backend.is_pg else (op, start.isoformat(), today.isoformat())
    monday = start - timedelta(days=start.weekday())
    week_args = (op, monday, today) if backend.is_pg else (op, monday.isoformat(), today.isoformat())
    queries = raw_queries(backend)
    conn = backend.raw_connect()
    times: dict[str, list[float]] = {k: [] for k in queries}
    if endpoint:
        times["endpoint"] = []
        if sergeant is not None:
            times["endpoint_team"] = []  # a sergeant's view: the team's records only
    try:
        for i in range(iterations + 2):  # the first two are warm-up
            if endpoint:
                viewers = [("endpoint", session)] + ([("endpoint_team", sergeant)] if sergeant is not None else [])
                for name, viewer in viewers:
                    t0 = time.perf_counter()
                    resp = viewer.http.get(url, params=params, timeout=120)
                    resp.raise_for_status()
                    resp.json()
                    if i >= 2:
                        times[name].append(time.perf_counter() - t0)
            for name, sql in queries.items():
                t0 = time.perf_counter()
                rows = conn.execute(sql, week_args if name == "weekly_rollup" else args).fetchall()
                if name == "raw_group_by_day_fold":
                    _fold_days(rows)
                if i >= 2:
                    times[name].append(time.perf_counter() - t0)
            if i == 0:
                out["raw_total"] = sum(r[3] for r in conn.execute(queries["raw_group_by_week"], args).fetchall())
    finally:
        conn.close()
    if endpoint:
        out["totals_match"] = out.get("endpoint_total") == out.get("raw_total")
    for name, ts in times.items():
        out[f"{name}_p50_ms"] = pct(ts, 50) * 1000
        out[f"{name}_p95_ms"] = pct(ts, 95) * 1000
    return out


def run(backend, server, session, writer, sizes: list[int], iterations: int, loaded: int = 0,
        sergeant=None) -> dict:
    """Grow the operation to each size in turn (`loaded` records are there already) and measure."""
    results: dict = {}
    for i, target in enumerate(sizes):
        load_s = load(backend, writer, target - loaded, seed=100 + i)
        loaded = target
        vacuum_analyze(backend)
        rebuild_rollup(backend)
        r = measure(backend, server, session, iterations, sergeant)
        r["load_s"] = load_s
        r["records"] = target
        results[str(target)] = r
    return results
