"""Browser tests: Debian's Chromium driven by Playwright for Python against the
real gunicorn server (tests/conftest.py `live_server`) and database.

They fail (never skip) when Chromium, Playwright or the built app is missing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
DIST_INDEX = ROOT / "client" / "dist" / "index.html"
AXE_JS = ROOT / "client" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE = {"width": 360, "height": 640}
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]


@pytest.fixture(scope="session")
def chromium_browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: install Debian's chromium package "
                    "(apt-get install chromium); the browser tests never download a browser.", pytrace=False)
    if not DIST_INDEX.exists():
        pytest.fail("The app is not built (client/dist/index.html is missing): run `make client` first.", pytrace=False)
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `npm ci` in client/.", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        pytest.fail("Playwright for Python is missing: pip install -r requirements-dev.txt", pytrace=False)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


class Phone:
    """One browser profile (its own cookies, IndexedDB and service worker) at phone size."""

    def __init__(self, browser, base: str, color_scheme: str = "light", touch: bool = False):
        self.base = base
        self.context = browser.new_context(viewport=PHONE, device_scale_factor=2, color_scheme=color_scheme,
                                           has_touch=touch, is_mobile=touch,
                                           service_workers="allow", locale="en-GB", timezone_id="Europe/London")
        # axe-core goes in as an init script (DevTools protocol): page.add_script_tag would add an
        # inline <script>, which the app's CSP (script-src 'self') rightly blocks.
        self.context.add_init_script(path=str(AXE_JS))
        self.errors: list[str] = []
        self.page = self.new_page()

    def new_page(self):
        page = self.context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: self._console(msg))
        self.page = page
        return page

    def _console(self, msg):
        if "Content Security Policy" in msg.text or "Refused to" in msg.text:
            self.errors.append(f"CSP: {msg.text}")

    def goto(self, path: str = "/"):
        self.page.goto(self.base + path)

    def login(self, shoulder_number: str, password: str):
        page = self.page
        page.fill("input[name=shoulder_number]", shoulder_number)
        page.fill("input[name=password]", password)
        page.click("form.login button[type=submit]")
        page.wait_for_selector("#nav-more")

    def open_and_login(self, shoulder_number: str, password: str):
        """Open the app at its start and log in."""
        self.goto("/")
        self.page.wait_for_selector("form.login")
        self.login(shoulder_number, password)

    def screenshot(self, name: str):
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    def check_a11y(self, name: str):
        """axe-core on the screen as it is: no serious or critical violations."""
        page = self.page
        assert page.evaluate("typeof window.axe !== 'undefined'"), "axe-core was not injected"
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, f"axe on {name}: " + json.dumps(
            [{"id": v["id"], "impact": v["impact"], "help": v["help"],
              "nodes": [n["target"] for n in v["nodes"]][:5]} for v in bad], indent=1)

    def shot(self, name: str):
        self.screenshot(name)
        self.check_a11y(name)

    def close(self):
        self.context.close()


@pytest.fixture
def phone_factory(chromium_browser, live_server):
    phones: list[Phone] = []

    def make(**kw) -> Phone:
        phone = Phone(chromium_browser, live_server, **kw)
        phones.append(phone)
        return phone

    yield make
    # The last screen of every phone, for looking into a failure.
    last = ROOT / "artifacts" / "e2e-last"
    last.mkdir(parents=True, exist_ok=True)
    for i, phone in enumerate(phones):
        try:
            phone.page.screenshot(path=str(last / f"phone-{i}.png"), full_page=True)
            (last / f"phone-{i}.txt").write_text(phone.page.url + "\n" + "\n".join(phone.errors) + "\n"
                                                 + phone.page.inner_text("body"))
        except Exception:  # the page may be gone
            pass
        phone.close()


def answer_all(page):
    """The first choice of every question the form asks (pickers and big buttons)."""
    form = page.locator("form.entry-form")
    for dropdown in form.locator("select[required]").all():
        dropdown.select_option(index=1)
    for group in form.locator("fieldset.seg:not([hidden])").all():
        group.locator("label.seg-opt").first.click()


def fill_entry(page, kind: str, note: str):
    """Fill one of the four forms with the first value of every required list (on shift)."""
    if page.locator("#start-shift").count():
        page.click("#start-shift")
        page.wait_for_selector("#end-shift")
    page.click(f"a.big-button.kind-{kind}")
    page.wait_for_selector("form.entry-form")
    form = page.locator("form.entry-form")
    answer_all(page)
    for group in ("concern_categories", "topics"):
        boxes = form.locator(f"input[name={group}]")
        if boxes.count():
            boxes.first.check()
    if kind == "intelligence_log":
        form.locator("textarea[name=intelligence_text]").fill("Lookouts on mopeds at the Lings Way shops.")
    form.locator("textarea[name=notes]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"li.entry:has-text('{note}'), dialog[open]")
    if page.locator("dialog[open]").count():  # the shift ended meanwhile: one tap starts one and saves
        page.locator("dialog[open]").get_by_role("button", name="Start shift and save").click()
    page.wait_for_selector(f"li.entry:has-text('{note}')")
    page.goto(page.url.split("#")[0] + "#/")
    page.wait_for_selector("a.big-button")
