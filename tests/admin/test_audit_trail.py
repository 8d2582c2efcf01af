"""The administrative audit trail: every change, who, when, before and after; append-only in the database."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from server.admin.models import AdminAuditEntry
from server.core.db import db
from tests.admin.conftest import new_officer


def test_every_admin_change_leaves_an_entry_with_before_and_after(admin_client, teams):
    oid = new_officer(admin_client)["officer"]["id"]
    admin_client.patch(f"/api/admin/officers/{oid}", json={"display_name": "PC Jo Smith"})
    admin_client.post(f"/api/admin/officers/{oid}/move", json={"team": "West Team 3", "starts_on": date.today().isoformat()})
    admin_client.post(f"/api/admin/officers/{oid}/deactivate")
    admin_client.post(f"/api/admin/officers/{oid}/reactivate")
    reset = admin_client.post(f"/api/admin/officers/{oid}/reset-password").get_json()
    op = admin_client.post("/api/admin/operations", json={"name": "Operation Kite", "local_policing_area": "West",
                                                          "target_areas": ["NN3"], "starts_on": "2026-11-01"}).get_json()
    admin_client.post(f"/api/admin/operations/{op['id']}/close", json={"ends_on": "2026-11-20"})
    admin_client.post("/api/admin/teams", json={"name": "East Team 1"})
    page = admin_client.get("/api/admin/audit").get_json()
    actions = [e["action"] for e in reversed(page["items"])]
    assert actions == ["officer_created", "officer_changed", "officer_moved", "officer_deactivated",
                       "officer_reactivated", "password_reset", "operation_opened", "operation_closed", "team_created"]
    assert page["total"] == 9
    by_action = {e["action"]: e for e in page["items"]}
    assert all(e["actor"]["id"] == admin_client.officer.id for e in page["items"])
    changed = by_action["officer_changed"]
    assert changed["before"]["display_name"] == "PC Jo Bloggs" and changed["after"]["display_name"] == "PC Jo Smith"
    assert changed["officer"]["shoulder_number"] == "PC2401"
    assert by_action["officer_moved"]["before"]["team"] == "West Team 2"
    assert by_action["officer_moved"]["after"]["team"] == "West Team 3"
    assert by_action["operation_closed"]["after"]["ends_on"] == "2026-11-20"
    assert by_action["operation_closed"]["before"]["ends_on"] is None
    # The one-time password is nowhere in the trail.
    assert reset["one_time_password"] not in str(page)


def test_the_trail_is_filtered_and_paged(admin_client, teams):
    a = new_officer(admin_client, shoulder_number="PC2401")["officer"]["id"]
    b = new_officer(admin_client, shoulder_number="PC2402")["officer"]["id"]
    for i in range(3):
        admin_client.patch(f"/api/admin/officers/{a}", json={"display_name": f"PC A {i}"})
    op = admin_client.post("/api/admin/operations", json={"name": "Operation Kite", "local_policing_area": "West",
                                                          "target_areas": ["NN3"], "starts_on": "2026-11-01"}).get_json()
    about_a = admin_client.get(f"/api/admin/audit?officer={a}").get_json()
    assert about_a["total"] == 4 and {e["officer"]["id"] for e in about_a["items"]} == {a}
    assert admin_client.get(f"/api/admin/audit?officer={b}").get_json()["total"] == 1
    about_op = admin_client.get(f"/api/admin/audit?operation={op['id']}").get_json()
    assert [e["action"] for e in about_op["items"]] == ["operation_opened"]
    first = admin_client.get("/api/admin/audit?per_page=2&page=1").get_json()
    second = admin_client.get("/api/admin/audit?per_page=2&page=2").get_json()
    assert first["total"] == 6 and len(first["items"]) == 2
    assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}
    today = date.today()
    assert admin_client.get(f"/api/admin/audit?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}").get_json()["total"] == 6
    assert admin_client.get(f"/api/admin/audit?to={today - timedelta(days=2)}").get_json()["total"] == 0
    resp = admin_client.get(f"/api/admin/audit?from={today}&to={today - timedelta(days=1)}")
    assert resp.status_code == 422 and "to" in resp.get_json()["error"]["fields"]


def test_only_the_admin_reads_the_trail(login_as):
    for role in ("officer", "sergeant", "inspector", "analyst"):
        assert login_as(role).get("/api/admin/audit").status_code == 403


def test_the_database_refuses_to_change_or_delete_an_entry(app, admin_client):
    admin_client.post("/api/admin/teams", json={"name": "East Team 1"})
    with app.app_context():
        entry_id = db.session.scalar(db.select(AdminAuditEntry.id))
        for statement in ("UPDATE admin_audit_entries SET action = 'nothing' WHERE id = :id",
                          "DELETE FROM admin_audit_entries WHERE id = :id",
                          "DELETE FROM admin_audit_entries"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement), {"id": entry_id})
            db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text("TRUNCATE admin_audit_entries"))
            db.session.rollback()
        assert db.session.get(AdminAuditEntry, entry_id).action == "team_created"
        db.session.remove()


def test_an_inspector_changing_an_operation_is_in_the_trail_too(inspector_client, admin_client, operation):
    resp = inspector_client.patch(f"/api/operations/{operation.id}", json={"description": "Extended to NN10"})
    assert resp.status_code == 200
    entries = admin_client.get(f"/api/admin/audit?operation={operation.id}").get_json()["items"]
    assert [(e["action"], e["actor"]["id"]) for e in entries] == [("operation_changed", inspector_client.officer.id)]
    assert entries[0]["before"]["description"] == "Test operation"
    assert entries[0]["after"]["description"] == "Extended to NN10"
