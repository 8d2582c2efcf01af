"""The officers' app end to end: offline logging, exactly-once sync, the sergeant's review round trip."""
from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from server.core.db import db
from server.records.models import AuditEntry, Record, Shift
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import answer_all, fill_entry


def require_tally_api(base: str) -> None:
    """The sergeant and inspector screens need the tallies API: fail clearly without it."""
    import requests

    for path in ("/api/shifts", "/api/operations/1/tally"):
        status = requests.get(base + path, timeout=10).status_code
        assert status != 404, f"GET {path} is missing (404): these screens need the tallies API"


def unsent(page) -> str:
    return page.locator("#unsent-count").get_attribute("data-count")


def count_records(app, officer_id):
    with app.app_context():
        try:
            records = db.session.scalar(select(func.count()).select_from(Record).where(Record.officer_id == officer_id))
            creates = db.session.scalars(select(AuditEntry.record_id).where(
                AuditEntry.record_officer_id == officer_id, AuditEntry.action == "create")).all()
            shifts = db.session.scalar(select(func.count()).select_from(Shift).where(Shift.officer_id == officer_id))
            return records, creates, shifts
        finally:
            db.session.remove()


def test_offline_entries_sync_once_and_the_sergeant_review_round_trip(app, phone_factory, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    sergeant = make_officer("sergeant", team="West Team 2", password=DEMO_PASSWORD)

    pc = phone_factory()
    page = pc.page
    pc.goto("/")
    page.wait_for_selector("form.login")
    pc.shot("01-login")
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_selector("a.big-button")
    # The service worker has the app shell before the signal goes.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    pc.shot("02-home")

    # ---- no signal: start a shift and log five entries of different kinds
    pc.context.set_offline(True)
    page.click("text=Start shift")
    page.wait_for_selector("text=End shift")
    kinds = ["stop_search", "arrest", "safeguarding_referral", "intelligence_log", "stop_search"]
    for i, kind in enumerate(kinds):
        if i == 0:
            page.click(f"a.big-button.kind-{kind}")
            page.wait_for_selector("form.entry-form")
            pc.shot("03-form-stop-search")
            page.goto(pc.base + "/#/")
            page.wait_for_selector("a.big-button")
        fill_entry(page, kind, f"entry {i + 1}")
    assert unsent(page) == "5"
    # Each save left its timing (client/src/perf.ts; the bench reads it): tap -> stored in the outbox.
    timings = page.evaluate("performance.getEntriesByName('beatbook:save-to-stored', 'measure').map(m => m.duration)")
    assert len(timings) == 5 and all(t > 0 for t in timings), timings
    page.click("#send-now")  # Send now with no signal: nothing is lost, the officer is told
    page.wait_for_selector("#toast:has-text('No signal')")
    assert unsent(page) == "5"
    assert count_records(app, officer.id)[0] == 0

    # ---- reload with no signal: the app comes from the service worker and still has the five
    page.reload()
    page.wait_for_selector("a.big-button")
    page.goto(pc.base + "/#/today")
    page.wait_for_selector("li.entry")
    assert page.locator("li.entry[data-state=waiting]").count() == 5
    assert unsent(page) == "5"
    assert page.inner_text("#net-state") == "Offline"
    pc.shot("04-today-offline-waiting")

    # ---- close the page and open the app again, still offline
    page.close()
    page = pc.new_page()
    pc.goto("/#/today")
    page.wait_for_selector("li.entry")
    assert page.locator("li.entry[data-state=waiting]").count() == 5
    assert count_records(app, officer.id)[0] == 0

    # ---- signal again: everything goes, exactly once
    pc.context.set_offline(False)
    page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('li.entry[data-state=sent]').length === 5")
    records, creates, shifts = count_records(app, officer.id)
    assert records == 5
    assert len(creates) == 5 and len(set(creates)) == 5
    assert shifts == 1
    page.reload()  # and a reload sends nothing again
    page.wait_for_selector("li.entry[data-state=sent]")
    page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'")
    assert count_records(app, officer.id)[:1] == (5,)
    pc.shot("05-today-sent")
    # The service worker cache holds the app shell only: never an API answer.
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const req of await (await caches.open(name)).keys()) urls.push(req.url);
        }
        return urls;
    }""")
    assert any(u.endswith("/index.html") or "/index.html?" in u for u in cached), cached
    assert not [u for u in cached if "/api/" in u], cached

    # ---- the sergeant sees them in the shift tally and returns one
    require_tally_api(pc.base)
    sgt = phone_factory()
    spage = sgt.page
    sgt.goto("/")
    sgt.login(sergeant.shoulder_number, DEMO_PASSWORD)
    sgt.goto("/#/review")
    spage.wait_for_selector("a.shift-link")
    assert "5 entries" in spage.locator("a.shift-link").first.inner_text()
    sgt.shot("06-sergeant-shifts")
    spage.click("a.shift-link")
    spage.wait_for_selector("li.review-item")
    assert spage.locator("li.review-item").count() == 5
    sgt.shot("07-sergeant-shift-tally")
    with app.app_context():
        arrest_id = db.session.scalar(select(Record.id).where(Record.officer_id == officer.id, Record.kind == "arrest"))
        db.session.remove()
    item = spage.locator(f"li.review-item[data-id='{arrest_id}']")
    item.get_by_role("button", name="Return", exact=True).click()  # the comment box opens only then
    item.locator("textarea").fill("Add the custody reference please.")
    item.get_by_role("button", name="Return with comment").click()
    spage.wait_for_function("() => document.querySelectorAll('li.review-item').length === 5 && "
                            "[...document.querySelectorAll('li.review-item .badge')].some(b => b.textContent === 'Returned')")
    first_verify = spage.locator("li.review-item").filter(has_not_text="Returned").first
    first_verify.get_by_role("button", name="Verify").click()
    spage.wait_for_function("() => document.querySelectorAll('li.review-item').length === 4")

    # ---- the officer sees the comment, fixes the entry, and it goes back
    page.reload()
    returned = page.locator(f"li.entry[data-id='{arrest_id}']")
    returned.locator("text=Returned by sergeant").wait_for(timeout=20_000)
    assert "Add the custody reference please." in returned.inner_text()
    pc.shot("08-today-returned")
    returned.get_by_role("link", name="Fix and resend").click()
    page.wait_for_selector("form.entry-form")
    page.fill("input[name=custody_reference]", "CU/98765")
    pc.shot("09-form-fix-returned")
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector(f"li.entry[data-id='{arrest_id}'][data-state=sent]", timeout=30_000)
    with app.app_context():
        rec = db.session.get(Record, arrest_id)
        assert (rec.status, rec.version, rec.custody_reference) == ("submitted", 3, "CU/98765")  # created 1, returned 2, fixed 3
        db.session.remove()
    assert count_records(app, officer.id)[0] == 5
    # the sergeant's queue has it again
    spage.reload()
    spage.wait_for_selector(f"li.review-item[data-id='{arrest_id}']")
    assert not pc.errors and not sgt.errors, pc.errors + sgt.errors


def test_inspector_tally_chart_exports_and_night_theme(app, phone_factory, make_officer, operation):
    inspector = make_officer("inspector", team=None, password=DEMO_PASSWORD)
    phone = phone_factory(color_scheme="dark")
    require_tally_api(phone.base)
    page = phone.page
    phone.goto("/")
    phone.login(inspector.shoulder_number, DEMO_PASSWORD)
    phone.goto("/#/tally")
    page.wait_for_selector("svg.chart")
    assert re.search(r"since|between|from", page.locator(".headline").inner_text())
    links = [a.get_attribute("href") for a in page.locator(".exports a").all()]
    assert any(h.startswith(f"/api/operations/{operation.id}/tally.csv") for h in links)
    assert any(h.startswith("/api/exports/stop-searches.csv") for h in links)
    phone.shot("10-inspector-tally-dark")
    phone.goto("/#/")  # the night theme on the logging screen too
    page.wait_for_selector("a.big-button")
    phone.shot("10b-home-dark")
    phone.goto("/#/tally")
    page.wait_for_selector("svg.chart")
    # The theme toggle switches to the daylight theme.
    page.click("#theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    phone.shot("11-inspector-tally-light")
    assert not phone.errors, phone.errors


def test_logout_warns_about_unsent_entries_and_clears_sent_data(app, phone_factory, make_officer, operation):
    officer = make_officer("officer", password=DEMO_PASSWORD)
    pc = phone_factory()
    page = pc.page
    pc.goto("/")
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    fill_entry(page, "arrest", "sent one")
    pc.goto("/#/today")
    page.wait_for_selector("li.entry[data-state=sent]", timeout=20_000)
    pc.goto("/#/")
    pc.context.set_offline(True)
    fill_entry(page, "stop_search", "unsent one")
    assert unsent(page) == "1"
    page.click("#nav-more")
    page.click("#logout")
    page.wait_for_selector("dialog[open]")
    assert "1 unsent entry stays on this phone" in page.locator("dialog").inner_text()
    pc.shot("12-logout-warning")
    page.locator("dialog[open]").get_by_role("button", name="Stay logged in").click()
    assert page.locator("#logout").is_visible()
    page.click("#logout")
    page.locator("dialog[open]").get_by_role("button", name="Log out").click()
    page.wait_for_selector("form.login")
    left = page.evaluate("""async () => {
        const db = await new Promise((ok, bad) => { const r = indexedDB.open('beatbook'); r.onsuccess = () => ok(r.result); r.onerror = bad; });
        const all = await new Promise((ok) => { const r = db.transaction('entries').objectStore('entries').getAll(); r.onsuccess = () => ok(r.result); });
        return all.map(e => [e.officerId, e.payload.notes, e.pending]);
    }""")
    assert left == [[officer.id, "unsent one", 1]]
    # Logged in again with signal, the kept entry is sent under the same officer.
    pc.context.set_offline(False)
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=20_000)
    assert count_records(app, officer.id)[0] == 2
    assert not pc.errors, pc.errors


def test_rejected_entry_shows_the_reason_is_fixed_and_sent_with_gps_last_area_and_old_unsent_warning(
        app, phone_factory, make_officer, operation):
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    officer = make_officer("officer", password=DEMO_PASSWORD)
    pc = phone_factory()
    page = pc.page
    pc.context.grant_permissions(["geolocation"], origin=pc.base)
    pc.context.set_geolocation({"latitude": 52.2635, "longitude": -0.8412})
    pc.goto("/")
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)

    # A stop search dated before the operation began: the server refuses it and says why.
    page.click("a.big-button.kind-stop_search")
    page.wait_for_selector("form.entry-form")
    form = page.locator("form.entry-form")
    answer_all(page)
    assert form.locator("input[name=occurred_at]").input_value()  # defaults to now
    too_early = (date.today() - timedelta(days=90)).isoformat() + "T10:00"
    form.locator("input[name=occurred_at]").fill(too_early)
    form.locator("input[name=area]").fill("NN5")
    form.get_by_role("button", name="Add my location (GPS)").click()
    page.wait_for_selector("text=Location added: 52.26350, -0.84120")
    form.locator("button[type=submit]").click()
    # Not on shift: the app asks (one tap starts one and saves); this entry is from long ago.
    page.locator("dialog[open]").get_by_role("button", name="Save without a shift").click()
    entry = page.locator("li.entry[data-state=rejected]")
    entry.wait_for(timeout=20_000)
    assert "Before the operation started" in entry.inner_text()
    assert "1 needs you" in page.locator("#status").inner_text()
    assert "Time: Before the operation started" in entry.inner_text()
    pc.shot("13-today-rejected")

    entry.get_by_role("link", name="Fix and resend").click()
    page.wait_for_selector("form.entry-form .has-error input[name=occurred_at]")
    pc.shot("14-form-fix-rejected")
    now = (datetime.now(ZoneInfo("Europe/London")) - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M")
    page.fill("input[name=occurred_at]", now)
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector("li.entry[data-state=sent]", timeout=20_000)
    with app.app_context():
        rows = db.session.scalars(select(Record).where(Record.officer_id == officer.id)).all()
        assert [(r.kind, r.area, round(r.latitude, 4), round(r.longitude, 4)) for r in rows] == [
            ("stop_search", "NN5", 52.2635, -0.8412)]
        db.session.remove()

    # The next form starts in the area used last.
    pc.goto("/#/log/arrest")
    page.wait_for_selector("form.entry-form")
    assert page.locator("input[name=area]").input_value() == "NN5"

    # An entry left unsent for days brings a warning (phones may clear a site's storage).
    pc.context.set_offline(True)
    pc.goto("/#/")
    fill_entry(page, "arrest", "kept for days")
    page.evaluate("""async () => {
        const db = await new Promise((ok, bad) => { const r = indexedDB.open('beatbook'); r.onsuccess = () => ok(r.result); r.onerror = bad; });
        const store = db.transaction('entries', 'readwrite').objectStore('entries');
        const all = await new Promise((ok) => { const r = store.getAll(); r.onsuccess = () => ok(r.result); });
        for (const e of all) if (e.pending) { e.savedAt = new Date(Date.now() - 2 * 86400000).toISOString(); store.put(e); }
        await new Promise((ok) => { store.transaction.oncomplete = ok; });
    }""")
    page.reload()
    page.wait_for_selector("#old-unsent")
    pc.shot("15-old-unsent-warning")
    assert not pc.errors, pc.errors


def test_expired_session_keeps_the_queue_and_sends_after_logging_in_again(app, phone_factory, make_officer, operation):
    from server.auth.models import LoginSession

    officer = make_officer("officer", password=DEMO_PASSWORD)
    pc = phone_factory()
    page = pc.page
    pc.goto("/")
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    with app.app_context():  # the server forgets the session (expired or revoked)
        db.session.execute(LoginSession.__table__.delete())
        db.session.commit()
        db.session.remove()
    fill_entry(page, "safeguarding_referral", "logged after expiry")
    page.wait_for_selector("#session-ended")
    assert unsent(page) == "1"
    assert count_records(app, officer.id)[0] == 0
    pc.shot("16-session-ended")
    page.get_by_role("link", name="Log in").click()
    page.wait_for_selector("form.login")
    assert page.locator("input[name=shoulder_number]").input_value() == officer.shoulder_number
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=20_000)
    assert count_records(app, officer.id)[0] == 1
    assert not pc.errors, pc.errors


def test_logging_out_offline_ends_the_server_session_when_the_signal_returns(app, phone_factory, make_officer, operation):
    officer = make_officer("officer", password=DEMO_PASSWORD)
    pc = phone_factory()
    page = pc.page
    pc.goto("/")
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    pc.context.set_offline(True)
    page.click("#nav-more")
    page.click("#logout")
    page.locator("dialog[open]").get_by_role("button", name="Log out").click()
    page.wait_for_selector("form.login")
    pc.context.set_offline(False)
    page.reload()
    page.wait_for_selector("form.login")
    # The app ends the old server session once it has signal: the cookie no longer logs anyone in.
    deadline = time.time() + 15
    while (status := page.evaluate("() => fetch('/api/auth/me').then(r => r.status)")) != 401 and time.time() < deadline:
        time.sleep(0.3)
    assert status == 401
    page.wait_for_function("""async () => {
        const db = await new Promise((ok) => { const r = indexedDB.open('beatbook'); r.onsuccess = () => ok(r.result); });
        const v = await new Promise((ok) => { const r = db.transaction('meta').objectStore('meta').get('pendingLogout'); r.onsuccess = () => ok(r.result); });
        db.close();
        return v === undefined;
    }""")
    assert not pc.errors, pc.errors


def test_an_offline_edit_that_crosses_the_sergeants_return_shows_a_conflict_to_settle(
        app, phone_factory, make_officer, operation):
    from server.records.service import get_record, set_status

    officer = make_officer("officer", password=DEMO_PASSWORD)
    sergeant = make_officer("sergeant", password=DEMO_PASSWORD)
    pc = phone_factory()
    page = pc.page
    pc.goto("/")
    pc.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    fill_entry(page, "intelligence_log", "first words")
    pc.goto("/#/today")
    page.wait_for_selector("li.entry[data-state=sent]", timeout=20_000)
    with app.app_context():
        record_id = db.session.scalar(select(Record.id).where(Record.officer_id == officer.id))
        db.session.remove()

    pc.context.set_offline(True)
    with app.app_context():  # meanwhile the sergeant returns it
        set_status(get_record(record_id), "returned", sergeant.id, "return", "Grade the source again.")
        db.session.commit()
        db.session.remove()
    pc.goto(f"/#/entry/{record_id}")
    page.wait_for_selector("form.entry-form")
    page.fill("textarea[name=notes]", "my offline edit")
    page.click("form.entry-form button[type=submit]")
    page.wait_for_selector(f"li.entry[data-id='{record_id}'][data-state=waiting]")
    pc.context.set_offline(False)
    item = page.locator(f"li.entry[data-id='{record_id}'][data-state=conflict]")
    item.wait_for(timeout=30_000)
    text = item.inner_text()
    assert "A sergeant returned this entry" in text
    assert "Changed on the server: Notes." in text
    assert "Notes: server has first words; yours: my offline edit" in text
    assert "Sergeant: Grade the source again." in text
    assert "Time" not in text  # the same instant written two ways is no difference
    pc.shot("17-today-conflict")
    item.get_by_role("button", name="Keep mine and resend").click()
    page.wait_for_selector(f"li.entry[data-id='{record_id}'][data-state=sent]", timeout=30_000)
    with app.app_context():
        rec = get_record(record_id)
        assert (rec.notes, rec.status, rec.version) == ("my offline edit", "submitted", 3)
        db.session.remove()
    assert not pc.errors, pc.errors
