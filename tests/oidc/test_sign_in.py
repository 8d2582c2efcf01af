"""Sign-in through the force's identity provider, against a real OpenID Connect provider
(tests/oidc/provider.mjs): the browser's side is real HTTP to the provider (its login and
consent forms), the app answers through its test client, and the app's back channel (code
exchange, discovery, JWKS) is real HTTP to the provider."""
from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from urllib.parse import urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select, update

from server import create_app
from server.auth import oidc
from server.auth.models import Officer
from server.config import ConfigError
from server.core.db import db

from tests.conftest import officer_factory

from .provider import CLIENT_SECRET, OTHER_CLIENT_ID, OTHER_TENANT, query, sign_in_at_provider

APP_BASE = "http://127.0.0.1"  # the provider's client allows loopback callbacks on any port
SECRET_KEY = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def make_officer(app):
    return officer_factory(app, cheap=True)


@pytest.fixture
def make_app(app, database_url, provider):
    """An app (on the suite's database) signing in through the test provider, with these settings."""
    def make(**overrides):
        return create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                           **provider.settings(**overrides)})
    return make


class Browser:
    """One browser: the app's cookies (its test client) and the provider's (a requests session)."""

    def __init__(self, app):
        self.app = app
        self.http = app.test_client()
        self.at_provider = requests.Session()

    def start(self) -> str:
        resp = self.http.get(APP_BASE + "/api/auth/provider/start")
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return resp.headers["Location"]

    def come_back(self, callback_url: str, accept: str = "application/json"):
        parts = urlsplit(callback_url)
        return self.http.get(f"{APP_BASE}{parts.path}?{parts.query}", headers={"Accept": accept})

    def sign_in(self, login: str, edit_authorize=None):
        """The whole round trip; the app's answer to the provider's redirect back."""
        authorize = self.start()
        if edit_authorize:
            authorize = edit_authorize(authorize)
        return self.come_back(sign_in_at_provider(authorize, login, browser=self.at_provider))

    def me(self):
        return self.http.get(APP_BASE + "/api/auth/me")


def signed_in(resp, browser) -> dict:
    assert resp.status_code == 302, resp.get_json()
    assert resp.headers["Location"] == "/#/signed-in"
    me = browser.me()
    assert me.status_code == 200, me.get_json()
    return me.get_json()


def refused(resp, status: int, reason: str, browser=None):
    assert resp.status_code == status, resp.get_data(as_text=True)
    body = resp.get_json()["error"]
    assert body["code"] == "sign_in_refused" and body["reason"] == reason, body
    if browser is not None:
        assert browser.me().status_code == 401
    return body


def stored(app, **where) -> Officer | None:
    with app.app_context():
        officer = db.session.scalar(select(Officer).filter_by(**where))
        if officer is not None:
            db.session.expunge(officer)
        return officer


def replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    params = query(url)
    params[name] = value
    return parts._replace(query=urlencode(params)).geturl()


# ---- signing in -------------------------------------------------------------------------

def test_a_first_sign_in_creates_the_officer_under_the_providers_stable_id(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="pc2401", name="PC Jo Bloggs", roles=["Beatbook.Officer"])
    browser = Browser(app)
    me = signed_in(browser.sign_in(account["login"]), browser)
    assert me["officer"]["shoulder_number"] == "PC2401"
    assert me["officer"]["display_name"] == "PC Jo Bloggs"
    assert me["officer"]["role"] == "officer"
    assert me["csrf_token"]
    officer = stored(app, shoulder_number="PC2401")
    assert officer.provider_object_id == account["oid"]
    # No password was ever set: shoulder number and any password is refused.
    resp = app.test_client().post("/api/auth/login", json={"shoulder_number": "PC2401", "password": "!no-local-password"})
    assert resp.status_code == 401
    # The next sign-in finds the same officer by oid, even when the shoulder number claim changes.
    provider.add_account(account["login"], oid=account["oid"], shoulder_number="PC9999", roles=["Beatbook.Officer"])
    again = Browser(app)
    assert signed_in(again.sign_in(account["login"]), again)["officer"]["id"] == me["officer"]["id"]


