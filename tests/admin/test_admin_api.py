"""Officers, teams and operations managed through the API by the administrator."""
from __future__ import annotations

from datetime import date, timedelta

from tests.admin.conftest import new_officer
from tests.conftest import ApiClient


def error_fields(resp) -> dict:
    return resp.get_json()["error"].get("fields") or {}


def test_the_admin_creates_a_team_and_a_duplicate_name_is_refused(admin_client):
    resp = admin_client.post("/api/admin/teams", json={"name": "  North   Team 1 "})
    assert resp.status_code == 201 and resp.get_json()["name"] == "North Team 1"
    resp = admin_client.post("/api/admin/teams", json={"name": "north team 1"})
    assert resp.status_code == 409 and "name" in error_fields(resp)
    teams = admin_client.get("/api/admin/teams").get_json()
    assert [t["name"] for t in teams] == ["North Team 1"]


def test_a_new_officer_gets_a_one_time_password_and_signs_in_with_it(app, admin_client, teams):
    body = new_officer(admin_client, shoulder_number=" pc2401 ")
    officer = body["officer"]
    assert officer["shoulder_number"] == "PC2401" and officer["team"] == "West Team 2"
    assert officer["must_change_password"] is True
    assert [(m["team"], m["ends_on"]) for m in officer["teams"]] == [("West Team 2", None)]
    phone = ApiClient(app)
    resp = phone.login("PC2401", body["one_time_password"])
    assert resp.status_code == 200 and resp.get_json()["officer"]["must_change_password"] is True
    # The password is never shown again.
    again = admin_client.get(f"/api/admin/officers/{officer['id']}").get_json()
    assert body["one_time_password"] not in str(again)


def test_bad_officers_are_refused_naming_the_field(admin_client, teams):
    new_officer(admin_client)
    cases = [
        ({"shoulder_number": "PC2401"}, 409, "shoulder_number"),
        ({"shoulder_number": " pc2401"}, 409, "shoulder_number"),
        ({"team": "East Team 9"}, 422, "team"),
        ({"role": "superintendent"}, 422, "role"),
        ({"shoulder_number": "24-01!"}, 422, "shoulder_number"),
        ({"display_name": ""}, 422, "display_name"),
        ({"team": None}, 422, "team"),
    ]
    for i, (change, status, field) in enumerate(cases):
        body = {"shoulder_number": f"PC25{i:02d}", "display_name": "PC New", "role": "officer", "team": "West Team 2"}
        body.update(change)
        resp = admin_client.post("/api/admin/officers", json=body)
        assert resp.status_code == status, (change, resp.get_json())
        assert resp.is_json and field in error_fields(resp), (change, resp.get_json())


def test_editing_an_officer(admin_client, teams):
    oid = new_officer(admin_client)["officer"]["id"]
    resp = admin_client.patch(f"/api/admin/officers/{oid}", json={"display_name": "PC Jo Bloggs-Smith",
                                                                  "role": "sergeant"})
    assert resp.status_code == 200
    assert (resp.get_json()["display_name"], resp.get_json()["role"]) == ("PC Jo Bloggs-Smith", "sergeant")
    new_officer(admin_client, shoulder_number="PC2402")
    resp = admin_client.patch(f"/api/admin/officers/{oid}", json={"shoulder_number": "PC2402"})
    assert resp.status_code == 409 and "shoulder_number" in error_fields(resp)
    resp = admin_client.patch(f"/api/admin/officers/{oid}", json={"team": "West Team 3"})
    assert resp.status_code == 422 and "team" in error_fields(resp)  # a team changes by a move, from a date
    assert admin_client.patch("/api/admin/officers/999999", json={"role": "officer"}).status_code == 404


def test_moving_team_from_a_date_keeps_the_history(admin_client, teams):
    oid = new_officer(admin_client, starts_on=(date.today() - timedelta(days=30)).isoformat())["officer"]["id"]
    day = date.today() - timedelta(days=3)
    resp = admin_client.post(f"/api/admin/officers/{oid}/move", json={"team": "West Team 3", "starts_on": day.isoformat()})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["team"] == "West Team 3"
    assert [(m["team"], m["starts_on"], m["ends_on"]) for m in body["teams"]] == [
        ("West Team 2", (date.today() - timedelta(days=30)).isoformat(), (day - timedelta(days=1)).isoformat()),
        ("West Team 3", day.isoformat(), None)]
    for move, field in (({"team": "West Team 2", "starts_on": (date.today() + timedelta(days=2)).isoformat()}, "starts_on"),
                        ({"team": "West Team 2", "starts_on": (day - timedelta(days=1)).isoformat()}, "starts_on"),
                        ({"team": "Nowhere", "starts_on": date.today().isoformat()}, "team")):
        resp = admin_client.post(f"/api/admin/officers/{oid}/move", json=move)
        assert resp.status_code == 422 and field in error_fields(resp), resp.get_json()


