import pytest

NEW_OP = {"name": "Operation Sceptre", "slug": "sceptre", "local_policing_area": "West",
          "target_areas": ["nn1", "NN5"], "starts_on": "2026-02-01", "description": "Knife crime"}


def test_every_role_can_list_and_read_operations(officer_client, analyst_client, operation):
    for client in (officer_client, analyst_client):
        ops = client.get("/api/operations").get_json()
        assert [o["name"] for o in ops] == ["Operation Revive"]
        one = client.get(f"/api/operations/{operation.id}").get_json()
        assert one["target_areas"] == ["NN3", "NN5"] and one["local_policing_area"] == "West"
        assert one["is_current"] is True


def test_unknown_operation_is_404_json(officer_client):
    resp = officer_client.get("/api/operations/999")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_inspector_and_admin_create_and_edit_operations(login_as, role):
    client = login_as(role, team=None)
    resp = client.post("/api/operations", NEW_OP)
    assert resp.status_code == 201, resp.get_json()
    op = resp.get_json()
    assert op["target_areas"] == ["NN1", "NN5"]
    resp = client.patch(f"/api/operations/{op['id']}", {"ends_on": "2026-06-30", "target_areas": ["NN1"]})
    assert resp.status_code == 200
    assert resp.get_json()["ends_on"] == "2026-06-30" and resp.get_json()["target_areas"] == ["NN1"]


@pytest.mark.parametrize("role", ["officer", "sergeant", "analyst"])
def test_other_roles_cannot_create_or_edit(login_as, operation, role):
    client = login_as(role)
    assert client.post("/api/operations", NEW_OP).status_code == 403
    assert client.patch(f"/api/operations/{operation.id}", {"name": "X"}).status_code == 403


def test_operation_input_is_validated(inspector_client, operation):
    bad = dict(NEW_OP, target_areas=["Northampton"], slug="Bad Slug")
    resp = inspector_client.post("/api/operations", bad)
    assert resp.status_code == 422
    fields = resp.get_json()["error"]["fields"]
    assert "target_areas.0" in fields and "slug" in fields
    resp = inspector_client.post("/api/operations", dict(NEW_OP, ends_on="2026-01-01"))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["fields"] == {"ends_on": ["Must be on or after starts_on."]}
    resp = inspector_client.post("/api/operations", dict(NEW_OP, slug="revive"))
    assert resp.status_code == 409 and resp.get_json()["error"]["fields"] == {"slug": ["Already in use."]}
    resp = inspector_client.patch(f"/api/operations/{operation.id}", {"ends_on": "2000-01-01"})
    assert resp.status_code == 422 and "ends_on" in resp.get_json()["error"]["fields"]


def test_operations_need_a_session_and_csrf(anon_client, inspector_client):
    assert anon_client.get("/api/operations").status_code == 401
    assert anon_client.post("/api/operations", NEW_OP).status_code == 401
    resp = inspector_client.post("/api/operations", NEW_OP, csrf=False)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"


def test_current_filter_hides_ended_operations(inspector_client, operation):
    inspector_client.post("/api/operations", dict(NEW_OP, starts_on="2020-01-01", ends_on="2020-02-01"))
    assert len(inspector_client.get("/api/operations").get_json()) == 2
    assert [o["slug"] for o in inspector_client.get("/api/operations?current=true").get_json()] == ["revive"]