def test_a_first_sign_in_links_the_officer_already_there_by_shoulder_number(make_app, provider, make_officer):
    app = make_app()
    existing = make_officer(role="sergeant", team="West Team 2", shoulder_number="PS1401")
    account = provider.add_account(shoulder_number="PS1401", roles=["Beatbook.Sergeant"])
    browser = Browser(app)
    me = signed_in(browser.sign_in(account["login"]), browser)
    assert me["officer"]["id"] == existing.id
    assert me["officer"]["team"] == "West Team 2"  # the team the admin assigned is kept
    assert stored(app, id=existing.id).provider_object_id == account["oid"]
    # Another provider account claiming the same shoulder number does not take it over.
    impostor = provider.add_account(shoulder_number="PS1401", roles=["Beatbook.Sergeant"])
    other = Browser(app)
    refused(other.sign_in(impostor["login"]), 403, "linked_elsewhere", other)


def test_the_team_comes_from_the_team_claim_when_one_is_configured(make_app, provider, make_officer):
    app = make_app(OIDC_TEAM_CLAIM="team")
    make_officer(role="officer", team="West Team 2", shoulder_number="PC2201")
    account = provider.add_account(shoulder_number="PC2201", team="West Team 3")
    browser = Browser(app)
    assert signed_in(browser.sign_in(account["login"]), browser)["officer"]["team"] == "West Team 3"


