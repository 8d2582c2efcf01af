"""Source protection: intelligence text reaches nobody uncleared through any
endpoint, log line, audit entry or error message; fields naming a source are refused."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError

from server.core.db import db
from server.records.models import AuditEntry, IntelligenceLog
from server.records.service import RESTRICTED_MARK
from tests import factories as f
from tests.security.conftest import SECRET_TEXT
from tests.security.endpoints import ALL_ROUTES

NEW_TEXT = "Second source report: the lookouts now use a grey moped, registration withheld."


def bodies_for_every_get(client, record_id, operation_id):
    for rule, method, _ in ALL_ROUTES:
        if method != "GET":
            continue
        url = (rule.replace("<uuid:record_id>", record_id).replace("<int:operation_id>", str(operation_id))
               .replace("<client_path:path>", "records/new"))
        yield url, client.get(url).get_data(as_text=True)


def test_the_whole_life_of_a_log_leaks_nothing(app, officer_client, colleague_client, other_team_client,
                                               sergeant_client, other_sergeant_client, admin_client,
                                               analyst_client, inspector_client, operation, all_logs):
    rec = f.intelligence_log(operation.id, intelligence_text=SECRET_TEXT)
    assert officer_client.sync(records=[rec]).get_json()["records"][0]["status"] == "created"
    rid, url = rec["id"], f"/api/records/{rec['id']}"
    # Edited twice: once by PATCH, once by a re-sync; plus a stale edit (conflict) and bad ones.
    assert officer_client.patch(url, {"base_version": 1, "intelligence_text": NEW_TEXT}).status_code == 200
    resend = {**rec, "intelligence_text": SECRET_TEXT + " Again.", "base_version": 2}
    assert officer_client.sync(records=[resend]).get_json()["records"][0]["status"] == "updated"
    stale = {**rec, "intelligence_text": "stale", "base_version": 1}
    conflict = officer_client.sync(records=[stale]).get_json()["records"][0]
    assert conflict["status"] == "conflict"  # the author gets the server copy back: their own text
    bad = officer_client.patch(url, {"base_version": 3, "intelligence_text": SECRET_TEXT + "x" * 8000})
    assert bad.status_code == 422 and SECRET_TEXT not in bad.get_data(as_text=True)
    bad = officer_client.sync(records=[f.intelligence_log(operation.id, intelligence_text=SECRET_TEXT,
                                                          topics=["not-a-topic"])]).get_json()
    assert bad["records"][0]["status"] == "rejected" and SECRET_TEXT not in str(bad)
    sergeant_client.post(url + "/return", {"comment": "Grade it again", "base_version": 3})
    sergeant_client.post(url + "/verify", {"base_version": 4})

    texts = (SECRET_TEXT, NEW_TEXT, "Again.")
    # Nobody uncleared sees it through any read endpoint.
    for who, client in (("colleague", colleague_client), ("other team", other_team_client),
                        ("other sergeant", other_sergeant_client), ("admin", admin_client)):
        for path, body in bodies_for_every_get(client, rid, operation.id):
            for t in texts:
                assert t not in body, f"{who} got intelligence text from GET {path}"
    # Cleared roles do (so the checks above are not vacuous).
    for client in (sergeant_client, analyst_client, inspector_client, officer_client):
        assert "Again." in client.get(url).get_data(as_text=True)
    # Admin still sees that the log exists and its grading, just not the text.
    as_admin = admin_client.get(url).get_json()["record"]
    assert as_admin["source_evaluation"] == "2" and "intelligence_text" not in as_admin
    # The history shows only that the text changed, to everyone, the author too.
    for client in (officer_client, sergeant_client, admin_client):
        history = client.get(url + "/history").get_data(as_text=True)
        assert RESTRICTED_MARK in history
        for t in texts:
            assert t not in history
    with app.app_context():
        for entry in db.session.scalars(select(AuditEntry)):
            assert not any(t in str(entry.changes) + str(entry.comment) for t in texts)
        db.session.remove()
    # And no log line anywhere carries it.
    for t in texts:
        assert t not in all_logs.text


def test_database_errors_never_carry_the_values(app, ctx):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    with pytest.raises(IntegrityError) as info:
        # No parent row in records: the database refuses; the error must not quote the text.
        db.session.execute(insert(IntelligenceLog.__table__), [{
            "id": uuid.uuid4(), "source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "P",
            "topics": ["drugs_supply"], "how_obtained": "crimestoppers", "intelligence_text": SECRET_TEXT}])
        db.session.flush()
    db.session.rollback()
    assert SECRET_TEXT not in str(info.value)
    assert "hidden due to hide_parameters" in str(info.value)


SOURCE_FIELDS = ["source_name", "source", "informant", "informant_name", "source_phone", "source_address",
                 "chis_reference", "source_id", "given_by", "reported_by"]


@pytest.mark.parametrize("name", SOURCE_FIELDS)
def test_a_field_naming_a_source_is_refused_everywhere(app, officer_client, operation, name):
    rec = f.intelligence_log(operation.id, **{name: "Jane Smith, 07700 900123"})
    item = officer_client.sync(records=[rec]).get_json()["records"][0]
    assert item["status"] == "rejected" and item["errors"] == {name: ["Unknown field."]}
    # Nor can it be added to a stored log.
    ok = f.intelligence_log(operation.id)
    officer_client.sync(records=[ok])
    resp = officer_client.patch(f"/api/records/{ok['id']}", {"base_version": 1, name: "Jane Smith"})
    assert resp.status_code == 422 and name in resp.get_json()["error"]["fields"]
    assert "Jane Smith" not in resp.get_data(as_text=True)


def test_there_is_nowhere_to_store_a_source(app, ctx):
    columns = {c["name"] for c in inspect(db.engine).get_columns("intelligence_logs")}  # the real table
    assert {c for c in columns if "source" in c} == {"source_evaluation"}
    assert not any(word in c for c in columns for word in ("informant", "name", "phone", "address", "chis"))
