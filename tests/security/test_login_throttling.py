"""Login throttling: failed logins per account and per address (limits),
shared by every gunicorn worker through Redis; 429 with Retry-After in our JSON shape."""
from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests

from server import create_app
from tests.conftest import DEMO_PASSWORD, free_port, start_gunicorn, stop_gunicorn

# CI names its own Redis database (.ci/run); a developer's run uses db 5.
REDIS_URL = os.environ.get("REDIS_URL_FOR_TESTS", "redis://127.0.0.1:6379/5")


def login(http, number, password):
    return http.post("/api/auth/login", json={"shoulder_number": number, "password": password})


def assert_throttled(resp, window_seconds=3600):
    assert resp.status_code == 429
    assert resp.is_json
    err = resp.get_json()["error"]
    assert err["status"] == 429 and err["code"] == "too_many_requests"
    assert "try again later" in err["message"]
    retry = int(resp.headers["Retry-After"])
    assert 0 < retry <= window_seconds + 1


def test_the_configured_limit_is_100_failed_logins_per_account_per_hour(app):
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "100 per hour"
    assert app.config["RATELIMIT_STORAGE_URI"] == (app.config.get("REDIS_URL") or "memory://")


def test_the_101st_attempt_on_an_account_is_refused_even_with_the_right_password(app, make_officer):
    officer = make_officer(shoulder_number="PC7001")
    http = app.test_client()
    for i in range(100):
        resp = login(http, "PC7001" if i % 2 else "pc7001 ", f"wrong-{i}")  # the same account however typed
        assert resp.status_code == 401, (i, resp.get_json())
    assert_throttled(login(http, "PC7001", DEMO_PASSWORD))
    assert_throttled(login(http, "pc7001", "wrong-again"))
    # Another account from the same address is not affected.
    make_officer(shoulder_number="PC7002")
    assert login(http, "PC7002", DEMO_PASSWORD).status_code == 200
    assert officer.shoulder_number == "PC7001"


def test_unknown_shoulder_numbers_are_counted_too(app):
    limited = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "LOGIN_LIMIT_PER_ACCOUNT": "3 per hour"})
    http = limited.test_client()
    for _ in range(3):
        assert login(http, "NOSUCH1", "x").status_code == 401
    assert_throttled(login(http, "NOSUCH1", "x"))


def test_successful_logins_do_not_count(app, make_officer):
    limited = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "LOGIN_LIMIT_PER_ACCOUNT": "2 per hour",
                          "LOGIN_LIMIT_PER_ADDRESS": "2 per hour"})
    make_officer(shoulder_number="PC7010")
    http = limited.test_client()
    for _ in range(5):
        assert login(http, "PC7010", DEMO_PASSWORD).status_code == 200
    assert login(http, "PC7010", "wrong").status_code == 401
    assert login(http, "PC7010", DEMO_PASSWORD).status_code == 200
    assert login(http, "PC7010", "wrong").status_code == 401
    assert_throttled(login(http, "PC7010", DEMO_PASSWORD))


def test_per_address_limit_spans_accounts(app, make_officer):
    limited = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "LOGIN_LIMIT_PER_ADDRESS": "5 per hour"})
    make_officer(shoulder_number="PC7020")
    http = limited.test_client()
    for i in range(5):  # a spray: a different account each time
        assert login(http, f"PC80{i:02d}", "Summer2026!").status_code == 401
    resp = login(http, "PC7020", DEMO_PASSWORD)
    assert_throttled(resp)
    assert "this address" in resp.get_json()["error"]["message"]
    # Another address is not affected.
    other = limited.test_client()
    resp = other.post("/api/auth/login", json={"shoulder_number": "PC7020", "password": DEMO_PASSWORD},
                      environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert resp.status_code == 200


def test_a_throttled_login_is_logged_without_the_password(app, all_logs):
    limited = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "LOGIN_LIMIT_PER_ACCOUNT": "1 per hour"})
    http = limited.test_client()
    login(http, "PC7030", "hunter2-secret-pw")
    login(http, "PC7030", "hunter2-secret-pw")
    events = [r for r in all_logs.records if getattr(r, "security_event", None) == "login_throttled"]
    assert len(events) == 1
    assert "hunter2-secret-pw" not in all_logs.text


def test_redis_unreachable_falls_back_to_memory_and_still_throttles(app, make_officer):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    limited = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "REDIS_URL": dead,
                          "LOGIN_LIMIT_PER_ACCOUNT": "2 per hour"})
    assert limited.config["RATELIMIT_STORAGE_URI"] == dead
    make_officer(shoulder_number="PC7040")
    http = limited.test_client()
    assert login(http, "PC7040", DEMO_PASSWORD).status_code == 200
    assert login(http, "PC7040", "wrong").status_code == 401
    assert login(http, "PC7040", "wrong").status_code == 401
    assert_throttled(login(http, "PC7040", DEMO_PASSWORD))


