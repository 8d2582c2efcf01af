"""A session idle for over a minute: its next request records when it was seen.
On SQLite that must not wait on the write lock its own request already holds."""
import time
from datetime import timedelta

from sqlalchemy import select

from server.auth.models import LoginSession
from server.core.db import db
from tests import factories as f


def _age_session(app, officer_id, **delta):
    with app.app_context():
        ls = db.session.scalars(select(LoginSession).where(LoginSession.officer_id == officer_id)).one()
        ls.last_seen_at = ls.last_seen_at - timedelta(**delta)
        db.session.commit()
        return ls.id, ls.last_seen_at


def _session(app, session_id):
    with app.app_context():
        return db.session.get(LoginSession, session_id)


def test_a_write_after_a_minute_idle_answers_at_once_and_marks_the_session_seen(app, officer_client, operation):
    sid, aged = _age_session(app, officer_client.officer.id, minutes=2)
    t0 = time.monotonic()
    resp = officer_client.sync(records=[f.stop_search(operation.id)])
    assert resp.status_code == 200, resp.get_json()
    assert time.monotonic() - t0 < 10
    assert resp.get_json()["records"][0]["status"] == "created"
    assert _session(app, sid).last_seen_at > aged


def test_a_read_after_a_minute_idle_marks_the_session_seen(app, officer_client):
    sid, aged = _age_session(app, officer_client.officer.id, minutes=2)
    assert officer_client.get("/api/auth/me").status_code == 200
    assert _session(app, sid).last_seen_at > aged


def test_a_write_on_a_session_idle_too_long_is_401_and_ends_it(app, officer_client, operation):
    sid, _ = _age_session(app, officer_client.officer.id, hours=5)
    t0 = time.monotonic()
    resp = officer_client.sync(records=[f.stop_search(operation.id)])
    assert time.monotonic() - t0 < 10
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "not_authenticated"
    assert _session(app, sid).ended_at is not None
