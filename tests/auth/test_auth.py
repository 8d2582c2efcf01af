import logging

from tests.conftest import DEMO_PASSWORD, ApiClient


def test_login_returns_the_officer_a_csrf_token_and_current_operations(app, make_officer, operation):
    officer = make_officer("officer", shoulder_number="PC2201")
    client = ApiClient(app)
    resp = client.login("pc2201")  # shoulder numbers are not case-sensitive
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["officer"]["shoulder_number"] == "PC2201"
    assert body["officer"]["role"] == "officer"
    assert "password" not in body["officer"] and "password_hash" not in body["officer"]
    assert len(body["csrf_token"]) >= 32
    assert [op["slug"] for op in body["operations"]] == ["revive"]
    me = client.get("/api/auth/me").get_json()
    assert me["officer"]["id"] == officer.id and me["csrf_token"] == body["csrf_token"]


def test_wrong_password_unknown_officer_and_inactive_officer_get_the_same_401(app, make_officer):
    make_officer(shoulder_number="PC1")
    make_officer(shoulder_number="PC2", active=False)
    client = ApiClient(app)
    answers = [client.login("PC1", "wrong-password"), client.login("NOBODY"), client.login("PC2")]
    for resp in answers:
        assert resp.status_code == 401
        assert resp.get_json()["error"] == {"status": 401, "code": "login_failed",
                                            "message": "Shoulder number or password is wrong."}


def test_login_input_is_validated(app):
    client = ApiClient(app)
    resp = client.http.post("/api/auth/login", json={"shoulder_number": "PC1"})
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"] == {"password": ["Missing data for required field."]}
    resp = client.http.post("/api/auth/login", json={"shoulder_number": "PC1", "password": "x", "role": "admin"})
    assert resp.status_code == 422 and "role" in resp.get_json()["error"]["fields"]


def test_login_needs_a_json_body(app):
    resp = ApiClient(app).http.post("/api/auth/login", data="shoulder_number=PC1&password=x",
                                    content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 415
    assert resp.get_json()["error"]["code"] == "unsupported_media_type"


def test_me_without_a_session_is_401(anon_client):
    resp = anon_client.get("/api/auth/me")
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "not_authenticated"


def test_each_login_gets_a_new_session_and_logout_ends_it(app, make_officer):
    make_officer(shoulder_number="PC7")
    client = ApiClient(app)
    client.login("PC7")
    first_cookie = client.http.get_cookie("beatbook_session").value
    first_csrf = client.csrf
    client.login("PC7")
    assert client.http.get_cookie("beatbook_session").value != first_cookie
    assert client.csrf != first_csrf

    # The first session was a different server-side session: still its own, until logout.
    stolen = ApiClient(app)
    stolen.http.set_cookie("beatbook_session", client.http.get_cookie("beatbook_session").value)
    assert stolen.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/logout").get_json() == {"logged_out": True}
    assert client.get("/api/auth/me").status_code == 401
    # A copy of the cookie is worthless once the officer logged out.
    assert stolen.get("/api/auth/me").status_code == 401


def test_logout_needs_the_csrf_token(officer_client):
    resp = officer_client.post("/api/auth/logout", csrf=False)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"
    assert officer_client.get("/api/auth/me").status_code == 200


def test_passwords_are_never_logged(app, make_officer, caplog):
    make_officer(shoulder_number="PC9")
    client = ApiClient(app)
    with caplog.at_level(logging.DEBUG):
        client.login("PC9", "my-secret-password-123")
        client.login("PC9", DEMO_PASSWORD)
    assert "my-secret-password-123" not in caplog.text
    assert DEMO_PASSWORD not in caplog.text
    assert "event=login_failed" in caplog.text
