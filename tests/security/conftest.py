"""Shared helpers for the security tests."""
from __future__ import annotations

import logging

import pytest

from server.core.db import db
from server.records.models import Record
from tests import factories as f

SECRET_TEXT = "Source says the supply line runs from flat 12 Lings Way every Friday night."


@pytest.fixture(autouse=True)
def reset_login_limits(app):
    """Failed logins in one test never throttle the next (the app lives for the session)."""
    app.extensions["beatbook_limiter"].reset()
    yield
    app.extensions["beatbook_limiter"].reset()


def log_intel(client, operation_id, text=SECRET_TEXT, **kw) -> dict:
    rec = f.intelligence_log(operation_id, intelligence_text=text, **kw)
    resp = client.sync(records=[rec])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["records"][0]["status"] == "created", resp.get_json()
    return rec


def log_record(client, make, operation_id, **kw) -> dict:
    rec = make(operation_id, **kw)
    resp = client.sync(records=[rec])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["records"][0]["status"] == "created", resp.get_json()
    return rec


def record_version(app, record_id) -> int:
    import uuid
    with app.app_context():
        rec = db.session.get(Record, uuid.UUID(str(record_id)))
        return rec.version


# Officers for the many-login tests: the same argon2 scheme with cheap parameters
# (verify reads them from the hash), so building a world of eight logins is quick.
_CHEAP_HASH = {}


def cheap_hash(password: str) -> str:
    if password not in _CHEAP_HASH:
        from argon2 import PasswordHasher
        _CHEAP_HASH[password] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(password)
    return _CHEAP_HASH[password]


@pytest.fixture
def make_officer(app):
    """As tests/conftest.py's, with a cheap argon2 hash (these tests log in a lot)."""
    from server.auth.models import Officer
    from tests.conftest import DEMO_PASSWORD
    counter = {"n": 0}

    def make(role="officer", team="West Team 2", shoulder_number=None, active=True, password=DEMO_PASSWORD):
        counter["n"] += 1
        number = shoulder_number or f"{role[:2].upper()}{1000 + counter['n']}"
        with app.app_context():
            officer = Officer(shoulder_number=number, display_name=f"{role.title()} {number}", role=role,
                              team=team, active=active, password_hash=cheap_hash(password))
            db.session.add(officer)
            db.session.commit()
            db.session.refresh(officer)
            db.session.expunge(officer)
        return officer

    return make


@pytest.fixture
def quick_officer(app):
    from server.auth.models import Officer
    from tests.conftest import DEMO_PASSWORD
    counter = {"n": 0}

    def make(role="officer", team="West Team 2", shoulder_number=None):
        counter["n"] += 1
        number = shoulder_number or f"Q{role[:2].upper()}{counter['n']:03d}"
        with app.app_context():
            officer = Officer(shoulder_number=number, display_name=f"{role.title()} {number}", role=role,
                              team=team, active=True, password_hash=cheap_hash(DEMO_PASSWORD))
            db.session.add(officer)
            db.session.commit()
            db.session.refresh(officer)
            db.session.expunge(officer)
        return officer

    return make


@pytest.fixture
def all_logs(caplog):
    """Every log line the app writes during the test, at every level."""
    caplog.set_level(logging.DEBUG)
    return caplog
