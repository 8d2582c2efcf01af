"""Passwords for local sign-in: an officer changes their own, an admin resets one, the rules, rehashing."""
from __future__ import annotations

from argon2 import PasswordHasher

from server.auth.models import Officer
from server.core.db import db
from tests.admin.conftest import new_officer
from tests.conftest import DEMO_PASSWORD, ApiClient

GOOD = "lantern-orchard-velvet-42"


def change(client, current, new):
    return client.post("/api/auth/password", json={"current_password": current, "new_password": new})


def test_changing_ones_own_password_ends_the_other_sessions(app, officer_client):
    number = officer_client.officer.shoulder_number
    other_phone = ApiClient(app)
    assert other_phone.login(number).status_code == 200
    resp = change(officer_client, DEMO_PASSWORD, GOOD)
    assert resp.status_code == 200 and resp.get_json() == {"changed": True, "other_sessions_ended": 1}
    assert other_phone.get("/api/auth/me").status_code == 401
    assert officer_client.get("/api/auth/me").status_code == 200  # this one goes on
    assert ApiClient(app).login(number, DEMO_PASSWORD).status_code == 401
    assert ApiClient(app).login(number, GOOD).status_code == 200


def test_the_current_password_is_required(officer_client):
    resp = change(officer_client, "not-my-password", GOOD)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "current_password_wrong"
    assert "current_password" in resp.get_json()["error"]["fields"]
    assert officer_client.get("/api/auth/me").status_code == 200  # still signed in, password unchanged
    resp = officer_client.post("/api/auth/password", json={"new_password": GOOD})
    assert resp.status_code == 422 and "current_password" in resp.get_json()["error"]["fields"]


def test_short_common_and_personal_passwords_are_refused_naming_the_field(officer_client):
    number = officer_client.officer.shoulder_number
    for weak, words in (("short-pw-1", "at least 12"), ("password1234", "guess"), ("qwertyuiop123", "guess"),
                        (f"{number}{number}", "guess"), (DEMO_PASSWORD, "differ")):
        resp = change(officer_client, DEMO_PASSWORD, weak)
        assert resp.status_code == 422, weak
        messages = resp.get_json()["error"]["fields"]["new_password"]
        assert words in " ".join(messages), (weak, messages)
    assert change(officer_client, DEMO_PASSWORD, GOOD).status_code == 200


def test_a_reset_password_works_once_and_must_be_changed_before_anything_else(app, admin_client, teams, operation):
    body = new_officer(admin_client)
    oid, first = body["officer"]["id"], body["one_time_password"]
    phone = ApiClient(app)
    assert phone.login("PC2401", first).status_code == 200
    assert change(phone, first, GOOD).status_code == 200
    assert phone.get("/api/records").status_code == 200
    reset = admin_client.post(f"/api/admin/officers/{oid}/reset-password").get_json()
    assert reset["officer"]["must_change_password"] is True
    assert phone.get("/api/records").status_code == 401  # the reset ended their sessions
    assert ApiClient(app).login("PC2401", GOOD).status_code == 401
    phone = ApiClient(app)
    assert phone.login("PC2401", reset["one_time_password"]).status_code == 200
    for resp in (phone.get("/api/records"), phone.get(f"/api/operations/{operation.id}/tally"),
                 phone.sync(records=[])):
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "password_change_required"
    assert phone.get("/api/auth/me").get_json()["officer"]["must_change_password"] is True
    assert change(phone, reset["one_time_password"], GOOD + "x").status_code == 200
    assert phone.get("/api/records").status_code == 200
    assert phone.get("/api/auth/me").get_json()["officer"]["must_change_password"] is False
    # One use only: the one-time password no longer signs in.
    assert ApiClient(app).login("PC2401", reset["one_time_password"]).status_code == 401


def test_a_hash_made_with_other_argon2_parameters_is_rehashed_at_login(app, make_officer):
    """The parameters are configuration (ARGON2_*; cheap ones in the test suite): a hash made with
    others, here argon2-cffi's stronger defaults, is made again with the configured ones at login."""
    cfg = app.config
    configured = f"m={cfg['ARGON2_MEMORY_COST']},t={cfg['ARGON2_TIME_COST']},p={cfg['ARGON2_PARALLELISM']}"
    other = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(DEMO_PASSWORD)
    assert configured not in other
    officer = make_officer()
    with app.app_context():
        db.session.get(Officer, officer.id).password_hash = other
        db.session.commit()
        db.session.remove()
    assert ApiClient(app).login(officer.shoulder_number).status_code == 200
    with app.app_context():
        stored = db.session.get(Officer, officer.id)
        assert configured in stored.password_hash and not stored.needs_rehash()
        assert stored.check_password(DEMO_PASSWORD)
        db.session.remove()
    assert ApiClient(app).login(officer.shoulder_number).status_code == 200
