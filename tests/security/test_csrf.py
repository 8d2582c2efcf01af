"""CSRF: every state-changing endpoint refuses a cookie-session request without
the X-CSRF-Token header (403 csrf_failed), and a phone's outbox sent with a
stale token recovers by fetching /api/auth/me and resending, nothing lost."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from server.core.db import db
from server.core.security import ALL_ROLES
from server.records.models import AuditEntry, Record
from tests import factories as f
from tests.security.endpoints import WRITE_ROUTES, collection_app, declared_roles

_APP = collection_app()
ROLE_CLIENT = {"officer": "officer", "sergeant": "sergeant", "inspector": "inspector", "analyst": "analyst",
               "admin": "admin"}


def counts(app):
    with app.app_context():
        out = (db.session.scalar(select(func.count()).select_from(Record)),
               db.session.scalar(select(func.count()).select_from(AuditEntry)),
               db.session.scalar(select(func.coalesce(func.sum(Record.version), 0))))
        db.session.remove()
        return out


@pytest.mark.parametrize("rule,method,endpoint", WRITE_ROUTES, ids=[f"{m} {r}" for r, m, _ in WRITE_ROUTES])
def test_every_state_changing_endpoint_needs_the_token(rule, method, endpoint, app, login_as, operation):
    roles = declared_roles(_APP, endpoint, method)
    if roles is None:
        # Public writes: only login, which sets up the session the token belongs to. A cross-site
        # form cannot send it: the body must be application/json (415 otherwise), which a form cannot post.
        assert rule == "/api/auth/login"
        resp = app.test_client().post(rule, data="shoulder_number=PC1&password=x",
                                      content_type="application/x-www-form-urlencoded")
        assert resp.status_code == 415
        return
    # Someone the role check lets through, so the CSRF check is what answers.
    role = next(r for r in ("officer", "sergeant", "inspector", "admin", "analyst") if r in roles)
    author = login_as("officer")
    rec = f.stop_search(operation.id)
    assert author.sync(records=[rec]).status_code == 200
    actor = author if role == "officer" else login_as(role, team="West Team 2" if role == "sergeant" else None)
    url = (rule.replace("<uuid:record_id>", rec["id"]).replace("<int:operation_id>", str(operation.id))
           .replace("<int:officer_id>", str(author.officer.id)))
    before = counts(app)
    for headers in ({}, {"X-CSRF-Token": "forged-token"}, {"X-CSRF-Token": ""}):
        resp = actor.http.open(url, method=method, json={"reason": "x" * 5, "comment": "x" * 5}, headers=headers)
        assert resp.status_code == 403, (url, headers, resp.get_json())
        err = resp.get_json()["error"]
        assert err["code"] == "csrf_failed"
        assert "/api/auth/me" in err["message"]
        assert "X-CSRF-Token" in err["fields"]
    assert counts(app) == before


def test_the_token_of_another_session_is_refused(officer_client, colleague_client, operation):
    resp = officer_client.sync(records=[f.arrest(operation.id)], headers={"X-CSRF-Token": colleague_client.csrf})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"


def test_get_requests_need_no_token(officer_client):
    assert officer_client.get("/api/auth/me").status_code == 200


def test_a_stale_token_after_re_login_is_refused_then_recovers_with_nothing_lost(app, officer_client, operation):
    # The phone queued entries with the token of its first session...
    queued = [f.stop_search(operation.id), f.intelligence_log(operation.id)]
    stale = officer_client.csrf
    # ...the session ended (idle timeout, logout) and the officer logged in again.
    officer_client.post("/api/auth/logout")
    assert officer_client.login(officer_client.officer.shoulder_number).status_code == 200
    resp = officer_client.sync(records=queued, headers={"X-CSRF-Token": stale})
    assert resp.status_code == 403
    err = resp.get_json()["error"]
    assert err["code"] == "csrf_failed"
    assert err["message"] == "The CSRF token is missing or out of date; fetch /api/auth/me and resend."
    assert counts(app)[0] == 0
    # The app's recovery: fetch the current token, resend the same outbox.
    fresh = officer_client.get("/api/auth/me").get_json()["csrf_token"]
    assert fresh != stale
    resp = officer_client.sync(records=queued, headers={"X-CSRF-Token": fresh})
    assert resp.status_code == 200
    assert [r["status"] for r in resp.get_json()["records"]] == ["created", "created"]
    # Sent again (the answer was lost): still stored once.
    resp = officer_client.sync(records=queued, headers={"X-CSRF-Token": fresh})
    assert [r["status"] for r in resp.get_json()["records"]] == ["unchanged", "unchanged"]
    assert counts(app)[0] == 2


def test_an_expired_session_answers_401_not_csrf(app, officer_client, operation):
    """Session gone: 401 tells the app to log in again (then fetch the token), not just refetch it."""
    officer_client.post("/api/auth/logout")
    resp = officer_client.sync(records=[f.arrest(operation.id)])
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "not_authenticated"


def test_all_roles_constant_covers_every_role():
    assert set(ROLE_CLIENT) == set(ALL_ROLES)
