"""The officer's phone at 3 a.m.: a touch phone at 360x640, weak or no signal, gloves.

Nothing typed is lost (slow start-up, reload, navigation), a stray Log out cannot lock
the officer out, Today agrees with Home, a stop search takes few taps, and nothing on
the officer's screens is wider than the phone, even at 200% text.
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests import factories as f
from tests.conftest import DEMO_PASSWORD, ApiClient
from tests.e2e.conftest import AXE_JS, PHONE, SCREENSHOTS, Phone

PIN = "2468"
NOTE = "Seen passing a package through a car window on Lings Way; searched at the bus stop."


class TouchPhone(Phone):
    """A phone with a touch screen (taps, not clicks), in the officer's time zone."""

    def __init__(self, browser, base: str):  # not Phone.__init__: that would open a desktop-style context
        self.base = base
        self.context = browser.new_context(viewport=PHONE, device_scale_factor=2, has_touch=True, is_mobile=True,
                                           service_workers="allow", locale="en-GB", timezone_id="Europe/London")
        self.context.add_init_script(path=str(AXE_JS))
        self.errors: list[str] = []
        self.page = self.new_page()
        self.taps = 0

    def slow_down(self):
        """A mid-range phone on one bar: 4x slower CPU, 400 kbit/s with 400 ms latency."""
        cdp = self.context.new_cdp_session(self.page)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 400,
                                                       "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8})
        return cdp

    def tap(self, selector: str):
        self.taps += 1
        self.page.tap(selector)

    def choose(self, name: str, value: str):
        """One tap on a segmented button."""
        self.tap(f"form.entry-form label.seg-opt:has(input[name='{name}'][value='{value}'])")

    def pick(self, name: str, value: str):
        """A native picker: one tap to open it, one to choose."""
        self.taps += 2
        self.page.select_option(f"form.entry-form select[name='{name}']", value)

    def login_with_pin(self, shoulder_number: str, pin: str | None = PIN):
        page = self.page
        page.fill("input[name=shoulder_number]", shoulder_number)
        page.fill("input[name=password]", DEMO_PASSWORD)
        if pin:
            page.fill("input[name=pin]", pin)
        page.tap("form.login button[type=submit]")
        page.wait_for_selector("#nav-more")


@pytest.fixture
def touch_phones(chromium_browser, live_server):
    phones: list[TouchPhone] = []

    def make() -> TouchPhone:
        p = TouchPhone(chromium_browser, live_server)
        phones.append(p)
        return p

    yield make
    last = SCREENSHOTS.parent / "e2e-last"
    last.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(phones):
        try:
            p.page.screenshot(path=str(last / f"touch-{i}.png"), full_page=True)
            (last / f"touch-{i}.txt").write_text(p.page.url + "\n" + "\n".join(p.errors) + "\n" + p.page.inner_text("body"))
        except Exception:  # the page may be gone
            pass
        p.close()


def start_shift(pc: TouchPhone):
    pc.page.tap("#start-shift")
    pc.page.wait_for_selector("#end-shift")


def on_shift(touch_phones, officer) -> tuple["TouchPhone", object]:
    """A touch phone, the officer logged in with a PIN, a shift started: where most of these tests begin."""
    pc = touch_phones()
    pc.goto("/")
    pc.login_with_pin(officer.shoulder_number)
    start_shift(pc)
    return pc, pc.page


def fill_stop_search(pc: TouchPhone):
    """Every stop-search question answered, by taps; only the free text is typed."""
    pc.tap("a.big-button.kind-stop_search")
    pc.page.wait_for_selector("form.entry-form")
    pc.choose("search_type", "Person search")
    pc.pick("legislation", "Misuse of Drugs Act 1971 (section 23)")
    pc.pick("object_of_search", "Controlled drugs")
    pc.choose("outcome", "Arrest")
    pc.choose("outcome_linked_to_object_of_search", "yes")
    pc.choose("removal_of_more_than_outer_clothing", "no")
    pc.choose("gender", "Female")
    pc.choose("age_range", "18-24")
    pc.pick("self_defined_ethnicity", "Black/African/Caribbean/Black British - Caribbean")
    pc.choose("officer_defined_ethnicity", "Black")
    pc.page.fill("form.entry-form textarea[name=notes]", NOTE)