def test_a_role_changed_or_removed_at_the_provider_takes_effect_at_the_next_sign_in(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PS1501", roles=["Beatbook.Sergeant", "Beatbook.Officer"])
    first = Browser(app)
    assert signed_in(first.sign_in(account["login"]), first)["officer"]["role"] == "sergeant"

    provider.add_account(account["login"], oid=account["oid"], shoulder_number="PS1501", roles=["Beatbook.Officer"])
    second = Browser(app)
    assert signed_in(second.sign_in(account["login"]), second)["officer"]["role"] == "officer"

    provider.add_account(account["login"], oid=account["oid"], shoulder_number="PS1501", roles=["Another.App.Role"])
    third = Browser(app)
    refused(third.sign_in(account["login"]), 403, "no_role", third)
    assert stored(app, shoulder_number="PS1501").role == "officer"


def test_an_account_with_no_mapped_role_is_never_created(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2402", roles=[])
    browser = Browser(app)
    refused(browser.sign_in(account["login"]), 403, "no_role", browser)
    assert stored(app, shoulder_number="PC2402") is None


def test_a_deactivated_officer_is_refused_with_a_valid_token(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2403")
    browser = Browser(app)
    signed_in(browser.sign_in(account["login"]), browser)
    with app.app_context():
        db.session.execute(update(Officer).where(Officer.shoulder_number == "PC2403").values(active=False))
        db.session.commit()
    again = Browser(app)
    page = again.sign_in(account["login"])
    refused(page, 403, "deactivated", again)


def test_an_account_of_another_tenant_is_refused(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2404", tid=OTHER_TENANT)
    browser = Browser(app)
    refused(browser.sign_in(account["login"]), 403, "tenant", browser)
    assert stored(app, shoulder_number="PC2404") is None


def test_a_refusal_is_a_page_for_the_browser_and_a_security_log_line_without_the_code(make_app, provider, caplog):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2405", tid=OTHER_TENANT)
    browser = Browser(app)
    callback = sign_in_at_provider(browser.start(), account["login"], browser=browser.at_provider)
    with caplog.at_level(logging.INFO):
        page = browser.come_back(callback, accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 403
    assert page.headers["Content-Type"].startswith("text/html")
    text = page.get_data(as_text=True)
    assert "another organisation" in text and 'href="/"' in text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "event=login_failed" in logged and "reason=tenant" in logged
    assert query(callback)["code"] not in logged and account["oid"] not in logged


# ---- what the app checks in the exchange and the ID token --------------------------------

def test_an_id_token_from_another_issuer_is_refused(make_app, provider):
    # The same provider reached by another name: its tokens say they come from 127.0.0.1.
    port = urlsplit(provider.issuer).port
    app = make_app(OIDC_ISSUER=f"http://localhost:{port}")
    account = provider.add_account(shoulder_number="PC2406")
    browser = Browser(app)
    refused(browser.sign_in(account["login"]), 400, "id_token_issuer", browser)


@pytest.mark.parametrize("signer,reason,number", [
    ("impostor", "id_token_signature", "PC2407"),  # signed with a key not in the issuer's JWKS
    ("short-lived", "id_token_expired", "PC2408"),  # expired by the time the app checks it
], ids=["signed_with_a_key_not_in_the_issuers_jwks", "expired"])
def test_an_id_token_the_issuer_did_not_sign_or_that_has_expired_is_refused(make_app, provider, signer, reason,
                                                                              number):
    app = make_app()
    account = provider.add_account(shoulder_number=number)
    provider.token_signer(signer)
    browser = Browser(app)
    refused(browser.sign_in(account["login"]), 400, reason, browser)
    assert stored(app, shoulder_number=number) is None


def test_an_id_token_with_another_nonce_is_refused(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2409")
    browser = Browser(app)
    resp = browser.sign_in(account["login"], edit_authorize=lambda url: replace_param(url, "nonce", "not-this-sign-ins"))
    refused(resp, 400, "id_token_nonce", browser)


def test_a_code_issued_to_another_app_is_refused(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2410")
    browser = Browser(app)
    resp = browser.sign_in(account["login"], edit_authorize=lambda url: replace_param(url, "client_id", OTHER_CLIENT_ID))
    refused(resp, 400, "token_invalid_grant", browser)


def test_an_id_token_for_another_audience_is_refused(make_app, provider):
    """A genuine ID token the provider issued to another app of the force."""
    app = make_app()
    account = provider.add_account(shoulder_number="PC2411")
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = f"{APP_BASE}/api/auth/provider/callback"
    authorize = f"{provider.issuer}/auth?" + urlencode({
        "client_id": OTHER_CLIENT_ID, "response_type": "code", "scope": "openid profile", "state": "s",
        "nonce": nonce, "redirect_uri": redirect_uri, "code_challenge": challenge, "code_challenge_method": "S256"})
    code = query(sign_in_at_provider(authorize, account["login"]))["code"]
    token = requests.post(f"{provider.issuer}/token", auth=(OTHER_CLIENT_ID, CLIENT_SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
        "code_verifier": verifier}).json()
    assert token.get("id_token"), token
    with app.test_request_context():
        with pytest.raises(oidc.SignInRefused) as raised:
            oidc.verified_claims(token, nonce)
    assert raised.value.reason == "id_token_audience"


def test_a_code_is_used_once(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2412")
    browser = Browser(app)
    callback = sign_in_at_provider(browser.start(), account["login"], browser=browser.at_provider)
    signed_in(browser.come_back(callback), browser)
    # The same answer again: its state was used up.
    refused(browser.come_back(callback), 400, "state")
    # The old code under a fresh sign-in's state: the provider will not exchange it twice.
    fresh = query(browser.start())["state"]
    refused(browser.come_back(replace_param(callback, "state", fresh)), 400, "token_invalid_grant")


def test_a_callback_without_this_browsers_state_is_refused(make_app, provider):
    app = make_app()
    account = provider.add_account(shoulder_number="PC2413")
    attacker, victim = Browser(app), Browser(app)
    callback = sign_in_at_provider(attacker.start(), account["login"], browser=attacker.at_provider)
    victim.start()
    # A sign-in started in another browser, delivered to this one (login CSRF): refused.
    refused(victim.come_back(callback), 400, "state", victim)
    params = query(callback)
    refused(attacker.come_back(f"{APP_BASE}/api/auth/provider/callback?code={params['code']}"), 400, "state", attacker)
    assert stored(app, shoulder_number="PC2413") is None


def test_the_providers_own_refusal_is_passed_on(make_app, provider):
    browser = Browser(make_app())
    state = query(browser.start())["state"]
    resp = browser.come_back(f"{APP_BASE}/api/auth/provider/callback?error=access_denied&state={state}")
    refused(resp, 403, "provider_access_denied", browser)


# ---- settings ---------------------------------------------------------------------------

def test_the_sign_in_options_say_what_is_on(make_app, anon_client):
    options = anon_client.get("/api/auth/options").get_json()
    assert options == {"local_passwords": True, "identity_provider": None}
    assert anon_client.get("/api/auth/provider/start").status_code == 404
    app = make_app()
    options = app.test_client().get("/api/auth/options").get_json()
    assert options == {"local_passwords": True, "identity_provider": {
        "name": "Northamptonshire Police", "start_url": "/api/auth/provider/start"}}


def test_local_passwords_off_refuses_password_login_but_not_the_provider(make_app, provider, make_officer):
    app = make_app(LOCAL_PASSWORDS=False)
    officer = make_officer(shoulder_number="PC2414")
    resp = app.test_client().post("/api/auth/login", json={"shoulder_number": officer.shoulder_number,
                                                           "password": "correct-horse-battery"})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["code"] == "local_passwords_off"
    assert app.test_client().get("/api/auth/options").get_json()["local_passwords"] is False
    account = provider.add_account(shoulder_number="PC2414")
    browser = Browser(app)
    assert signed_in(browser.sign_in(account["login"]), browser)["officer"]["id"] == officer.id


@pytest.mark.parametrize("settings,message", [
    ({"LOCAL_PASSWORDS": False}, "LOCAL_PASSWORDS is off but no OIDC_ISSUER"),
    ({"OIDC_ISSUER": "https://login.example/t/v2.0", "OIDC_CLIENT_ID": "beatbook", "OIDC_ROLE_MAP": "A=officer"},
     "OIDC_CLIENT_SECRET is required"),
    ({"OIDC_ISSUER": "https://login.example/t/v2.0", "OIDC_CLIENT_ID": "b", "OIDC_CLIENT_SECRET": "s"},
     "OIDC_ROLE_MAP is required"),
    ({"OIDC_ISSUER": "https://login.example/t/v2.0", "OIDC_CLIENT_ID": "b", "OIDC_CLIENT_SECRET": "s",
      "OIDC_ROLE_MAP": "Beatbook.Officer=constable"}, "OIDC_ROLE_MAP: 'Beatbook.Officer' maps to 'constable'"),
    ({"OIDC_ISSUER": "http://login.example/t/v2.0"}, "OIDC_ISSUER must be https://"),
    ({"OIDC_ISSUER": "login.example"}, "OIDC_ISSUER must be the provider's issuer URL"),
])
def test_bad_identity_provider_settings_are_refused_at_start(settings, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": "sqlite:///:memory:", "SECRET_KEY": SECRET_KEY,
                    **settings})


def test_production_needs_the_tenant_when_the_provider_is_on(monkeypatch):
    from server.config import validate_identity_provider
    settings = {"OIDC_ISSUER": "https://login.example/t/v2.0", "OIDC_CLIENT_ID": "b", "OIDC_CLIENT_SECRET": "s",
                "OIDC_ROLE_MAP": "Beatbook.Officer=officer", "OIDC_CLOCK_SKEW_SECONDS": 60, "LOCAL_PASSWORDS": True}
    with pytest.raises(ConfigError, match="OIDC_TENANT_ID is required in production"):
        validate_identity_provider(dict(settings), "production")
    validate_identity_provider(dict(settings, OIDC_TENANT_ID="t"), "production")


def test_what_the_provider_changes_is_in_the_administrative_audit_trail_and_the_team_history(
        make_app, provider, make_officer):
    from server.admin.models import AdminAuditEntry, TeamMembership
    from server.auth.models import Officer
    from server.core.db import db
    from sqlalchemy import select

    app = make_app(OIDC_TEAM_CLAIM="team")
    make_officer(role="officer", team="West Team 2", shoulder_number="PC2201")
    account = provider.add_account(shoulder_number="PC2201", team="East Team 9", roles=["Beatbook.Sergeant"])
    browser = Browser(app)
    signed_in(browser.sign_in(account["login"]), browser)
    with app.app_context():
        officer = db.session.scalar(select(Officer).where(Officer.shoulder_number == "PC2201"))
        assert (officer.role, officer.team) == ("sergeant", "East Team 9")
        entries = db.session.scalars(select(AdminAuditEntry).where(AdminAuditEntry.officer_id == officer.id)
                                     .order_by(AdminAuditEntry.id)).all()
        assert [e.action for e in entries][-1] == "officer_changed_at_sign_in"
        assert entries[-1].actor_id == officer.id
        assert (entries[-1].before["role"], entries[-1].after["role"]) == ("officer", "sergeant")
        assert (entries[-1].before["team"], entries[-1].after["team"]) == ("West Team 2", "East Team 9")
        teams = db.session.scalars(select(TeamMembership.team).where(TeamMembership.officer_id == officer.id,
                                                                     TeamMembership.ends_on.is_(None))).all()
        assert teams == ["East Team 9"]
