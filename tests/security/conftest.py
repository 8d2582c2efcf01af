"""Shared helpers for the security tests."""
from __future__ import annotations

import logging

import pytest

from tests.conftest import officer_factory

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


# The many-login tests use cheap argon2 parameters, so building a world of logins is quick.
@pytest.fixture
def make_officer(app):
    """As tests/conftest.py's, with a cheap argon2 hash (these tests log in a lot)."""
    return officer_factory(app, cheap=True)


@pytest.fixture
def quick_officer(app):
    return officer_factory(app, cheap=True, number_format="Q{prefix}{n:03d}")


@pytest.fixture
def all_logs(caplog):
    """Every log line the app writes during the test, at every level."""
    caplog.set_level(logging.DEBUG)
    return caplog