EXPECTED = {
    "search_type": "Person search", "legislation": "Misuse of Drugs Act 1971 (section 23)",
    "object_of_search": "Controlled drugs", "outcome": "Arrest", "outcome_linked_to_object_of_search": "yes",
    "removal_of_more_than_outer_clothing": "no", "gender": "Female", "age_range": "18-24",
    "self_defined_ethnicity": "Black/African/Caribbean/Black British - Caribbean", "officer_defined_ethnicity": "Black",
    "notes": NOTE,
}

READ_FORM = """() => {
  const f = document.querySelector('form.entry-form');
  if (!f) return null;
  const out = {};
  for (const el of f.elements) {
    if (!el.name || el.type === 'hidden') continue;
    if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; }
    else if (el.type !== 'checkbox') out[el.name] = el.value;
  }
  return out;
}"""


def form_values(page) -> dict:
    values = page.evaluate(READ_FORM) or {}
    return {k: values.get(k) for k in EXPECTED}


def idb_count(page, store: str) -> int:
    return page.evaluate("""(store) => new Promise((ok, bad) => {
        const r = indexedDB.open('beatbook');
        r.onsuccess = () => { const q = r.result.transaction(store).objectStore(store).count();
          q.onsuccess = () => { ok(q.result); r.result.close(); }; q.onerror = bad; };
        r.onerror = bad;
    })""", store)


