"""Signing in through the force's identity provider in Chromium, against the real test provider
(tests/oidc/provider.mjs): the outbox survives the full-page trip there and back, and goes only
under the officer it belongs to."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import delete, func, select

from server.auth.models import LoginSession, Officer
from server.core.db import db
from server.records.models import Record
from tests.conftest import start_gunicorn, stop_gunicorn
from tests.e2e.conftest import Phone, fill_entry
from tests.oidc.provider import identity_provider, provider  # noqa: F401  (fixtures)


@pytest.fixture
def provider_server(app, database_url, provider):
    """The app under gunicorn, signing in through the test provider."""
    env = {k: str(v) for k, v in provider.settings().items()}
    proc, base = start_gunicorn(database_url, workers=2, extra_env=env)
    yield base
    stop_gunicorn(proc)


def unsent(page) -> str:
    return page.locator("#unsent-count").get_attribute("data-count")


def records_of(app, shoulder_number: str) -> int:
    with app.app_context():
        try:
            officer = db.session.scalar(select(Officer).where(Officer.shoulder_number == shoulder_number))
            if officer is None:
                return 0
            return db.session.scalar(select(func.count()).select_from(Record).where(Record.officer_id == officer.id))
        finally:
            db.session.remove()


def wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def end_all_sessions(app) -> None:
    """The server forgets every session, as when they expire."""
    with app.app_context():
        db.session.execute(delete(LoginSession))
        db.session.commit()
        db.session.remove()


def sign_in_through_provider(phone: Phone, login: str) -> None:
    page = phone.page
    page.get_by_role("link", name="Sign in with Northamptonshire Police").click()
    page.wait_for_selector("input[name=login]")  # the provider's own sign-in page
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any-password")
    page.click("button[type=submit]")
    # The provider's consent page, the first time this account uses Beatbook.
    page.wait_for_selector("#nav-more, button[type=submit]:has-text('Continue')")
    if page.locator("button[type=submit]:has-text('Continue')").count():
        page.click("button[type=submit]")
    page.wait_for_selector("#nav-more")


def test_the_outbox_survives_signing_in_again_through_the_provider_and_is_never_sent_by_another_officer(
        app, chromium_browser, provider_server, provider, operation):
    hughes = provider.add_account(shoulder_number="PC2601", name="PC Tom Hughes")
    cole = provider.add_account(shoulder_number="PC2602", name="PC Amy Cole")
    phone = Phone(chromium_browser, provider_server)
    try:
        page = phone.page
        phone.goto("/")
        page.wait_for_selector("a.provider-sign-in")
        phone.shot("provider-sign-in")
        sign_in_through_provider(phone, hughes["login"])
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)

        # Offline mid-shift, an entry queued; meanwhile the session expires.
        phone.context.set_offline(True)
        fill_entry(page, "safeguarding_referral", "queued before the session ended")
        assert unsent(page) == "1"
        end_all_sessions(app)
        phone.context.set_offline(False)  # signal back: the app tries to send, and learns the session ended
        page.wait_for_selector("#session-ended")
        assert unsent(page) == "1" and records_of(app, "PC2601") == 0

        # Signed in again through the provider (a full-page trip): the entry goes, once, as theirs.
        page.get_by_role("link", name="Log in").click()
        page.wait_for_selector("a.provider-sign-in")
        sign_in_through_provider(phone, hughes["login"])
        page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=20_000)
        assert records_of(app, "PC2601") == 1

        # Another entry queued, the session ends again, and a colleague signs in on this phone (the
        # provider asks who is signing in, though it remembers Hughes in this browser).
        phone.context.set_offline(True)
        fill_entry(page, "safeguarding_referral", "queued for Hughes only")
        end_all_sessions(app)
        phone.context.set_offline(False)  # signal back: the app tries to send, and learns the session ended
        page.wait_for_selector("#session-ended")
        page.get_by_role("link", name="Log in").click()
        page.wait_for_selector("a.provider-sign-in")
        sign_in_through_provider(phone, cole["login"])
        page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=20_000)
        page.wait_for_timeout(1500)  # the app sends at once after signing in: nothing of Hughes's goes
        assert records_of(app, "PC2602") == 0 and records_of(app, "PC2601") == 1

        # Hughes back on the phone: the entry locked to them goes under their account.
        page.goto(provider_server + "/#/login")
        page.wait_for_selector("a.provider-sign-in")
        sign_in_through_provider(phone, hughes["login"])
        wait_for(lambda: records_of(app, "PC2601") == 2)
        page.wait_for_function("() => document.querySelector('#unsent-count')?.dataset.count === '0'", timeout=20_000)
        assert records_of(app, "PC2602") == 0
        assert not phone.errors, phone.errors
    finally:
        phone.close()
