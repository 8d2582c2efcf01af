"""The idle timeout holds for any configured length: a session used regularly stays alive, one left
idle longer than the timeout is refused. last_seen is written at most once per tenth of the timeout
(at most once a minute), so with a one-minute timeout a session used every 15 s was refused at 60 s."""
from __future__ import annotations

from datetime import timedelta

import pytest

from server import create_app
from server.auth import sessions
from server.core.db import utcnow
from tests.conftest import ApiClient


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr(sessions, "utcnow", c)
    return c


def short_idle_app(app, minutes):
    return create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                       "SECRET_KEY": app.config["SECRET_KEY"], "SESSION_IDLE_MINUTES": minutes})


@pytest.mark.parametrize("minutes,every_seconds", [(1, 15), (1, 50), (0.5, 20), (10, 500), (240, 3000)])
def test_a_session_used_regularly_stays_alive(app, make_officer, clock, minutes, every_seconds):
    short = short_idle_app(app, minutes)
    officer = make_officer()
    client = ApiClient(short, officer)
    assert client.login(officer.shoulder_number).status_code == 200
    for _ in range(12):
        clock.advance(seconds=every_seconds)
        assert client.get("/api/auth/me").status_code == 200, clock.now


@pytest.mark.parametrize("minutes", [1, 0.5, 10])
def test_a_session_idle_longer_than_the_timeout_is_refused(app, make_officer, clock, minutes):
    short = short_idle_app(app, minutes)
    officer = make_officer()
    client = ApiClient(short, officer)
    assert client.login(officer.shoulder_number).status_code == 200
    for _ in range(3):
        clock.advance(seconds=minutes * 60 * 0.8)
        assert client.get("/api/auth/me").status_code == 200
    clock.advance(seconds=minutes * 60 + 1)
    resp = client.get("/api/auth/me")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "not_authenticated"
    clock.advance(seconds=1)
    assert client.get("/api/auth/me").status_code == 401  # ended, not just late


def test_last_seen_is_not_written_on_every_request(app):
    assert sessions.last_seen_granularity(timedelta(hours=4)) == timedelta(minutes=1)
    assert sessions.last_seen_granularity(timedelta(minutes=1)) == timedelta(seconds=6)