def test_a_form_filled_during_a_slow_start_up_check_keeps_every_value(touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc, page = on_shift(touch_phones, officer)

    # The start-up login check answers only after 6 s (one bar of signal).
    held = []
    page.route("**/api/auth/me", lambda route: held.append(route))
    pc.slow_down()
    page.reload()
    page.wait_for_selector("a.big-button")
    started = time.monotonic()
    fill_stop_search(pc)
    page.fill("form.entry-form input[name=place]", "Lings Way bus stop")
    assert held, "the start-up check went out and is still waiting"
    page.wait_for_timeout(max(0, 6000 - (time.monotonic() - started) * 1000))
    for route in held:
        route.continue_()
    page.unroute("**/api/auth/me")
    page.wait_for_function("() => document.querySelector('#unsent-count') !== null")
    page.wait_for_timeout(1500)  # boot() has its answer and has sent and pulled

    assert form_values(page) == EXPECTED
    assert page.input_value("form.entry-form input[name=place]") == "Lings Way bus stop"
    pc.shot("night-01-form-after-slow-start-up")
    page.tap("form.entry-form button[type=submit]")
    page.wait_for_selector(f"li.entry:has-text('{NOTE[:30]}')")


def test_a_draft_survives_reload_navigation_and_back_and_forward(touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc, page = on_shift(touch_phones, officer)
    fill_stop_search(pc)

    # Reload (and a tab the browser killed: the same start from IndexedDB): everything comes back.
    page.once("dialog", lambda d: d.accept())  # the browser's "leave site?" question
    page.reload()
    page.wait_for_selector("form.entry-form .draft-note:not([hidden])")
    assert form_values(page) == EXPECTED

    # A tap on Today asks first; staying keeps the form as it is.
    page.tap("#nav-today")
    page.wait_for_selector("dialog[open]")
    assert "draft" in page.inner_text("dialog[open]")
    pc.shot("night-02-leave-form-question")
    page.locator("dialog[open]").get_by_role("button", name="Stay on the form").tap()
    page.wait_for_selector("dialog[open]", state="detached")
    assert page.url.endswith("#/log/stop_search")
    assert form_values(page) == EXPECTED

    # Leaving keeps the draft: Home offers it back.
    page.tap("#nav-home")
    page.locator("dialog[open]").get_by_role("button", name="Leave, keep the draft").tap()
    page.wait_for_selector("a.resume-draft")
    pc.shot("night-03-resume-draft")
    page.go_back()
    page.wait_for_selector("form.entry-form")
    assert form_values(page) == EXPECTED
    page.tap("#nav-home")
    page.locator("dialog[open]").get_by_role("button", name="Leave, keep the draft").tap()
    page.wait_for_selector("a.resume-draft")
    page.tap("a.resume-draft")
    page.wait_for_selector("form.entry-form")
    assert form_values(page) == EXPECTED

    # Saved: the draft is gone, and a new form starts empty.
    page.tap("form.entry-form button[type=submit]")
    page.wait_for_selector(f"li.entry:has-text('{NOTE[:30]}')")
    assert idb_count(page, "drafts") == 0
    page.tap("#nav-home")
    page.wait_for_selector("a.big-button")
    assert page.locator("a.resume-draft").count() == 0
    page.tap("a.big-button.kind-stop_search")
    page.wait_for_selector("form.entry-form")
    assert page.locator("form.entry-form input[type=radio]:checked").count() == 0


def test_a_stray_logout_offline_does_not_stop_the_officer_logging(touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc, page = on_shift(touch_phones, officer)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    # Log out is not in the bar next to Today.
    assert page.locator("#nav #logout").count() == 0

    pc.context.set_offline(True)
    page.tap("#nav-more")
    page.tap("#logout")
    page.wait_for_selector("dialog[open]")
    text = page.inner_text("dialog[open]")
    assert "no signal" in text.lower() and "Lock" in text
    pc.shot("night-04-logout-offline-offers-lock")
    page.locator("dialog[open]").get_by_role("button", name="Lock instead").tap()
    page.wait_for_selector("#lock-screen")
    pc.shot("night-05-locked")

    # Locked survives a reload with no signal; a wrong PIN does not open it.
    page.reload()
    page.wait_for_selector("#lock-screen")
    page.fill("#unlock-pin", "1111")
    page.tap("#lock-screen button[type=submit]")
    page.wait_for_selector("#unlock-error:has-text('Wrong PIN')")
    page.fill("#unlock-pin", PIN)
    page.tap("#lock-screen button[type=submit]")
    page.wait_for_selector("#lock-screen", state="detached")

    # Still logged in, still offline: log a stop search.
    page.tap("#nav-home")
    page.wait_for_selector("a.big-button")
    fill_stop_search(pc)
    page.tap("form.entry-form button[type=submit]")
    page.wait_for_selector("li.entry[data-state=waiting]")
    assert page.locator("#unsent-count").get_attribute("data-count") == "1"

    # Insisting on logging out offline keeps the unsent entry on the phone, and says so first.
    page.tap("#nav-more")
    page.tap("#logout")
    page.wait_for_selector("dialog[open]")
    assert "1 unsent entry stays" in page.inner_text("dialog[open]")
    page.locator("dialog[open]").get_by_role("button", name="Log out").tap()
    page.wait_for_selector("form.login")
    assert idb_count(page, "entries") == 1

    # With signal, logging in again sends it.
    pc.context.set_offline(False)
    pc.login_with_pin(officer.shoulder_number, pin=None)
    page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=30_000)


def test_logging_out_with_signal_confirms_and_names_what_it_removes(touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc = touch_phones()
    page = pc.page
    pc.goto("/")
    pc.login_with_pin(officer.shoulder_number)
    page.tap("a.big-button.kind-arrest")
    page.fill("form.entry-form input[name=custody_reference]", "NN/0042/26")
    page.tap("#nav-more")
    page.locator("dialog[open]").get_by_role("button", name="Leave, keep the draft").tap()
    page.tap("#logout")
    page.wait_for_selector("dialog[open]")
    assert "1 unfinished draft is deleted" in page.inner_text("dialog[open]")
    page.locator("dialog[open]").get_by_role("button", name="Stay logged in").tap()
    assert page.locator("#nav-more").is_visible()
    assert idb_count(page, "drafts") == 1


def test_today_means_the_officers_own_entries_of_the_day_and_matches_home(app, touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    colleague = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    api = ApiClient(app, officer)
    assert api.login(officer.shoulder_number).status_code == 200
    now = datetime.now(timezone.utc)
    midnight = datetime.now(ZoneInfo("Europe/London")).replace(hour=0, minute=0, second=0, microsecond=0)
    history = [now - timedelta(days=d, hours=1) for d in (1, 3, 12, 30, 58)]
    today = [t for t in (now - timedelta(minutes=m) for m in (20, 90)) if t >= midnight]
    records = [f.stop_search(operation.id, occurred_at=t.isoformat()) for t in history + today]
    results = api.sync(records=records).get_json()["records"]
    assert {r["status"] for r in results} == {"created"}
    other = ApiClient(app, colleague)
    assert other.login(colleague.shoulder_number).status_code == 200
    other.sync(records=[f.arrest(operation.id)])

    pc = touch_phones()
    page = pc.page
    pc.goto("/")
    pc.login_with_pin(officer.shoulder_number)
    page.wait_for_function(f"() => document.querySelector('#today-link')?.dataset.count === '{len(today)}'", timeout=20_000)
    # Every one of the officer's records is on the phone, yet only today's are counted.
    page.wait_for_function(f"""() => new Promise((ok) => {{ const r = indexedDB.open('beatbook');
        r.onsuccess = () => {{ const q = r.result.transaction('entries').objectStore('entries').count();
        q.onsuccess = () => {{ ok(q.result === {len(records)}); r.result.close(); }}; }}; }})""", timeout=20_000)
    start_shift(pc)
    fill_stop_search(pc)
    page.tap("form.entry-form button[type=submit]")
    page.wait_for_selector("#today-list")
    expected = len(today) + 1
    assert page.locator("#today-list li.entry").count() == expected
    assert page.inner_text("#view-title") == f"Today's entries ({expected})"
    tally = page.inner_text(".tally-line")
    assert f"Stop search: {expected}" in tally and "Arrest: 0" in tally
    page.tap("#nav-home")
    page.wait_for_selector("#today-link")
    assert page.get_attribute("#today-link", "data-count") == str(expected)
    pc.shot("night-06-home-count")
    page.tap("#today-link")
    page.wait_for_selector("#today-list")
    pc.shot("night-07-today")

    # A second officer on the same phone sees only their own (the colleague's one arrest, today).
    page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=30_000)
    page.tap("#nav-more")
    page.tap("#logout")
    page.locator("dialog[open]").get_by_role("button", name="Log out").tap()
    page.wait_for_selector("form.login")
    pc.login_with_pin(colleague.shoulder_number, pin=None)
    page.wait_for_function("() => document.querySelector('#today-link')?.dataset.count === '1'", timeout=20_000)
    page.tap("#today-link")
    page.wait_for_selector("#today-list")
    assert page.locator("#today-list li.entry").count() == 1
    assert "Arrest: 1" in page.inner_text(".tally-line")


def test_a_full_stop_search_takes_at_most_15_taps_plus_the_free_text(app, touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc, page = on_shift(touch_phones, officer)
    pc.taps = 0
    fill_stop_search(pc)
    pc.tap("form.entry-form button[type=submit]")
    page.wait_for_selector(f"li.entry:has-text('{NOTE[:30]}')")
    assert pc.taps <= 15, pc.taps
    page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=30_000)
    api = ApiClient(app, officer)
    api.login(officer.shoulder_number)
    rec = api.get("/api/records?kind=stop_search").get_json()["items"][0]
    assert rec["gender"] == "Female" and rec["age_range"] == "18-24" and rec["officer_defined_ethnicity"] == "Black"
    assert rec["outcome_linked_to_object_of_search"] is True and rec["removal_of_more_than_outer_clothing"] is False


def test_nothing_is_silently_not_recorded_and_fields_show_only_when_they_apply(touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc, page = on_shift(touch_phones, officer)
    page.tap("a.big-button.kind-stop_search")
    page.wait_for_selector("form.entry-form")
    assert page.inner_text("#view-title") == "Log a stop search"
    linked = page.locator("fieldset.seg:has(input[name=outcome_linked_to_object_of_search])")
    assert linked.is_hidden()
    pc.choose("outcome", "A no further action disposal")
    assert linked.is_hidden()
    pc.choose("outcome", "Arrest")
    assert linked.is_visible()
    page.tap("form.entry-form button[type=submit]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    for label in ("Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Type of search"):
        assert label in summary.inner_text()
    pc.shot("night-08-error-summary")
    summary.get_by_role("link", name="Gender").tap()
    assert page.evaluate("document.activeElement.name") == "gender"
    assert page.url.endswith("#/log/stop_search")

    # Intelligence: the 3x5x2 shows its codes; conditions only for code C.
    page.goto(pc.base + "/#/log/intelligence_log")
    page.locator("dialog[open]").get_by_role("button", name="Leave, keep the draft").tap()
    page.wait_for_selector("form.entry-form[data-form='new:intelligence_log']")
    assert page.inner_text("#view-title") == "Log intelligence"
    assert page.locator("label.seg-opt:has-text('1 – Reliable')").count() == 1
    assert page.locator("label.seg-opt:has-text('A – Known directly to the source')").count() == 1
    conditions = page.locator(".field:has(textarea[name=handling_conditions])")
    assert conditions.is_hidden()
    pc.choose("handling_code", "C")
    assert conditions.is_visible()
    pc.shot("night-09-intelligence-3x5x2")


def test_a_returned_entry_reaches_the_open_phone_in_seconds_without_touching_the_open_form(
        app, touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    sergeant = make_officer("sergeant", team="West Team 2", password=DEMO_PASSWORD)
    pc = touch_phones()
    page = pc.page
    checks: list[int] = []
    page.on("response", lambda r: checks.append(r.status) if "/api/sync/changes" in r.url else None)
    pc.goto("/")
    pc.login_with_pin(officer.shoulder_number)
    start_shift(pc)
    fill_stop_search(pc)
    page.tap("form.entry-form button[type=submit]")
    page.wait_for_selector("li.entry[data-state=sent]", timeout=30_000)
    record_id = page.get_attribute("li.entry[data-state=sent]", "data-id")
    # While nothing changes, the check every few seconds is an empty 304.
    deadline = time.monotonic() + 20
    while 304 not in checks and time.monotonic() < deadline:
        page.wait_for_timeout(500)
    assert 304 in checks, checks

    page.tap("#nav-home")
    page.tap("a.big-button.kind-arrest")
    page.fill("form.entry-form input[name=custody_reference]", "NN/0099/26")
    sgt = ApiClient(app, sergeant)
    sgt.login(sergeant.shoulder_number)
    resp = sgt.post(f"/api/records/{record_id}/return", {"comment": "Say what was found.", "base_version": 1})
    assert resp.status_code == 200, resp.get_json()
    returned_at = time.monotonic()
    page.wait_for_selector("#attention", timeout=15_000)
    assert time.monotonic() - returned_at < 12
    assert page.input_value("form.entry-form input[name=custody_reference]") == "NN/0099/26"


def test_withdrawing_an_entry_made_in_error_needs_a_reason(app, touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc, page = on_shift(touch_phones, officer)
    fill_stop_search(pc)
    page.tap("form.entry-form button[type=submit]")
    page.wait_for_selector("li.entry[data-state=sent]", timeout=30_000)
    page.get_by_role("button", name="Withdraw entry").tap()
    page.wait_for_selector("dialog[open] textarea")
    page.locator("dialog[open]").get_by_role("button", name="Withdraw entry").tap()
    page.wait_for_selector("dialog[open] .field-error:has-text('Say why')")
    page.fill("dialog[open] textarea", "Logged twice by mistake")
    page.locator("dialog[open]").get_by_role("button", name="Withdraw entry").tap()
    page.wait_for_selector("li.entry[data-state=voided]")
    api = ApiClient(app, officer)
    api.login(officer.shoulder_number)
    rec = api.get("/api/records?kind=stop_search").get_json()["items"][0]
    assert rec["status"] == "voided" and rec["void_reason"] == "Logged twice by mistake"


OFFICER_SCREENS = ["#/", "#/today", "#/more", "#/log/stop_search", "#/log/arrest", "#/log/safeguarding_referral",
                   "#/log/intelligence_log"]

WIDER_THAN_SCREEN = """() => {
  const w = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')].filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.right > w + 1 && getComputedStyle(el).position !== 'fixed';
  }).map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right));
  return { scroll: document.documentElement.scrollWidth, inner: w, wide: wide.slice(0, 8) };
}"""


def test_no_officer_screen_is_wider_than_the_phone_even_at_200_percent_text(touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc = touch_phones()
    page = pc.page
    pc.goto("/")
    for size in ("", "200%"):
        page.evaluate(f"document.documentElement.style.fontSize = '{size}'")
        r = page.evaluate(WIDER_THAN_SCREEN)
        assert r["scroll"] <= r["inner"] and not r["wide"], ("login", size, r)
    pc.login_with_pin(officer.shoulder_number)
    start_shift(pc)
    for size in ("", "200%"):
        for screen in OFFICER_SCREENS:
            page.goto(pc.base + "/" + screen)
            page.wait_for_selector("#view-title")
            page.evaluate(f"document.documentElement.style.fontSize = '{size}'")
            page.wait_for_timeout(50)
            r = page.evaluate(WIDER_THAN_SCREEN)
            assert r["scroll"] <= r["inner"] and not r["wide"], (screen, size, r)
            if screen == "#/log/stop_search" and size == "":
                # The status line stays one line under 48 px on a scrolled form.
                page.evaluate("window.scrollTo(0, 900)")
                assert page.evaluate("document.getElementById('status').getBoundingClientRect().height") < 48
            if screen == "#/log/intelligence_log" and size:
                pc.screenshot("night-10-intelligence-200-percent")


def test_lock_from_more_and_a_forgotten_pin_opens_with_the_password(touch_phones, make_officer, operation):
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    pc = touch_phones()
    page = pc.page
    pc.goto("/")
    pc.login_with_pin(officer.shoulder_number, pin=None)
    page.tap("a.big-button.kind-arrest")
    page.fill("form.entry-form input[name=custody_reference]", "NN/0007/26")
    page.goto(pc.base + "/#/more")  # in-app navigation: the form asks first
    page.locator("dialog[open]").get_by_role("button", name="Leave, keep the draft").tap()
    # No PIN yet: locking asks for one first.
    page.tap("#lock-app")
    page.fill("dialog[open] input", "12")
    page.locator("dialog[open]").get_by_role("button", name="Save PIN").tap()
    page.wait_for_selector("dialog[open] .field-error:has-text('4 to 8 digits')")
    page.fill("dialog[open] input", PIN)
    page.locator("dialog[open]").get_by_role("button", name="Save PIN").tap()
    page.wait_for_selector("#lock-screen")
    assert page.evaluate("document.getElementById('main').inert")

    page.tap("#forgot-pin")
    page.fill("dialog[open] input", DEMO_PASSWORD)
    page.locator("dialog[open]").get_by_role("button", name="Unlock").tap()
    page.wait_for_selector("#lock-screen", state="detached")
    page.fill("dialog[open] input", "13579")  # a new PIN straight away
    page.locator("dialog[open]").get_by_role("button", name="Save PIN").tap()
    page.wait_for_selector("dialog[open]", state="detached")
    page.tap("#lock-app")
    page.fill("#unlock-pin", PIN)
    page.tap("#lock-screen button[type=submit]")
    page.wait_for_selector("#unlock-error:has-text('Wrong PIN')")
    page.fill("#unlock-pin", "13579")
    page.tap("#lock-screen button[type=submit]")
    page.wait_for_selector("#lock-screen", state="detached")
    page.tap("#nav-home")
    page.tap("a.resume-draft")
    assert page.input_value("form.entry-form input[name=custody_reference]") == "NN/0007/26"
