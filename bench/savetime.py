"""4. The app: time from tapping save to the entry being stored on the phone (target < 50 ms).

Debian's Chromium (Playwright for Python, never a downloaded browser) opens the built PWA from
the app under gunicorn, logs in as the bench officer, then goes offline, so the figure is
pure device work: the form's submit handler, validation and the IndexedDB outbox transaction.
The client marks both ends itself (client/src/perf.ts: `beatbook:save-tapped` at the start of
the submit handler, `beatbook:save-stored` once the outbox transaction is done, measured as
`beatbook:save-to-stored`); this reads those measures. Run once as is and once with the CPU
slowed 4x (DevTools' Emulation.setCPUThrottlingRate), the usual stand-in for a mid-range phone.

`python -m bench.savetime [--saves N]` runs it alone.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from . import env
from .tally import pct

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]
PHONE = dict(viewport={"width": 360, "height": 740}, device_scale_factor=3, is_mobile=True, has_touch=True)
MEASURE = "beatbook:save-to-stored"
THROTTLES = (1, 4)
TARGET_MS = 50


def unavailable() -> str | None:
    """Why the measurement cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"not measured: Chromium missing at {CHROMIUM} (apt-get install chromium)"
    if not (env.ROOT / "client" / "dist" / "index.html").is_file():
        return "not measured: client/dist not built (make client)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "not measured: Playwright for Python missing (pip install -r requirements-dev.txt)"
    return None


def _save_n(browser, base: str, saves: int, throttle: int) -> list[float]:
    """A fresh phone profile: log in with signal, go offline, start a shift, save `saves` stop searches."""
    context = browser.new_context(**PHONE, service_workers="allow", locale="en-GB", timezone_id="Europe/London")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base + "/")
        page.fill("input[name=shoulder_number]", "BENCH1")
        page.fill("input[name=password]", env.PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#nav-more")
        page.wait_for_selector("a.big-button.kind-stop_search")
        # The shell and the reference lists are on the phone before the signal goes.
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        context.set_offline(True)
        if page.locator("text=Start shift").count():
            page.click("text=Start shift")
            page.wait_for_selector("text=End shift")
        if throttle > 1:
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.evaluate(f"() => performance.clearMeasures({json.dumps(MEASURE)})")
        for i in range(saves):
            page.evaluate("() => { location.hash = '#/log/stop_search'; }")
            form = page.locator("form.entry-form")
            form.wait_for()
            # The minimum a stop search needs: time and area come filled in; every question it asks
            # answered with its first choice (pickers and big buttons).
            for _ in range(4):  # a choice can bring up a further question (e.g. outcome linked)
                for dropdown in form.locator("select[required]:visible").all():
                    if not dropdown.input_value():
                        dropdown.select_option(index=1)
                unanswered = [g for g in form.locator("fieldset.seg:visible").all()
                              if g.locator("input:checked").count() == 0]
                if not unanswered:
                    break
                for group in unanswered:
                    group.locator("label.seg-opt").first.click()
            form.locator("button[type=submit]").tap()
            if page.locator("dialog[open]").count():  # no shift open after all: one tap starts one and saves
                page.locator("dialog[open]").get_by_role("button", name="Start shift and save").tap()
            page.wait_for_function(
                "([name, n]) => performance.getEntriesByName(name, 'measure').length >= n", arg=[MEASURE, i + 1])
            # The next entry starts from Today's list, as an officer's does: the list drawn first.
            page.wait_for_function("(n) => location.hash === '#/today' && "
                                   "(document.getElementById('view-title')?.textContent ?? '').includes(`(${n})`)",
                                   arg=i + 1)
        durations = page.evaluate(
            f"() => performance.getEntriesByName({json.dumps(MEASURE)}, 'measure').map(m => m.duration)")
        stored = page.evaluate("""async () => {
            const db = await new Promise((ok, bad) => { const r = indexedDB.open('beatbook');
                r.onsuccess = () => ok(r.result); r.onerror = () => bad(r.error); });
            const n = await new Promise((ok) => { const r = db.transaction('entries').objectStore('entries').count();
                r.onsuccess = () => ok(r.result); });
            db.close();
            return n;
        }""")
        if errors:
            raise RuntimeError("page errors: " + "; ".join(errors[:3]))
        if len(durations) != saves or stored != saves:
            raise RuntimeError(f"{saves} saves but {len(durations)} measures and {stored} entries stored")
        return durations
    finally:
        context.close()


def summary(durations: list[float]) -> dict:
    return {"n": len(durations), "p50_ms": pct(durations, 50), "p95_ms": pct(durations, 95),
            "max_ms": max(durations), "first_ms": durations[0], "samples_ms": [round(d, 2) for d in durations]}


def run(workdir: Path, saves: int = 30, throttles=THROTTLES) -> dict:
    """Serve the app on a fresh SQLite database (the figure is offline work, the database does not enter it)."""
    why = unavailable()
    if why:
        return {"available": False, "note": why}
    from playwright.sync_api import sync_playwright

    backend = env.Backend("sqlite", f"sqlite:///{workdir / 'savetime.db'}", sqlite_path=workdir / "savetime.db")
    env.prepare_database(backend)
    out: dict = {"available": True, "saves": saves, "kind": "stop_search", "offline": True,
                 "viewport": PHONE["viewport"], "target_ms": TARGET_MS, "throttled": {}}
    with env.Server(backend, workdir / "gunicorn-savetime.log", workers=1) as server:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
            try:
                out["browser"] = browser.version
                for rate in throttles:
                    out["throttled"][str(rate)] = summary(_save_n(browser, server.base, saves, rate))
            finally:
                browser.close()
    for suffix in ("", "-wal", "-shm"):
        Path(str(backend.sqlite_path) + suffix).unlink(missing_ok=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.savetime", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--saves", type=int, default=30)
    args = ap.parse_args(argv)
    res = run(Path(tempfile.mkdtemp(prefix="beatbook-savetime-")), args.saves)
    if not res["available"]:
        print(res["note"])
        return 1
    for rate, s in res["throttled"].items():
        print(f"CPU {rate}x: p50 {s['p50_ms']:.1f} ms, p95 {s['p95_ms']:.1f} ms, max {s['max_ms']:.1f} ms "
              f"(first {s['first_ms']:.1f} ms, n={s['n']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
