"""The test identity provider (tests/oidc/provider.mjs, the npm registry's oidc-provider) and a
person signing in through it: real HTTP to the provider, its own login and consent forms."""
from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "beatbook"
OTHER_CLIENT_ID = "another-app"
CLIENT_SECRET = "beatbook-test-client-secret-0123456789"
TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
OTHER_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ROLE_MAP = "Beatbook.Admin=admin,Beatbook.Inspector=inspector,Beatbook.Sergeant=sergeant,Beatbook.Officer=officer"


class IdentityProvider:
    def __init__(self, issuer: str):
        self.issuer = issuer

    def add_account(self, login: str | None = None, *, roles=("Beatbook.Officer",), tid: str = TENANT,
                    shoulder_number: str | None = "PC2201", name: str = "PC Tom Hughes", oid: str | None = None,
                    **extra) -> dict:
        """An account as Entra ID describes it; `login` is what is typed into the provider's form."""
        claims = {"tid": tid, "oid": oid or str(uuid.uuid4()), "roles": list(roles), "name": name, **extra}
        if shoulder_number:
            claims["shoulder_number"] = shoulder_number
        login = login or f"user-{uuid.uuid4().hex[:8]}"
        resp = requests.put(f"{self.issuer}/_test/accounts/{login}", data=json.dumps(claims), timeout=5)
        assert resp.status_code == 204, resp.text
        return {"login": login, **claims}

    def token_signer(self, which: str) -> None:
        resp = requests.put(f"{self.issuer}/_test/token-signer", data=which, timeout=5)
        assert resp.status_code == 204, resp.text

    def settings(self, **overrides) -> dict:
        """The app's settings for this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET,
                "OIDC_TENANT_ID": TENANT, "OIDC_ROLE_MAP": ROLE_MAP, "OIDC_LINK_CLAIM": "shoulder_number",
                "OIDC_PROVIDER_NAME": "Northamptonshire Police", "OIDC_CLOCK_SKEW_SECONDS": 0, **overrides}


def _start_provider() -> tuple[subprocess.Popen, str]:
    node = shutil.which("node")
    if not node:
        pytest.fail("Node.js is missing: the sign-in tests run the npm registry's oidc-provider.", pytrace=False)
    if not (HERE / "node_modules" / "oidc-provider").exists():
        pytest.fail("oidc-provider is not installed: run `npm ci` in tests/oidc (make test does).", pytrace=False)
    proc = subprocess.Popen([node, str(HERE / "provider.mjs")], cwd=HERE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env={"PATH": "/usr/bin:/bin", "CLIENT_SECRET": CLIENT_SECRET})
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        pytest.fail("The test identity provider did not start (node tests/oidc/provider.mjs).", pytrace=False)
    return proc, json.loads(line)["issuer"]


@pytest.fixture(scope="session")
def identity_provider():
    """One provider process for the whole run, on a free loopback port."""
    proc, issuer = _start_provider()
    try:
        yield IdentityProvider(issuer)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def provider(identity_provider):
    identity_provider.token_signer("main")
    yield identity_provider
    identity_provider.token_signer("main")


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def sign_in_at_provider(authorize_url: str, login: str, *, browser: requests.Session | None = None) -> str:
    """Open the provider's authorization URL like a browser, fill in its login form, press its
    consent button; the URL it sends the browser back to (the app's callback, not followed)."""
    browser = browser or requests.Session()
    url = authorize_url
    for _ in range(12):
        resp = browser.get(url, allow_redirects=False, timeout=10)
        while resp.is_redirect:
            url = urljoin(url, resp.headers["Location"])
            if "/api/auth/provider/callback" in url:
                return url
            resp = browser.get(url, allow_redirects=False, timeout=10)
        assert resp.status_code == 200, resp.text[:2000]
        parser = _Forms()
        parser.feed(resp.text)
        assert parser.forms, resp.text[:2000]
        form = parser.forms[0]
        fields = dict(form["fields"])
        if fields.get("prompt") == "login":
            fields.update(login=login, password="any-password")
        resp = browser.post(urljoin(url, form["action"]), data=fields, allow_redirects=False, timeout=10)
        assert resp.is_redirect, resp.text[:2000]
        url = urljoin(url, resp.headers["Location"])
        if "/api/auth/provider/callback" in url:
            return url
    raise AssertionError("the provider never sent the browser back to the app")


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
