"""The benchmark harness runs end to end on tiny sizes (SQLite, the real app under gunicorn).

Not a benchmark: the figures of a --quick run mean nothing. It checks that `make bench`
still works, and the harness itself checks what the app answered (every first send
"created", every re-send "unchanged").
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_quick_bench_runs_and_writes_its_table_and_json(tmp_path):
    args = [sys.executable, "-m", "bench", "--quick", "--only", "sqlite", "--out", str(tmp_path)]
    if not shutil.which("wrk"):
        args += ["--skip", "http"]
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_DATABASE_URL", "DATABASE_URL")}
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "sync records/s" in proc.stdout and "| target" in proc.stdout
    [path] = tmp_path.glob("*-quick.json")
    result = json.loads(path.read_text())
    sqlite = result["backends"]["sqlite"]
    ingest = sqlite["ingest"]
    assert ingest["records"] == 100
    assert ingest["app_records_per_s"] > 0 and ingest["raw_executemany_records_per_s"] > 0
    tally = sqlite["tally"]
    assert set(tally) == {"300", "1000"}
    assert tally["1000"]["raw_total"] > 0
    if shutil.which("wrk"):
        http = sqlite["http"]
        assert http["hello_rps"] > 0 and http["sync_one_rps"] > 0 and http["sync_one_errors"] == 0
    assert any(row["benchmark"] == "4 app" for row in result["table"])
    # Tap save -> stored: measured in Chromium from the client's own performance marks, as is and 4x slowed.
    saved = result["save_to_stored"]
    assert saved["available"] is True, saved
    assert set(saved["throttled"]) == {"1", "4"}
    for figures in saved["throttled"].values():
        assert figures["n"] == 5 and len(figures["samples_ms"]) == 5
        assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert "save to stored p95 (ms)" in proc.stdout


def test_tally_views_bench_times_every_viewer_and_grouping(tmp_path):
    """`python -m bench.tally_views` on a few hundred records: every line a 200 whose total is the viewer's share
    (the harness asserts both), each viewer seeing fewer records than the one above."""
    env = {k: v for k, v in os.environ.items() if k not in ("BENCH_DATABASE_URL", "DATABASE_URL")}
    proc = subprocess.run([sys.executable, "-m", "bench.tally_views", "--records", "400", "--iterations", "1"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [line.split() for line in proc.stdout.splitlines() if line.split()[:1] in (["analyst"], ["sergeant"],
                                                                                         ["officer"])]
    assert [(line[0], line[1]) for line in lines] == [
        (who, query) for who in ("analyst", "sergeant", "officer")
        for query in ("(default)", "?group_by=kind,area,week", "?group_by=kind,area,week&compare=previous",
                      "?group_by=month,status", "?group_by=team,kind", "?group_by=officer")]
    totals = {who: {int(line[2].replace(",", "")) for line in lines if line[0] == who}
              for who in ("analyst", "sergeant", "officer")}
    assert all(len(t) == 1 for t in totals.values()), totals  # every grouping counts the same records
    [analyst], [sergeant], [officer] = totals.values()
    assert 400 > analyst > sergeant > officer > 0
