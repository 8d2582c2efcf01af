"""Security headers on every response: successes, errors, the app shell, the API."""
from __future__ import annotations

import pytest

from tests import factories as f
from tests.security.endpoints import ALL_ROUTES


def assert_security_headers(resp, where, https=False):
    h = resp.headers
    csp = h.get("Content-Security-Policy", "")
    assert csp, where
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "frame-ancestors 'none'" in csp, where
    assert "default-src 'self'" in csp and "object-src 'none'" in csp, where
    assert h.get("X-Content-Type-Options") == "nosniff", where
    assert h.get("X-Frame-Options") == "DENY", where
    assert h.get("Referrer-Policy") == "no-referrer", where
    if https:
        assert h.get("Strict-Transport-Security", "").startswith("max-age=31536000"), where
    else:
        assert "Strict-Transport-Security" not in h, f"{where}: HSTS over plain http"


def test_every_route_answers_with_the_headers(app, officer_client, anon_client, operation):
    rec = f.stop_search(operation.id)
    officer_client.sync(records=[rec])
    for rule, method, _ in ALL_ROUTES:
        url = (rule.replace("<uuid:record_id>", rec["id"]).replace("<int:operation_id>", str(operation.id))
               .replace("<client_path:path>", "records/new").replace("<int:officer_id>", str(officer_client.officer.id)))
        for who, client in (("officer", officer_client), ("anonymous", anon_client)):
            resp = client.http.open(url, method=method, json={} if method != "GET" else None,
                                    headers={"X-CSRF-Token": client.csrf or ""})
            assert_security_headers(resp, f"{method} {rule} as {who} -> {resp.status_code}")
            if rule.startswith("/api/"):
                assert resp.headers.get("Cache-Control") == "no-store", f"{method} {rule}"


@pytest.mark.parametrize("path,method,status", [
    ("/api/nowhere", "GET", 404),
    ("/api/auth/me", "DELETE", 405),
    ("/missing.js", "GET", 404),
])
def test_error_answers_carry_them_too(anon_client, path, method, status):
    resp = anon_client.http.open(path, method=method)
    assert resp.status_code == status
    assert_security_headers(resp, path)


def test_hsts_only_over_https(app, anon_client):
    assert_security_headers(anon_client.http.get("/", base_url="https://beatbook.example"), "https /", https=True)
    assert_security_headers(anon_client.http.get("/api/auth/me", base_url="https://beatbook.example"),
                            "https /api/auth/me", https=True)
    assert_security_headers(anon_client.http.get("/"), "http /")


def test_behind_a_trusted_proxy_forwarded_https_counts(app):
    from server import create_app
    proxied = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "TRUSTED_PROXY_COUNT": 1})
    resp = proxied.test_client().get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "10.9.8.7"})
    assert_security_headers(resp, "proxied https", https=True)
    # Untrusted: the same headers are ignored when no proxy is configured.
    assert_security_headers(app.test_client().get("/", headers={"X-Forwarded-Proto": "https"}), "direct")


def test_api_answers_are_json_never_html(anon_client):
    for path in ("/api/nowhere", "/api/records", "/api/auth/me"):
        resp = anon_client.get(path)
        assert resp.headers["Content-Type"].startswith("application/json"), path
