"""Sessions: renewed at login, dead after logout, idle and absolute timeouts,
cookie flags (Secure outside development/testing)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from server import create_app
from server.auth.models import LoginSession
from server.core.db import db, utcnow
from tests.conftest import DEMO_PASSWORD, ApiClient

COOKIE = "beatbook_session"


def session_cookie(client: ApiClient):
    cookie = client.http.get_cookie(COOKIE)
    return cookie.value if cookie else None


def set_cookie_header(resp) -> str:
    headers = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "=")]
    assert len(headers) == 1, resp.headers.getlist("Set-Cookie")
    return headers[0]


def sessions_of(app, officer_id):
    with app.app_context():
        return db.session.scalars(select(LoginSession).where(LoginSession.officer_id == officer_id)
                                  .order_by(LoginSession.created_at)).all()


def test_login_issues_a_new_session_id_every_time(app, make_officer):
    officer = make_officer()
    client = ApiClient(app, officer)
    # A cookie planted before login (session fixation) is replaced, not adopted.
    client.http.set_cookie(COOKIE, "planted-by-an-attacker")
    assert client.login(officer.shoulder_number).status_code == 200
    first = session_cookie(client)
    assert first and first != "planted-by-an-attacker"
    token1 = client.csrf
    assert client.login(officer.shoulder_number).status_code == 200
    second = session_cookie(client)
    assert second != first
    assert client.csrf != token1
    rows = sessions_of(app, officer.id)
    assert len(rows) == 2 and rows[0].id != rows[1].id
    # The cookie names the newest server-side session row (revocable), not the officer.
    data = app.session_interface.get_signing_serializer(app).loads(second)
    assert data["_user_id"] == rows[1].id


def test_logout_kills_the_old_cookie_server_side(app, officer_client):
    old = session_cookie(officer_client)
    assert officer_client.get("/api/auth/me").status_code == 200
    resp = officer_client.post("/api/auth/logout")
    assert resp.status_code == 200 and resp.get_json() == {"logged_out": True}
    assert officer_client.get("/api/auth/me").status_code == 401
    # Someone who copied the cookie before logout cannot use it afterwards.
    thief = app.test_client()
    thief.set_cookie(COOKIE, old)
    resp = thief.get("/api/auth/me")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "not_authenticated"
    rows = sessions_of(app, officer_client.officer.id)
    assert all(r.ended_at is not None for r in rows)


def _age_session(app, officer_id, **delta):
    with app.app_context():
        with db.engine.begin() as conn:
            values = {}
            if "idle" in delta:
                values["last_seen_at"] = utcnow() - delta["idle"]
            if "age" in delta:
                values["created_at"] = utcnow() - delta["age"]
            conn.execute(update(LoginSession).where(LoginSession.officer_id == officer_id).values(**values))


def test_idle_timeout(app, officer_client):
    idle = app.config["SESSION_IDLE_MINUTES"]
    assert idle == 240  # a long job with no signal, not a whole shift
    _age_session(app, officer_client.officer.id, idle=timedelta(minutes=idle - 1))
    assert officer_client.get("/api/auth/me").status_code == 200  # and that use resets the idle clock
    _age_session(app, officer_client.officer.id, idle=timedelta(minutes=idle - 1))
    assert officer_client.get("/api/auth/me").status_code == 200
    _age_session(app, officer_client.officer.id, idle=timedelta(minutes=idle + 1))
    resp = officer_client.get("/api/auth/me")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "not_authenticated"
    # Ended for good: it does not come back when the clock is wound forward again.
    _age_session(app, officer_client.officer.id, idle=timedelta(minutes=0))
    assert officer_client.get("/api/auth/me").status_code == 401


def test_use_moves_the_idle_clock(app, officer_client):
    idle = app.config["SESSION_IDLE_MINUTES"]
    _age_session(app, officer_client.officer.id, idle=timedelta(minutes=idle - 5))
    assert officer_client.get("/api/auth/me").status_code == 200
    row = sessions_of(app, officer_client.officer.id)[0]
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_absolute_timeout_even_when_active(app, officer_client):
    absolute = app.config["SESSION_ABSOLUTE_MINUTES"]
    assert absolute == 720  # never longer than a long shift
    _age_session(app, officer_client.officer.id, age=timedelta(minutes=absolute - 1), idle=timedelta(0))
    assert officer_client.get("/api/auth/me").status_code == 200
    _age_session(app, officer_client.officer.id, age=timedelta(minutes=absolute + 1), idle=timedelta(0))
    assert officer_client.get("/api/auth/me").status_code == 401


def test_timeouts_are_configurable(app, make_officer):
    short = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                        "SECRET_KEY": app.config["SECRET_KEY"], "SESSION_IDLE_MINUTES": 5,
                        "SESSION_ABSOLUTE_MINUTES": 30})
    officer = make_officer()
    client = ApiClient(short, officer)
    assert client.login(officer.shoulder_number).status_code == 200
    _age_session(app, officer.id, idle=timedelta(minutes=6))
    assert client.get("/api/auth/me").status_code == 401


def test_a_deactivated_officer_is_logged_out_at_once(app, officer_client):
    from server.auth.models import Officer
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(update(Officer).where(Officer.id == officer_client.officer.id).values(active=False))
    assert officer_client.get("/api/auth/me").status_code == 401
    assert officer_client.login(officer_client.officer.shoulder_number).status_code == 401


def test_cookie_flags_in_testing(app, make_officer):
    officer = make_officer()
    resp = app.test_client().post("/api/auth/login", json={"shoulder_number": officer.shoulder_number,
                                                            "password": DEMO_PASSWORD})
    header = set_cookie_header(resp)
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain http on 127.0.0.1 in development and tests


def test_cookie_is_secure_outside_development(app, make_officer):
    # Production's own config file turns Secure on; building a production app needs
    # PostgreSQL and Redis URLs (not contacted here).
    prod = create_app({"BEATBOOK_ENV": "production", "SECRET_KEY": "p" * 48,
                       "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
                       "REDIS_URL": "redis://127.0.0.1:1/0", "ALLOWED_ORIGINS": "https://beatbook.example"})
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_HTTPONLY"] is True
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    # The same settings on our test database: the cookie really carries the flags.
    like_prod = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                            "SECRET_KEY": app.config["SECRET_KEY"], "SESSION_COOKIE_SECURE": True})
    officer = make_officer()
    http = like_prod.test_client()
    resp = http.post("/api/auth/login", base_url="https://beatbook.example",
                     json={"shoulder_number": officer.shoulder_number, "password": DEMO_PASSWORD})
    header = set_cookie_header(resp)
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=")
    assert http.get("/api/auth/me", base_url="https://beatbook.example").status_code == 200


def test_the_session_cookie_is_not_readable_by_the_page_and_not_in_the_body(app, make_officer):
    officer = make_officer()
    resp = app.test_client().post("/api/auth/login", json={"shoulder_number": officer.shoulder_number,
                                                            "password": DEMO_PASSWORD})
    cookie_value = set_cookie_header(resp).split(";")[0].split("=", 1)[1]
    assert cookie_value not in resp.get_data(as_text=True)
    assert DEMO_PASSWORD not in resp.get_data(as_text=True)