def test_a_move_leaves_records_with_the_team_they_were_logged_under(app, admin_client, teams, operation):
    from tests import factories as f
    body = new_officer(admin_client)
    phone = ApiClient(app)
    phone.login("PC2401", body["one_time_password"])
    assert phone.post("/api/auth/password", json={"current_password": body["one_time_password"],
                                                  "new_password": "lantern-orchard-velvet-42"}).status_code == 200
    rec = f.stop_search(operation.id)
    assert phone.sync(records=[rec]).get_json()["records"][0]["status"] == "created"
    oid = body["officer"]["id"]
    assert admin_client.post(f"/api/admin/officers/{oid}/move",
                             json={"team": "West Team 3", "starts_on": date.today().isoformat()}).status_code == 200
    assert phone.get(f"/api/records/{rec['id']}").status_code == 200
    from server.core.db import db
    from server.records.models import Record
    import uuid
    with app.app_context():
        assert db.session.get(Record, uuid.UUID(rec["id"])).team == "West Team 2"


def test_opening_editing_and_closing_an_operation(admin_client):
    body = {"name": "Operation Nightjar", "local_policing_area": "West", "target_areas": ["nn3", "NN5 "],
            "starts_on": "2026-11-01"}
    resp = admin_client.post("/api/admin/operations", json=body)
    assert resp.status_code == 201, resp.get_json()
    op = resp.get_json()
    assert op["slug"] == "nightjar" and op["target_areas"] == ["NN3", "NN5"] and op["ends_on"] is None
    resp = admin_client.patch(f"/api/admin/operations/{op['id']}", json={"target_areas": ["NN3", "NN10"]})
    assert resp.status_code == 200 and resp.get_json()["target_areas"] == ["NN3", "NN10"]
    resp = admin_client.patch(f"/api/admin/operations/{op['id']}", json={"ends_on": "2026-10-01"})
    assert resp.status_code == 422 and "ends_on" in error_fields(resp)
    resp = admin_client.post(f"/api/admin/operations/{op['id']}/close", json={"ends_on": "2026-10-31"})
    assert resp.status_code == 422 and "ends_on" in error_fields(resp)
    resp = admin_client.post(f"/api/admin/operations/{op['id']}/close", json={"ends_on": "2026-11-30"})
    assert resp.status_code == 200 and resp.get_json()["ends_on"] == "2026-11-30"
    # The same name again gets a slug of its own.
    assert admin_client.post("/api/admin/operations", json=body).get_json()["slug"] == "nightjar-2"


def test_bad_operations_are_refused_naming_the_field(admin_client):
    good = {"name": "Operation Nightjar", "local_policing_area": "West", "target_areas": ["NN3"],
            "starts_on": "2026-11-01"}
    for change, field in (({"target_areas": ["Northampton"]}, "target_areas.0"),
                          ({"ends_on": "2026-10-01"}, "ends_on"),
                          ({"name": ""}, "name"),
                          ({"local_policing_area": ""}, "local_policing_area")):
        resp = admin_client.post("/api/admin/operations", json={**good, **change})
        assert resp.status_code == 422, resp.get_json()
        assert field in error_fields(resp), resp.get_json()


def test_the_sergeant_reads_only_their_own_teams_roster(app, admin_client, teams, login_as):
    mine = new_officer(admin_client, shoulder_number="PC2401")["officer"]
    theirs = new_officer(admin_client, shoulder_number="PC2402", team="West Team 3")["officer"]
    sergeant = login_as("sergeant", team="West Team 2")
    roster = sergeant.get("/api/admin/officers").get_json()
    assert mine["id"] in {o["id"] for o in roster}
    assert {o["team"] for o in roster} == {"West Team 2"}
    assert sergeant.get(f"/api/admin/officers/{mine['id']}").status_code == 200
    assert sergeant.get(f"/api/admin/officers/{theirs['id']}").status_code == 404
    assert sergeant.post(f"/api/admin/officers/{mine['id']}/deactivate").status_code == 403
    everyone = admin_client.get("/api/admin/officers").get_json()
    assert {mine["id"], theirs["id"]} <= {o["id"] for o in everyone}
    for role in ("officer", "inspector", "analyst"):
        client = login_as(role, team="West Team 2" if role == "officer" else None)
        assert client.get("/api/admin/officers").status_code == 403


def test_deactivating_ends_sessions_and_refuses_sign_in_until_reactivated(app, admin_client, teams):
    body = new_officer(admin_client)
    oid = body["officer"]["id"]
    phone = ApiClient(app)
    assert phone.login("PC2401", body["one_time_password"]).status_code == 200
    resp = admin_client.post(f"/api/admin/officers/{oid}/deactivate")
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert phone.get("/api/auth/me").status_code == 401
    assert ApiClient(app).login("PC2401", body["one_time_password"]).status_code == 401
    assert admin_client.post(f"/api/admin/officers/{oid}/reactivate").get_json()["active"] is True
    assert ApiClient(app).login("PC2401", body["one_time_password"]).status_code == 200


def test_the_admin_cannot_deactivate_themselves(admin_client):
    resp = admin_client.post(f"/api/admin/officers/{admin_client.officer.id}/deactivate")
    assert resp.status_code == 409 and admin_client.get("/api/auth/me").status_code == 200
