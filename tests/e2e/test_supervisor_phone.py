"""Sergeants, inspectors and officers on a 360x640 touch phone, by day and by night (the phone's own dark
mode, no toggle).

Every screen: nothing wider than the screen (also at 200% text), axe-core with no serious or critical
violations, and a screenshot in artifacts/screenshots.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from server.core.db import db
from server.records.models import Record
from tests import factories as f
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, SCREENSHOTS, Phone, fill_entry

LONDON = ZoneInfo("Europe/London")
SCHEMES = ["light", "dark"]

# Elements sticking out to the right or left of the screen (the skip link waits off-screen on purpose).
WIDE_ELEMENTS = """() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('.skip, .toast, dialog:not([open]), [hidden], details:not([open]) > :not(summary)')) continue;
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].join('.')}`
        + ` ${Math.round(r.left)}..${Math.round(r.right)} "${(el.textContent || '').trim().slice(0, 30)}"`);
    }
  }
  // Text running out of its box (a long word) is not in the box's own size: measure the text itself.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.textContent.trim() || node.parentElement.closest('.skip, .toast, [hidden], details:not([open]) > :not(summary)')) continue;
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    if (r.width && (r.right > vw + 0.5 || r.left < -0.5)) {
      out.push(`text in ${node.parentElement.tagName.toLowerCase()}.${[...node.parentElement.classList].join('.')} `
        + `${Math.round(r.left)}..${Math.round(r.right)} "${node.textContent.trim().slice(0, 30)}"`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, vw, out: out.slice(0, 12)};
}"""


@pytest.fixture
def touch_phone_factory(phone_factory):
    """A touch phone (tap events, mobile viewport) as the sergeant and the inspector carry."""
    return lambda scheme: phone_factory(color_scheme=scheme, touch=True)


def shot(phone: Phone, name: str):
    """The whole screen, top to bottom, into artifacts/screenshots; then axe-core on it."""
    phone.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    phone.check_a11y(name)


def fits(phone: Phone, name: str):
    """Nothing off-screen at 360 px, then nothing at 200% text either (and axe-core again); a screenshot of each."""
    page = phone.page
    wide = page.evaluate(WIDE_ELEMENTS)
    assert wide["scrollWidth"] <= PHONE["width"] and not wide["out"], f"{name} at 360 px: {wide}"
    big_text(phone, True)
    try:
        wide = page.evaluate(WIDE_ELEMENTS)
        assert wide["scrollWidth"] <= PHONE["width"] and not wide["out"], f"{name} at 200% text: {wide}"
        phone.check_a11y(f"{name} at 200% text")
        # A full-page capture resets the font setting: grow the window to the page's height instead.
        page.set_viewport_size({"width": PHONE["width"], "height": page.evaluate("document.documentElement.scrollHeight")})
        big_text(phone, True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-200pc-text.png"))
    finally:
        page.set_viewport_size(PHONE)
        big_text(phone, False)


def big_text(phone: Phone, on: bool):
    """The phone's text size at 200% (as Android's font size setting does): the browser's default font size doubled."""
    cdp = phone.context.new_cdp_session(phone.page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32 if on else 16, "fixed": 26 if on else 13}})
    cdp.detach()
    size = phone.page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert (size >= 32) == on, size


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), LONDON)


def night_shift(officer_client, operation, n_records=10):
    """A shift from 22:00 yesterday (London) to 06:00 today, with entries logged in its first hour."""
    today = datetime.now(LONDON).date()
    start = local(today - timedelta(days=1), 22)
    end = min(local(today, 6), datetime.now(timezone.utc) - timedelta(minutes=1))
    shift = f.shift(operation.id, started_at=start.isoformat(), ended_at=end.isoformat())
    makers = [f.stop_search, f.arrest, f.safeguarding_referral, f.intelligence_log]
    records = [makers[i % 4](operation.id, shift_id=shift["id"], notes=f"night entry {i + 1}",
                             occurred_at=(start + timedelta(minutes=5 * (i + 1))).isoformat())
               for i in range(n_records)]
    body = officer_client.sync([shift], records).get_json()
    assert all(r["status"] == "created" for r in body["records"]), body
    return shift, records


def statuses(app, ids):
    with app.app_context():
        try:
            rows = db.session.execute(select(Record.id, Record.status).where(Record.id.in_([uuid.UUID(i) for i in ids]))).all()
            return {str(i): s for i, s in rows}
        finally:
            db.session.remove()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_sergeant_on_a_phone_lands_on_review_sees_the_night_shift_and_verifies_all(
        app, touch_phone_factory, login_as, operation, scheme):
    officer_client = login_as("officer", team="West Team 2")
    login_as("officer", team="West Team 3")  # another team's officer: never on this sergeant's screens
    shift, records = night_shift(officer_client, operation)
    sergeant = login_as("sergeant", team="West Team 2").officer

    phone = touch_phone_factory(scheme)
    page = phone.page
    phone.open_and_login(sergeant.shoulder_number, DEMO_PASSWORD)
    # ---- the sergeant lands on today's shifts, and the night shift started yesterday is there
    page.wait_for_selector("a.shift-link")
    assert page.evaluate("location.hash") == "#/review"
    assert page.locator("#view-title").inner_text() == "West Team 2: shifts to review"
    assert page.locator("a.shift-link").count() == 1
    assert page.locator(f"a.shift-link[data-id='{shift['id']}']").count() == 1
    assert "10 to review" in page.locator("a.shift-link").inner_text()
    shot(phone, f"sergeant-shifts-{scheme}")
    fits(phone, f"sergeant-shifts-{scheme}")
    yesterday = (datetime.now(LONDON).date() - timedelta(days=1)).isoformat()
    phone.goto("/")  # the app opened again from its icon: the sergeant's own screen, not the officer's
    page.wait_for_selector("a.shift-link")
    assert page.evaluate("location.hash") == "#/review"
    phone.goto(f"/#/review?date={yesterday}")
    page.wait_for_selector(f"a.shift-link[data-id='{shift['id']}']")

    # ---- the shift's review: the team's tally as cards, compact entries with no comment boxes
    page.click(f"a.shift-link[data-id='{shift['id']}']")
    page.wait_for_selector("li.review-item")
    assert page.locator("li.review-item").count() == 10
    assert "West Team 2\u2019s entries in this shift" in page.locator(".shift-review").inner_text()
    assert page.locator("li.review-item textarea:visible").count() == 0
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"\nreview of 10 entries ({scheme}): page {height} px tall")
    assert height < 4000, height
    shot(phone, f"sergeant-shift-review-{scheme}")
    phone.screenshot(f"viewport-sergeant-shift-review-{scheme}")  # the install dialog's pictures come from these
    fits(phone, f"sergeant-shift-review-{scheme}")

    # "Return" opens the comment box on that card only; Cancel closes it again
    first = page.locator("li.review-item").first
    first.get_by_role("button", name="Return", exact=True).click()
    assert page.locator("li.review-item textarea:visible").count() == 1
    shot(phone, f"sergeant-return-open-{scheme}")
    first.get_by_role("button", name="Cancel").click()
    assert page.locator("li.review-item textarea:visible").count() == 0

    # ---- meanwhile the officer amends one entry: verifying the copy on screen must not pass it
    amended = records[3]
    url = f"/api/records/{amended['id']}"
    version = officer_client.get(url).get_json()["record"]["version"]
    resp = officer_client.patch(url, {"base_version": version, "notes": "custody ref added after all"})
    assert resp.status_code == 200, resp.get_json()

    page.get_by_label("Check all").check()
    verify_all = page.locator("button.verify-all")
    assert verify_all.inner_text() == "Verify all checked (10)"
    verify_all.tap()
    page.wait_for_function("() => document.querySelectorAll('li.review-item').length === 1", timeout=20_000)
    left = page.locator("li.review-item")
    assert left.get_attribute("data-id") == amended["id"]
    assert "changed this entry since you opened it" in left.inner_text()
    assert "custody ref added after all" in left.inner_text()  # the newer copy is the one shown
    assert int(left.get_attribute("data-version")) == version + 1
    got = statuses(app, [r["id"] for r in records])
    assert sorted(got.values()) == ["submitted"] + ["verified"] * 9
    assert got[amended["id"]] == "submitted"
    shot(phone, f"sergeant-verify-conflict-{scheme}")
    left.get_by_role("button", name="Verify", exact=True).tap()
    page.wait_for_selector("text=Nothing left to review.")
    assert set(statuses(app, [r["id"] for r in records]).values()) == {"verified"}

    # ---- the sergeant's tally is the team's, and says so
    phone.goto("/#/tally")
    page.wait_for_selector("svg.chart-weeks")
    assert page.locator("#view-title").inner_text() == "West Team 2\u2019s entries"
    assert page.locator(".scope-note").inner_text().startswith("Counts of West Team 2’s entries only")
    shot(phone, f"sergeant-tally-{scheme}")
    fits(phone, f"sergeant-tally-{scheme}")
    assert not phone.errors, phone.errors


def weeks_touching(start: date, end: date) -> list[str]:
    monday = start - timedelta(days=start.weekday())
    out = []
    while monday <= end:
        out.append(monday.isoformat())
        monday += timedelta(days=7)
    return out


@pytest.mark.parametrize("scheme", SCHEMES)
def test_inspector_on_a_phone_lands_on_the_tally_with_every_week_and_reads_the_briefing(
        app, touch_phone_factory, login_as, operation, scheme):
    officer_client = login_as("officer", team="West Team 2")
    today = datetime.now(LONDON).date()
    # entries in two weeks only: the weeks between them are empty and must still be drawn
    busy = [today - timedelta(days=50), today - timedelta(days=49), today - timedelta(days=3)]
    recs = [f.arrest(operation.id, occurred_at=local(d, 12).isoformat()) for d in busy]
    recs.append(f.stop_search(operation.id, occurred_at=local(busy[0], 13).isoformat()))
    assert all(r["status"] == "created" for r in officer_client.sync([], recs).get_json()["records"])
    inspector = login_as("inspector", team=None).officer

    phone = touch_phone_factory(scheme)
    page = phone.page
    phone.open_and_login(inspector.shoulder_number, DEMO_PASSWORD)
    page.wait_for_selector("svg.chart-weeks")
    assert page.evaluate("location.hash") == "#/tally"
    assert page.locator("#view-title").inner_text() == "Operation tally"

    # one bar per week of the period, empty weeks as zeros, and a y axis with its name
    weeks = weeks_touching(operation.starts_on, today)
    bars = page.eval_on_selector_all("svg.chart-weeks rect[data-week]",
                                     "els => els.map(e => [e.dataset.week, Number(e.dataset.count)])")
    assert [w for w, _ in bars] == weeks
    expected = {}
    for d in busy + [busy[0]]:
        key = (d - timedelta(days=d.weekday())).isoformat()
        expected[key] = expected.get(key, 0) + 1
    assert {w: n for w, n in bars if n} == expected
    assert sum(1 for _, n in bars if n == 0) == len(weeks) - len(expected) > 0
    axis_text = page.eval_on_selector("svg.chart-weeks", "svg => [...svg.querySelectorAll('text')].map(t => t.textContent)")
    assert "Entries" in axis_text and "Week beginning (Monday)" in axis_text and "0" in axis_text

    # the Change column is on screen in full
    change = page.locator(".kind-row[data-kind=arrest] .kind-change dd")
    assert change.is_visible()
    box = change.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    shot(phone, f"inspector-tally-{scheme}")
    page.locator("svg.chart-weeks").scroll_into_view_if_needed()
    phone.screenshot(f"viewport-inspector-tally-{scheme}")
    fits(phone, f"inspector-tally-{scheme}")
    page.click("summary:has-text('Figures per week')")
    assert page.locator(".week-list li").count() == len(weeks)
    fits(phone, f"inspector-tally-figures-{scheme}")

    # the briefing, opened from the tally, reads on the phone
    href = page.locator("a:has-text('Briefing (printable)')").get_attribute("href")
    phone.goto(href)
    page.wait_for_selector("#headline")
    shot(phone, f"briefing-{scheme}")
    fits(phone, f"briefing-{scheme}")
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.totals')).gridTemplateColumns.split(' ').length") == 4
    assert not phone.errors, phone.errors


@pytest.mark.parametrize("scheme", SCHEMES)
def test_officer_screens_pass_axe_by_day_and_by_night(app, touch_phone_factory, make_officer, operation, scheme):
    """The phone's own dark mode (no toggle): every officer screen, the toast and the log-out warning."""
    officer = make_officer("officer", team="West Team 2", password=DEMO_PASSWORD)
    phone = touch_phone_factory(scheme)
    page = phone.page
    phone.goto("/")
    page.wait_for_selector("form.login")
    shot(phone, f"officer-login-{scheme}")
    fits(phone, f"officer-login-{scheme}")
    phone.login(officer.shoulder_number, DEMO_PASSWORD)
    page.wait_for_selector("a.big-button")
    assert page.evaluate("location.hash") == "#/"
    assert page.evaluate("document.documentElement.dataset.theme") is None  # no toggle: the phone decides
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == ("rgb(13, 17, 23)" if scheme == "dark" else "rgb(255, 255, 255)"), bg
    shot(phone, f"officer-home-{scheme}")
    phone.screenshot(f"viewport-officer-home-{scheme}")
    fits(phone, f"officer-home-{scheme}")
    for kind in ("stop_search", "arrest", "safeguarding_referral", "intelligence_log"):
        phone.goto(f"/#/log/{kind}")
        page.wait_for_selector("form.entry-form")
        shot(phone, f"officer-form-{kind}-{scheme}")
        fits(phone, f"officer-form-{kind}-{scheme}")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    phone.context.set_offline(True)
    phone.goto("/#/")
    page.wait_for_selector("a.big-button")
    fill_entry(page, "arrest", "Arrested at the Lings Way shops.")
    phone.goto("/#/today")
    page.wait_for_selector("li.entry")
    page.click("#send-now")
    page.wait_for_selector("#toast.show")
    toast = page.evaluate("getComputedStyle(document.getElementById('toast')).backgroundColor")
    if scheme == "dark":  # no near-white slab at night
        assert toast != "rgb(240, 243, 246)", toast
    shot(phone, f"officer-today-toast-{scheme}")
    fits(phone, f"officer-today-{scheme}")
    page.click("#nav-more")
    page.click("#logout")
    page.wait_for_selector("dialog[open]")
    shot(phone, f"officer-logout-warning-{scheme}")
    page.get_by_role("button", name="Stay logged in").click()

    # The Night toggle overrides the phone either way, the browser bar included.
    other = "light" if scheme == "dark" else "dark"
    page.click("#theme-toggle")
    assert page.evaluate("document.documentElement.dataset.theme") == other
    assert page.get_attribute("#theme-toggle", "aria-pressed") == ("true" if other == "dark" else "false")
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == ("rgb(13, 17, 23)" if other == "dark" else "rgb(255, 255, 255)"), bg
    bars = page.eval_on_selector_all('meta[name="theme-color"]', "ms => ms.map(m => m.content)")
    assert bars == ["#13284d" if other == "dark" else "#0b3d91"] * 2, bars
    shot(phone, f"officer-today-toggled-{other}-on-a-{scheme}-phone")
    assert not phone.errors, phone.errors


def test_the_installed_app_opens_dark_at_night_and_its_install_pictures_are_served(anon_client):
    import json
    import re
    import struct

    manifest = json.loads(anon_client.get("/manifest.webmanifest").get_data(as_text=True))
    # the splash screen and title bar: no white flash when the app is opened on a night shift
    assert manifest["background_color"] == "#0d1117" and manifest["theme_color"] == "#13284d"
    assert len(manifest["screenshots"]) >= 2
    for picture in manifest["screenshots"]:
        resp = anon_client.get(picture["src"])
        assert resp.status_code == 200 and resp.mimetype == "image/png", picture["src"]
        width, height = struct.unpack(">II", resp.data[16:24])  # the PNG's own size must match what is declared
        assert f"{width}x{height}" == picture["sizes"] and picture["form_factor"] == "narrow" and picture["label"]
    html = anon_client.get("/").get_data(as_text=True)
    bars = {m: c for c, m in re.findall(r'<meta name="theme-color" content="([^"]+)" media="([^"]+)"', html)}
    assert bars == {"(prefers-color-scheme: light)": "#0b3d91", "(prefers-color-scheme: dark)": "#13284d"}
