"""The session cookie is set at login (lasting as long as the absolute timeout) and cleared at
logout; ordinary requests do not re-sign and re-send it (the server-side session enforces
the timeouts: tests/security/test_sessions.py)."""
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from tests.conftest import ApiClient

COOKIE = "beatbook_session"


def _session_set_cookies(resp):
    return [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]


def test_cookie_lasts_as_long_as_the_absolute_timeout(app, make_officer):
    officer = make_officer()
    client = ApiClient(app, officer)
    before = datetime.now(timezone.utc)
    resp = client.login(officer.shoulder_number)
    assert resp.status_code == 200
    [header] = _session_set_cookies(resp)
    expires = next(p.split("=", 1)[1] for p in header.split("; ") if p.lower().startswith("expires="))
    lifetime = parsedate_to_datetime(expires) - before
    absolute = timedelta(minutes=app.config["SESSION_ABSOLUTE_MINUTES"])
    assert absolute - timedelta(minutes=1) <= lifetime <= absolute + timedelta(minutes=1)


def test_requests_do_not_resend_the_cookie_and_logout_clears_it(app, officer_client, operation):
    from tests import factories as f
    for resp in (officer_client.get("/api/auth/me"), officer_client.sync(records=[f.arrest(operation.id)]),
                 officer_client.get(f"/api/operations/{operation.id}/tally")):
        assert resp.status_code == 200
        assert _session_set_cookies(resp) == []
    resp = officer_client.post("/api/auth/logout", {})
    assert resp.status_code == 200 and resp.get_json() == {"logged_out": True}
    [header] = _session_set_cookies(resp)
    assert header.startswith(COOKIE + "=;")
    assert officer_client.get("/api/auth/me").status_code == 401
