"""Audit: authentication events and access-control failures are logged as
structured lines (never passwords, cookies, tokens or intelligence text);
record history is append-only and no endpoint alters it."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from server.core.db import db
from server.records.models import AuditEntry
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, ApiClient
from tests.security.conftest import SECRET_TEXT
from tests.security.endpoints import ALL_ROUTES


def events(caplog, name=None):
    out = [r for r in caplog.records if getattr(r, "security_event", None)]
    return [r for r in out if r.security_event == name] if name else out


def test_login_success_failure_and_logout_are_logged(app, make_officer, all_logs):
    officer = make_officer(shoulder_number="PC5501")
    client = ApiClient(app, officer)
    assert client.login("PC5501", "not-the-password-1").status_code == 401
    assert client.login("NOSUCH9", "not-the-password-2").status_code == 401
    assert client.login("PC5501").status_code == 200
    cookie = client.http.get_cookie("beatbook_session").value
    assert client.post("/api/auth/logout").status_code == 200

    failed = events(all_logs, "login_failed")
    assert [r.security_fields["shoulder_number"] for r in failed] == ["PC5501", "NOSUCH9"]
    assert all(r.levelno == logging.WARNING for r in failed)
    ok = events(all_logs, "login")
    assert len(ok) == 1 and ok[0].security_fields["officer"] == str(officer.id)
    assert ok[0].security_fields["addr"] == "127.0.0.1"
    assert len(events(all_logs, "logout")) == 1
    text = all_logs.text
    for secret in ("not-the-password-1", "not-the-password-2", DEMO_PASSWORD, cookie, client.csrf):
        assert secret not in text


def test_a_crafted_shoulder_number_cannot_forge_log_lines(anon_client, all_logs):
    anon_client.post("/api/auth/login", json={"shoulder_number": "X\nsecurity ev", "password": "p"})
    (event,) = events(all_logs, "login_failed")
    assert "\n" not in event.getMessage()


def test_access_control_failures_are_logged(app, officer_client, other_team_client, anon_client, operation,
                                            all_logs):
    rec = f.intelligence_log(operation.id, intelligence_text=SECRET_TEXT)
    officer_client.sync(records=[rec])
    all_logs.clear()
    anon_client.get("/api/records")                                         # not logged in
    officer_client.post(f"/api/records/{rec['id']}/verify")                  # role
    officer_client.post("/api/sync", {"device_id": "p"}, csrf=False)         # CSRF
    other_team_client.get(f"/api/records/{rec['id']}")                      # another team's record
    other_team_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "notes": "x"})
    reasons = [(r.security_fields["reason"], r.security_fields["status"]) for r in events(all_logs, "access_denied")]
    assert reasons == [("not_authenticated", "401"), ("forbidden", "403"), ("csrf_failed", "403"),
                       ("not_visible", "404"), ("not_visible", "404")]
    denied = events(all_logs, "access_denied")
    assert denied[1].security_fields["officer"] == str(officer_client.officer.id)
    assert denied[1].security_fields["endpoint"] == "records.verify_one"
    assert SECRET_TEXT not in all_logs.text
    assert officer_client.csrf not in all_logs.text


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_history_cannot_be_altered(officer_client, operation, method):
    rec = f.arrest(operation.id)
    officer_client.sync(records=[rec])
    resp = officer_client.http.open(f"/api/records/{rec['id']}/history", method=method, json={"entries": []},
                                    headers={"X-CSRF-Token": officer_client.csrf})
    assert resp.status_code == 405
    assert resp.is_json and resp.get_json()["error"]["code"] == "method_not_allowed"
    assert officer_client.get(f"/api/records/{rec['id']}/history").get_json()["entries"][0]["action"] == "create"


def test_no_endpoint_writes_the_audit_trail_directly():
    for rule, method, _ in ALL_ROUTES:
        if "history" in rule or "audit" in rule:
            assert method == "GET", (rule, method)


def test_history_is_append_only_through_every_change(app, officer_client, sergeant_client, operation):
    rec = f.intelligence_log(operation.id, intelligence_text=SECRET_TEXT)
    officer_client.sync(records=[rec])
    url = f"/api/records/{rec['id']}"
    seen = []

    def snapshot():
        with app.app_context():
            rows = db.session.scalars(select(AuditEntry)
                                      .order_by(AuditEntry.id)).all()
            out = [(r.id, r.action, r.version, r.changes, r.comment, r.actor_id) for r in rows]
            db.session.remove()
            return out

    steps = [
        lambda: officer_client.patch(url, {"base_version": 1, "intelligence_text": SECRET_TEXT + " Updated."}),
        lambda: sergeant_client.post(url + "/return", {"comment": "Add the time seen", "base_version": 2}),
        lambda: officer_client.patch(url, {"base_version": 3, "notes": "Seen at 22:10"}),
        lambda: sergeant_client.post(url + "/verify", {"base_version": 4}),
        lambda: sergeant_client.post(url + "/void", {"reason": "Duplicate of an earlier log"}),
        # Attempts to smuggle history in through the record are refused.
        lambda: officer_client.patch(url, {"base_version": 6, "history": []}),
        lambda: officer_client.sync(records=[{**rec, "audit": [], "base_version": 6}]),
    ]
    for step in steps:
        before = snapshot()
        step()
        after = snapshot()
        assert after[:len(before)] == before  # nothing earlier changed or vanished
        seen.append(len(after))
    assert seen == [2, 3, 4, 5, 6, 6, 6]
    actions = [e["action"] for e in officer_client.get(url + "/history").get_json()["entries"]]
    assert actions == ["create", "amend", "return", "amend", "verify", "void"]
