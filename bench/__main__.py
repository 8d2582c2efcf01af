"""`python -m bench` (`make bench`): run every benchmark on SQLite and PostgreSQL, print a table,
write bench/results/<timestamp>.json. `--quick` runs tiny sizes (the smoke test uses it)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from . import appsize, env, httpload, ingest, savetime, tally
from .data import RowWriter

RESULTS = Path(__file__).resolve().parent / "results"

FULL = dict(batches=20, batch_size=500, tally_sizes=[10_000, 1_000_000], iterations=30, seconds=10, rounds=2,
            saves=30)
QUICK = dict(batches=2, batch_size=50, tally_sizes=[300, 1_000], iterations=3, seconds=1, rounds=1, saves=5)


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="tiny sizes: checks the harness, not the figures")
    ap.add_argument("--only", choices=["sqlite", "postgresql"], help="one backend")
    ap.add_argument("--skip", action="append", default=[], choices=["ingest", "tally", "http", "app"])
    ap.add_argument("--batches", type=int, help="sync batches to send (default 20 of 500)")
    ap.add_argument("--tally-sizes", help="comma-separated record counts, e.g. 10000,1000000")
    ap.add_argument("--iterations", type=int, help="tally requests per size")
    ap.add_argument("--seconds", type=int, help="wrk duration per run")
    ap.add_argument("--rounds", type=int, help="wrk rounds (hello, sync, tally in turn)")
    ap.add_argument("--saves", type=int, help="entries saved in the browser per CPU setting (default 30)")
    ap.add_argument("--workers", type=int, help="gunicorn workers (default: config/gunicorn.conf.py)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    for key in ("batches", "iterations", "seconds", "rounds", "saves"):
        if getattr(args, key):
            cfg[key] = getattr(args, key)
    if args.tally_sizes:
        cfg["tally_sizes"] = [int(x) for x in args.tally_sizes.split(",")]
    return args, cfg


def run_backend(backend, cfg, args, workdir: Path, log) -> dict:
    out: dict = {}
    log(f"== {backend.name}: preparing a fresh database")
    env.prepare_database(backend)
    app = env.make_app(backend)
    writer = RowWriter(backend, app)
    with env.Server(backend, workdir / f"gunicorn-{backend.name}.log", workers=args.workers) as server:
        session = env.login(server.base)
        analyst = env.login(server.base, "BENCH2")
        sergeant = env.login(server.base, "BENCH3")
        if "ingest" not in args.skip:
            log(f"   ingest: {cfg['batches']} batches of {cfg['batch_size']}")
            out["ingest"] = ingest.run(backend, server, session, writer, cfg["batches"], cfg["batch_size"])
        sizes = cfg["tally_sizes"]
        tally_ok = False
        if "tally" not in args.skip:
            log(f"   tally at {sizes[0]:,} records")
            out["tally"] = tally.run(backend, server, analyst, writer, sizes[:1], cfg["iterations"],
                                      sergeant=sergeant)
            tally_ok = out["tally"][str(sizes[0])]["endpoint_status"] == 200
        if "http" not in args.skip:
            if httpload.have_wrk():
                log(f"   http: wrk, 32 connections, {cfg['rounds']} x {cfg['seconds']}s per endpoint")
                out["http"] = httpload.run(backend, server, session, analyst, tally_ok, 32, cfg["seconds"],
                                           cfg["rounds"])
            else:
                out["http"] = {"skipped": "wrk not installed (apt-get install -y wrk)"}
        if "tally" not in args.skip and len(sizes) > 1:
            log(f"   tally at {', '.join(f'{s:,}' for s in sizes[1:])} records")
            out["tally"].update(tally.run(backend, server, analyst, writer, sizes[1:], cfg["iterations"],
                                          loaded=sizes[0], sergeant=sergeant))
    return out


def fmt(v, unit=""):
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if unit == "x":
        return f"{v:.2f}x"
    if unit == "%":
        return f"{v * 100:.0f}%"
    if abs(v) >= 100:
        return f"{v:,.0f}{unit}"
    return f"{v:.1f}{unit}"


def table_rows(results: dict) -> list[dict]:
    rows = []

    def add(backend, bench, figure, value, unit, ceiling_name=None, ceiling=None, ratio=None, target=None, met=None):
        rows.append(dict(backend=backend, benchmark=bench, figure=figure, value=value, unit=unit,
                         ceiling_name=ceiling_name, ceiling=ceiling, ratio=ratio, target=target, met=met))

    for be, r in results.get("backends", {}).items():
        if "error" in r:
            add(be, "error", r["error"], None, "")
            continue
        i = r.get("ingest")
        if i:
            add(be, "1 ingest", "sync records/s (500/batch)", i["app_records_per_s"], "/s", "executemany",
                i["raw_executemany_records_per_s"], i["app_vs_executemany"], ">= 25% of executemany",
                i["app_vs_executemany"] >= 0.25)
            if "raw_copy_records_per_s" in i:
                add(be, "1 ingest", "sync records/s vs COPY", i["app_records_per_s"], "/s", "COPY",
                    i["raw_copy_records_per_s"], i["app_vs_copy"], "(second ceiling)", None)
            add(be, "1 ingest", "re-send (all duplicates) records/s", i["duplicate_resend_records_per_s"], "/s",
                "first send", i["app_records_per_s"], i["duplicate_speedup"], ">= 2x first send",
                i["duplicate_speedup"] >= 2)
        t = r.get("tally")
        if t:
            base_p95 = None
            base_team_p95 = None
            for size, tr in t.items():
                ceil_p95 = min(tr["raw_group_by_week_p95_ms"], tr["raw_group_by_day_fold_p95_ms"])
                ceil_name = "raw GROUP BY" if tr["raw_group_by_week_p95_ms"] <= tr["raw_group_by_day_fold_p95_ms"] \
                    else "raw GROUP BY day+fold"
                if tr["endpoint_status"] == 200:
                    p95 = tr["endpoint_p95_ms"]
                    base_p95 = base_p95 or p95
                    growth = p95 / base_p95
                    target = "p95 < 50 ms; <= 2x 10k" if int(size) >= 1_000_000 else "(baseline for 2x)"
                    met = (p95 < 50 and growth <= 2) if int(size) >= 1_000_000 else None
                    if not tr.get("totals_match", True):
                        add(be, f"2 tally {int(size):,}", "WRONG: tally total differs from the raw count",
                            f"{tr['endpoint_total']} vs {tr['raw_total']}", "")
                    add(be, f"2 tally {int(size):,}", "tally p50 / p95 ms",
                        f"{tr['endpoint_p50_ms']:.1f} / {p95:.1f} ms", "", ceil_name + " p95", ceil_p95,
                        ceil_p95 / p95, target, met)
                    if "endpoint_team_p95_ms" in tr:
                        # The sergeant's (team-scoped) tally has the same target as the force-wide one,
                        # against its own 10k figure.
                        team_p95 = tr["endpoint_team_p95_ms"]
                        base_team_p95 = base_team_p95 or team_p95
                        team_growth = team_p95 / base_team_p95
                        team_met = (team_p95 < 50 and team_growth <= 2) if int(size) >= 1_000_000 else None
                        add(be, f"2 tally {int(size):,}", "tally, a sergeant's team p50 / p95",
                            f"{tr['endpoint_team_p50_ms']:.1f} / {team_p95:.1f} ms", "",
                            "sergeant 10k p95" if int(size) >= 1_000_000 else None,
                            base_team_p95 if int(size) >= 1_000_000 else None,
                            team_growth if int(size) >= 1_000_000 else None,
                            target, team_met)
                else:
                    add(be, f"2 tally {int(size):,}", f"tally endpoint: HTTP {tr['endpoint_status']}", "FAILED", "",
                        ceil_name + " p95", ceil_p95, None, "p95 < 50 ms at 1M", None)
                add(be, f"2 tally {int(size):,}", "raw GROUP BY week p50 / p95 ms",
                    f"{tr['raw_group_by_week_p50_ms']:.1f} / {tr['raw_group_by_week_p95_ms']:.1f} ms", "")
                add(be, f"2 tally {int(size):,}", "raw GROUP BY day, fold weeks p50 / p95",
                    f"{tr['raw_group_by_day_fold_p50_ms']:.1f} / {tr['raw_group_by_day_fold_p95_ms']:.1f} ms", "")
                add(be, f"2 tally {int(size):,}", "daily-counts table GROUP BY week p50 / p95",
                    f"{tr['rollup_group_by_week_p50_ms']:.1f} / {tr['rollup_group_by_week_p95_ms']:.1f} ms", "")
                add(be, f"2 tally {int(size):,}", "weekly-counts table GROUP BY p50 / p95",
                    f"{tr['weekly_rollup_p50_ms']:.1f} / {tr['weekly_rollup_p95_ms']:.1f} ms", "")
        h = r.get("http")
        if h and "skipped" not in h:
            add(be, "3 http", "hello-world rps / p99", f"{h['hello_rps']:,.0f}/s / {h['hello_p99_ms']:.0f} ms", "")
            add(be, "3 http", "single-record sync rps / p99",
                f"{h['sync_one_rps']:,.0f}/s / {h['sync_one_p99_ms']:.0f} ms", "", "hello-world rps",
                h["hello_rps"], h["sync_one_vs_hello"], ">= 30% of hello; p99 < 100 ms",
                h["sync_one_vs_hello"] >= 0.3 and h["sync_one_p99_ms"] < 100 and h["sync_one_errors"] == 0)
            if "tally_rps" in h:
                add(be, "3 http", "tally (10k) rps / p99", f"{h['tally_rps']:,.0f}/s / {h['tally_p99_ms']:.0f} ms",
                    "", "hello-world rps", h["hello_rps"], h["tally_vs_hello"], "(no target)", None)
            else:
                add(be, "3 http", "tally under load", "not measured: the tally did not answer 200", "")
        elif h:
            add(be, "3 http", h["skipped"], None, "")
    a = results.get("app")
    if a is not None:
        if a.get("available"):
            add("-", "4 app", "first load JS+CSS gzip", f"{a['first_load_gzip'] / 1024:.1f} KB", "",
                target="< 100 KB", met=a["first_load_gzip"] < 100 * 1024)
        else:
            add("-", "4 app", "first load JS+CSS gzip", "not measured: " + a["note"], "", target="< 100 KB")
        s = results.get("save_to_stored", {})
        if s.get("available"):
            for rate, t in s["throttled"].items():
                cpu = "CPU as is" if rate == "1" else f"CPU slowed {rate}x (mid-range phone)"
                add("-", "4 app", f"save to stored p95 (ms), {cpu}",
                    f"{t['p95_ms']:.1f} ms (p50 {t['p50_ms']:.1f}, max {t['max_ms']:.1f}, n={t['n']})", "",
                    target="p95 < 50 ms", met=t["p95_ms"] < 50)
        else:
            add("-", "4 app", "save to stored p95 (ms)", s.get("note", "not measured"), "", target="p95 < 50 ms")
    return rows


def render(rows: list[dict]) -> str:
    head = ["backend", "benchmark", "figure", "value", "ceiling (same run)", "ratio", "target", "met"]
    lines = []
    for r in rows:
        cunit = "/s" if r["unit"] == "/s" or "rps" in (r["ceiling_name"] or "") else " ms"
        ceiling = "" if r["ceiling"] is None else f"{r['ceiling_name']}: {fmt(r['ceiling'], cunit)}"
        met = "" if r["met"] is None else ("yes" if r["met"] else "NO")
        value = fmt(r["value"], r["unit"]) if not isinstance(r["value"], str) else r["value"]
        lines.append([r["backend"], r["benchmark"], r["figure"], value, ceiling,
                      "" if r["ratio"] is None else (fmt(r["ratio"], "x") if "re-send" in r["figure"] or "sergeant" in r["figure"] else fmt(r["ratio"], "%")),
                      r["target"] or "", met])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)] if lines else [len(h) for h in head]
    out = [" | ".join(h.ljust(w) for h, w in zip(head, widths)), "-+-".join("-" * w for w in widths)]
    out += [" | ".join(str(x).ljust(w) for x, w in zip(line, widths)) for line in lines]
    return "\n".join(out)


def main(argv=None) -> int:
    args, cfg = parse_args(argv if argv is not None else sys.argv[1:])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="beatbook-bench-"))

    def log(msg):
        print(msg, flush=True)

    backends, notes = env.backends_from_env(workdir, args.only)
    for n in notes:
        log("NOTE: " + n)
    results: dict = {"started_at": stamp, "quick": args.quick, "config": cfg, "notes": notes,
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()},
                     "backends": {}}
    failed = False
    started = time.time()
    for backend in backends:
        try:
            results["backends"][backend.name] = run_backend(backend, cfg, args, workdir, log)
        except Exception as exc:  # report and go on with the next backend
            failed = True
            traceback.print_exc()
            results["backends"][backend.name] = {"error": f"{type(exc).__name__}: {exc}"}
    if "app" not in args.skip:
        results["app"] = appsize.run()
        log(f"   app: tap save -> stored, {cfg['saves']} saves in Chromium, offline, CPU 1x and 4x")
        try:
            results["save_to_stored"] = savetime.run(workdir, cfg["saves"])
        except Exception as exc:  # the line says what went wrong; the run fails
            failed = True
            traceback.print_exc()
            results["save_to_stored"] = {"available": False, "note": f"error: {type(exc).__name__}: {exc}"}
    results["elapsed_s"] = time.time() - started
    results["table"] = table_rows(results)
    path = args.out / f"{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    log("")
    log(render(results["table"]))
    log(f"\nJSON: {path}   gunicorn logs: {workdir}")
    for n in notes:
        log("NOTE: " + n)
    if not failed:
        for backend in backends:
            if backend.sqlite_path:
                for suffix in ("", "-wal", "-shm"):
                    Path(str(backend.sqlite_path) + suffix).unlink(missing_ok=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