@pytest.fixture
def redis_db5():
    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    yield r
    r.flushdb()


def test_the_limit_holds_across_gunicorn_workers_through_redis(app, database_url, make_officer, redis_db5):
    make_officer(shoulder_number="PC7050")
    proc, base = start_gunicorn(database_url, workers=2, extra_env={
        "REDIS_URL": REDIS_URL, "LOGIN_LIMIT_PER_ACCOUNT": "6 per hour"})
    try:
        def attempt(i):
            # A fresh connection each time, sent concurrently: both workers take some.
            with requests.Session() as s:
                s.headers["Connection"] = "close"
                r = s.post(base + "/api/auth/login", json={"shoulder_number": "PC7050", "password": f"bad-{i}"},
                           timeout=30)
                return r.status_code
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(attempt, range(6)))
        assert statuses == [401] * 6
        keys = [k.decode() for k in redis_db5.keys("*")]
        assert any("PC7050" in k for k in keys), keys
        r = requests.post(base + "/api/auth/login", json={"shoulder_number": "PC7050", "password": DEMO_PASSWORD},
                          timeout=30)
        assert r.status_code == 429, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"]["code"] == "too_many_requests"
        assert 0 < int(r.headers["Retry-After"]) <= 3601
        # Every worker refuses: try several fresh connections.
        for _ in range(6):
            r = requests.post(base + "/api/auth/login", headers={"Connection": "close"},
                              json={"shoulder_number": "PC7050", "password": DEMO_PASSWORD}, timeout=30)
            assert r.status_code == 429
    finally:
        stop_gunicorn(proc)


def test_behind_a_trusted_proxy_the_phone_address_is_limited_not_the_proxy(app, make_officer):
    proxied = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "LOGIN_LIMIT_PER_ADDRESS": "3 per hour",
                          "TRUSTED_PROXY_COUNT": 1})
    make_officer(shoulder_number="PC7060")
    http = proxied.test_client()

    def attempt(number, password, phone):
        return http.post("/api/auth/login", json={"shoulder_number": number, "password": password},
                         headers={"X-Forwarded-For": phone})
    for i in range(3):
        assert attempt(f"PC81{i:02d}", "guess", "198.51.100.7").status_code == 401
    assert_throttled(attempt("PC7060", DEMO_PASSWORD, "198.51.100.7"))
    # Everyone else behind the same proxy is unaffected.
    assert attempt("PC7060", DEMO_PASSWORD, "198.51.100.8").status_code == 200


PARALLEL_GUESSER = """
import sys, requests
base, number, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with requests.Session() as s:
    for i in range(n):
        r = s.post(base + "/api/auth/login", json={"shoulder_number": number, "password": f"guess-{i}"},
                   headers={"Connection": "close"}, timeout=60)
        print(r.status_code, flush=True)
"""


def test_parallel_guesses_never_get_more_than_the_limit_evaluated(app, database_url, make_officer, redis_db5):
    """Each attempt is counted before its password is checked, in one atomic step in Redis: 16
    processes guessing at once across 4 workers get exactly the limit evaluated (401), the rest 429."""
    import sys
    make_officer(shoulder_number="PC7070")
    limit = 10
    proc, base = start_gunicorn(database_url, workers=4, extra_env={
        "REDIS_URL": REDIS_URL, "LOGIN_LIMIT_PER_ACCOUNT": f"{limit} per hour"})
    try:
        guessers = [subprocess.Popen([sys.executable, "-c", PARALLEL_GUESSER, base, "PC7070", "3"],
                                     stdout=subprocess.PIPE, text=True) for _ in range(16)]
        statuses = []
        for g in guessers:
            out, _ = g.communicate(timeout=120)
            statuses += [int(line) for line in out.split()]
        assert len(statuses) == 48
        assert statuses.count(401) == limit, statuses
        assert statuses.count(429) == 48 - limit
        # The right password is refused too now, and a success elsewhere gives nothing back.
        r = requests.post(base + "/api/auth/login", json={"shoulder_number": "PC7070", "password": DEMO_PASSWORD},
                          timeout=30)
        assert r.status_code == 429
    finally:
        stop_gunicorn(proc)


def test_a_successful_login_gives_its_count_back_under_redis(app, database_url, make_officer, redis_db5):
    make_officer(shoulder_number="PC7080")
    proc, base = start_gunicorn(database_url, workers=2, extra_env={
        "REDIS_URL": REDIS_URL, "LOGIN_LIMIT_PER_ACCOUNT": "2 per hour"})
    def attempt(password):
        return requests.post(base + "/api/auth/login", json={"shoulder_number": "PC7080", "password": password},
                             timeout=30).status_code
    try:
        assert [attempt(DEMO_PASSWORD) for _ in range(4)] == [200] * 4
        assert [attempt("wrong"), attempt("wrong"), attempt(DEMO_PASSWORD)] == [401, 401, 429]
    finally:
        stop_gunicorn(proc)
