"""Deactivating an officer ends their sessions at once, against gunicorn's several workers, with a real cookie."""
from __future__ import annotations

import requests

from tests.conftest import DEMO_PASSWORD


def session_for(base: str, shoulder_number: str, password: str = DEMO_PASSWORD) -> requests.Session:
    s = requests.Session()
    resp = s.post(f"{base}/api/auth/login", json={"shoulder_number": shoulder_number, "password": password}, timeout=10)
    assert resp.status_code == 200, resp.text
    s.headers["X-CSRF-Token"] = resp.json()["csrf_token"]
    return s


def test_the_next_request_with_a_deactivated_officers_cookie_is_401(live_server, make_officer):
    officer = make_officer(role="officer")
    admin = make_officer(role="admin", team=None)
    phones = [session_for(live_server, officer.shoulder_number) for _ in range(2)]
    for phone in phones:  # each worker has served them: nothing cached anywhere lets them back in
        for _ in range(3):
            assert phone.get(f"{live_server}/api/records", timeout=10).status_code == 200
    cookie = phones[0].cookies.get_dict()
    boss = session_for(live_server, admin.shoulder_number)
    resp = boss.post(f"{live_server}/api/admin/officers/{officer.id}/deactivate", json={}, timeout=10)
    assert resp.status_code == 200 and resp.json()["active"] is False
    for phone in phones:
        for _ in range(3):
            resp = phone.get(f"{live_server}/api/records", timeout=10)
            assert resp.status_code == 401 and resp.json()["error"]["code"] == "not_authenticated"
    # The copied cookie, in a fresh client, is just as dead.
    assert requests.get(f"{live_server}/api/auth/me", cookies=cookie, timeout=10).status_code == 401
    assert requests.post(f"{live_server}/api/auth/login", json={"shoulder_number": officer.shoulder_number,
                                                               "password": DEMO_PASSWORD}, timeout=10).status_code == 401
    # Reactivated, they sign in again (the old sessions stay ended).
    assert boss.post(f"{live_server}/api/admin/officers/{officer.id}/reactivate", json={}, timeout=10).status_code == 200
    assert phones[0].get(f"{live_server}/api/records", timeout=10).status_code == 401
    session_for(live_server, officer.shoulder_number)
