"""Behind nginx: X-Forwarded-* trusted only with TRUSTED_PROXY_COUNT; the Origin check."""
from __future__ import annotations

import logging

from tests.conftest import ApiClient

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "beatbook.example"}


def _remote_addr(caplog):
    return [r.remote_addr for r in caplog.records if r.name == "beatbook.request"][-1]


def test_with_a_trusted_proxy_the_client_address_and_https_come_from_nginx(make_app, caplog):
    caplog.set_level(logging.INFO, logger="beatbook.request")
    client = make_app(TRUSTED_PROXY_COUNT=1).test_client()
    resp = client.get("/api/auth/me", headers=FORWARDED)
    assert resp.status_code == 401
    assert _remote_addr(caplog) == "203.0.113.7"
    assert "Strict-Transport-Security" in resp.headers  # request.is_secure
    # A client cannot add hops: with one trusted proxy only nginx's (last) entry counts.
    client.get("/api/auth/me", headers={**FORWARDED, "X-Forwarded-For": "1.1.1.1, 203.0.113.8"})
    assert _remote_addr(caplog) == "203.0.113.8"


def test_without_trusted_proxies_forwarded_headers_are_ignored(make_app, caplog):
    caplog.set_level(logging.INFO, logger="beatbook.request")
    client = make_app().test_client()
    resp = client.get("/api/auth/me", headers=FORWARDED)
    assert _remote_addr(caplog) == "127.0.0.1"
    assert "Strict-Transport-Security" not in resp.headers


def test_metrics_through_a_trusted_proxy_are_not_local(make_app):
    client = make_app(TRUSTED_PROXY_COUNT=1).test_client()
    assert client.get("/metrics", headers=FORWARDED).status_code == 403
    assert client.get("/metrics").status_code == 200


def test_writes_from_an_origin_not_allowed_are_refused(make_app, make_officer):
    app = make_app(ALLOWED_ORIGINS="https://beatbook.example, https://beatbook-dr.example")
    officer = make_officer(shoulder_number="PC7101")
    client = ApiClient(app, officer)
    creds = {"shoulder_number": "PC7101", "password": "correct-horse-battery"}
    resp = client.http.post("/api/auth/login", json=creds, headers={"Origin": "https://evil.example"})
    assert resp.status_code == 403
    err = resp.get_json()["error"]
    assert err["code"] == "origin_not_allowed" and "Origin" in err["fields"]
    assert client.http.post("/api/auth/login", json=creds, headers={"Origin": "https://Beatbook-DR.example"}).status_code == 200
    assert client.http.post("/api/auth/login", json=creds).status_code == 200  # no Origin: CSRF token rules
    # Reads are not affected.
    assert client.http.get("/api/auth/me", headers={"Origin": "https://evil.example"}).status_code == 200


def test_without_allowed_origins_nothing_is_checked(make_app, make_officer):
    app = make_app()
    make_officer(shoulder_number="PC7102")
    resp = app.test_client().post("/api/auth/login", json={"shoulder_number": "PC7102", "password": "correct-horse-battery"},
                                  headers={"Origin": "https://evil.example"})
    assert resp.status_code == 200
