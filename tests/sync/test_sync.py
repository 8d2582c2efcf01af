import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from server.core.db import db
from server.records.models import AuditEntry, Record, Shift
from tests import factories as f


def count(app, model=Record, **where):
    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return db.session.scalar(stmt)


def test_a_batch_of_every_kind_is_stored_once_and_attributed_to_the_session(app, officer_client, operation):
    s = f.shift(operation.id)
    records = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS]
    resp = officer_client.sync([s], records)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["shifts"] == [{"id": s["id"], "status": "created"}]
    assert [r["status"] for r in body["records"]] == ["created"] * 4
    assert [r["id"] for r in body["records"]] == [r["id"] for r in records]
    assert all(r["version"] == 1 for r in body["records"])
    assert count(app, Record, officer_id=officer_client.officer.id) == 4
    assert count(app, AuditEntry, action="create") == 4


def test_resending_the_same_batch_creates_nothing(app, officer_client, operation):
    s = f.shift(operation.id)
    records = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS]
    officer_client.sync([s], records)
    for _ in range(3):
        body = officer_client.sync([s], records).get_json()
        assert body["shifts"][0]["status"] == "unchanged"
        assert [r["status"] for r in body["records"]] == ["unchanged"] * 4
    assert count(app) == 4
    assert count(app, Shift) == 1
    assert count(app, AuditEntry) == 4


def test_one_bad_item_is_rejected_with_field_errors_and_the_rest_kept(app, officer_client, operation):
    good1, good2 = f.arrest(operation.id), f.stop_search(operation.id)
    bad = f.safeguarding_referral(operation.id, area="Northampton", concern_categories=[])
    body = officer_client.sync(records=[good1, bad, good2]).get_json()
    statuses = [r["status"] for r in body["records"]]
    assert statuses == ["created", "rejected", "created"]
    errors = body["records"][1]["errors"]
    assert "area" in errors and "concern_categories" in errors
    assert body["records"][1]["id"] == bad["id"]
    assert count(app) == 2


def test_the_officer_comes_from_the_session_never_the_payload(app, officer_client, colleague_client, operation):
    rec = f.arrest(operation.id, officer={"id": colleague_client.officer.id})
    body = officer_client.sync(records=[rec]).get_json()
    assert body["records"][0]["status"] == "rejected"
    assert body["records"][0]["errors"] == {"officer": ["Unknown field."]}
    rec = f.arrest(operation.id, officer_id=colleague_client.officer.id)
    assert officer_client.sync(records=[rec]).get_json()["records"][0]["errors"] == {"officer_id": ["Unknown field."]}


def test_a_field_naming_a_source_is_refused(app, officer_client, operation):
    rec = f.intelligence_log(operation.id, source_name="Jane Smith", source_phone="07700 900000")
    body = officer_client.sync(records=[rec]).get_json()
    assert body["records"][0]["status"] == "rejected"
    assert set(body["records"][0]["errors"]) == {"source_name", "source_phone"}
    assert count(app) == 0


@pytest.mark.parametrize("field,value,message", [
    ("occurred_at", "2026-03-01T10:00:00", "Not a valid"),            # no UTC offset
    ("occurred_at", "yesterday", "Not a valid"),
    ("area", "NN", "postcode district"),
    ("latitude", 91, "less than or equal to 90"),
    ("kind", "parking_ticket", "Must be one of"),
    ("id", "not-a-uuid", "Not a valid UUID"),
])
def test_invalid_values_name_the_field(officer_client, operation, field, value, message):
    rec = f.stop_search(operation.id, **{field: value})
    result = officer_client.sync(records=[rec]).get_json()["records"][0]
    assert result["status"] == "rejected"
    assert field in result["errors"], result
    assert any(message in m for m in result["errors"][field]), result["errors"]


def test_time_in_the_future_or_before_launch_is_refused(officer_client, operation):
    future = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    before = (datetime.now(timezone.utc) - timedelta(days=90)).isoformat()
    body = officer_client.sync(records=[f.arrest(operation.id, occurred_at=future),
                                        f.arrest(operation.id, occurred_at=before)]).get_json()
    assert "future" in body["records"][0]["errors"]["occurred_at"][0]
    assert "Before the operation started" in body["records"][1]["errors"]["occurred_at"][0]


def test_unknown_operation_or_shift_is_rejected(officer_client, operation):
    body = officer_client.sync(records=[f.arrest(9999), f.arrest(operation.id, shift_id=f.new_id())]).get_json()
    assert body["records"][0]["errors"] == {"operation_id": ["No such operation."]}
    assert "shift_id" in body["records"][1]["errors"]


def test_another_officers_shift_cannot_be_used(officer_client, colleague_client, operation):
    s = f.shift(operation.id)
    colleague_client.sync([s])
    body = officer_client.sync([s], [f.arrest(operation.id, shift_id=s["id"])]).get_json()
    assert body["shifts"][0]["status"] == "rejected"
    assert body["records"][0]["errors"]["shift_id"] == ["No such shift; send the shift first or in the same batch."] \
        or body["records"][0]["errors"]["shift_id"] == ["That shift is another officer's."]


def test_ending_a_shift_updates_it(app, officer_client, operation):
    s = f.shift(operation.id)
    officer_client.sync([s])
    s["ended_at"] = f.now_iso(1)
    assert officer_client.sync([s]).get_json()["shifts"][0]["status"] == "updated"
    with app.app_context():
        assert db.session.get(Shift, uuid.UUID(s["id"])).ended_at is not None


def test_an_arrest_may_link_to_a_stop_search_later_in_the_same_batch(app, officer_client, operation):
    search = f.stop_search(operation.id, outcome="Arrest")
    arrest = f.arrest(operation.id, linked_stop_search_id=search["id"])
    body = officer_client.sync(records=[arrest, search]).get_json()
    assert [r["status"] for r in body["records"]] == ["created", "created"]
    bad = f.arrest(operation.id, linked_stop_search_id=f.new_id())
    assert officer_client.sync(records=[bad]).get_json()["records"][0]["errors"] == {
        "linked_stop_search_id": ["No such stop search."]}


def test_an_edit_on_the_current_version_updates(app, officer_client, operation):
    rec = f.stop_search(operation.id)
    officer_client.sync(records=[rec])
    edited = dict(rec, outcome="Arrest", notes="Found a knife", base_version=1)
    result = officer_client.sync(records=[edited]).get_json()["records"][0]
    assert result == {"id": rec["id"], "status": "updated", "version": 2}
    again = officer_client.sync(records=[edited]).get_json()["records"][0]
    assert again["status"] == "unchanged" and again["version"] == 2
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["create", "amend"]
        assert entries[1].changes["outcome"] == ["A no further action disposal", "Arrest"]


def test_an_edit_on_a_stale_version_is_a_conflict_with_the_server_copy(app, officer_client, operation):
    rec = f.arrest(operation.id)
    officer_client.sync(records=[rec])
    officer_client.sync(records=[dict(rec, notes="first edit", base_version=1)])
    result = officer_client.sync(records=[dict(rec, notes="second device edit", base_version=1)]).get_json()["records"][0]
    assert result["status"] == "conflict"
    assert result["version"] == 2
    assert result["record"]["notes"] == "first edit"


def test_a_changed_create_for_an_existing_id_is_a_conflict(officer_client, operation):
    rec = f.arrest(operation.id)
    officer_client.sync(records=[rec])
    result = officer_client.sync(records=[dict(rec, notes="different")]).get_json()["records"][0]
    assert result["status"] == "conflict"


def test_another_officers_record_id_is_rejected_not_overwritten(app, officer_client, colleague_client, operation):
    rec = f.arrest(operation.id)
    colleague_client.sync(records=[rec])
    result = officer_client.sync(records=[dict(rec, notes="hijack", base_version=1)]).get_json()["records"][0]
    assert result["status"] == "rejected"
    assert "id" in result["errors"]
    assert "record" not in result


def test_the_same_entry_twice_in_one_batch_is_applied_in_order(app, officer_client, operation):
    rec = f.arrest(operation.id)
    edited = dict(rec, notes="corrected", base_version=1)
    body = officer_client.sync(records=[rec, edited]).get_json()
    assert [r["status"] for r in body["records"]] == ["created", "updated"]
    assert count(app) == 1


def test_a_batch_over_the_limit_is_refused_whole(app, officer_client, operation):
    records = [f.arrest(operation.id) for _ in range(501)]
    resp = officer_client.sync(records=records)
    assert resp.status_code == 413
    err = resp.get_json()["error"]
    assert err["code"] == "batch_too_large" and "500" in err["message"]
    assert count(app) == 0


def test_a_full_batch_of_500_is_accepted(app, officer_client, operation):
    records = [make(operation.id) for make in f.ALL_KINDS for _ in range(125)]
    body = officer_client.sync(records=records).get_json()
    assert {r["status"] for r in body["records"]} == {"created"}
    assert count(app) == 500


def test_sync_needs_a_session_csrf_and_a_role_that_logs(officer_client, anon_client, analyst_client, operation):
    rec = f.arrest(operation.id)
    assert anon_client.sync(records=[rec]).status_code == 401
    resp = officer_client.sync(records=[rec], csrf=False)
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "csrf_failed"
    assert analyst_client.sync(records=[rec]).status_code == 403


def test_envelope_errors_name_the_field(officer_client):
    resp = officer_client.post("/api/sync", {"records": []})
    assert resp.status_code == 422
    assert "device_id" in resp.get_json()["error"]["fields"]
    resp = officer_client.post("/api/sync", {"device_id": "x", "records": {}})
    assert resp.status_code == 422 and "records" in resp.get_json()["error"]["fields"]


def test_the_same_batch_from_several_threads_is_stored_once(app, login_as, operation):
    client = login_as("officer")
    s = f.shift(operation.id)
    records = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS for _ in range(10)]
    results, errors = [], []

    def send():
        try:
            results.append(client.sync([s], records, device_id=f"phone-{threading.get_ident()}"))
        except Exception as exc:  # pragma: no cover - shows up in the assertion
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(r.status_code == 200 for r in results), [r.get_json() for r in results]
    created = sum(1 for r in results for item in r.get_json()["records"] if item["status"] == "created")
    assert created == 40
    assert all(item["status"] in ("created", "unchanged") for r in results for item in r.get_json()["records"])
    assert count(app) == 40
    assert count(app, AuditEntry) == 40
    assert count(app, Shift) == 1


def test_changes_feed_tells_the_officer_what_the_sergeant_returned(app, officer_client, sergeant_client, operation):
    rec = f.stop_search(operation.id)
    officer_client.sync(records=[rec])
    first = officer_client.get("/api/sync/changes").get_json()
    assert [r["id"] for r in first["records"]] == [rec["id"]]
    cursor = first["cursor"]
    assert officer_client.get(f"/api/sync/changes?since={cursor}").get_json()["records"] == []

    resp = sergeant_client.post(f"/api/records/{rec['id']}/return", {"comment": "Add the legislation used.",
                                                                      "base_version": 1})
    assert resp.status_code == 200
    changes = officer_client.get(f"/api/sync/changes?since={cursor}").get_json()
    assert len(changes["records"]) == 1
    returned = changes["records"][0]
    assert returned["status"] == "returned" and returned["review_comment"] == "Add the legislation used."
    assert returned["version"] == 2
    assert int(changes["cursor"]) > int(cursor)

    # The officer fixes it on the version they were sent: back to submitted.
    fixed = dict(rec, notes="Section 23 used", base_version=2)
    result = officer_client.sync(records=[fixed]).get_json()["records"][0]
    assert result["status"] == "updated" and result["version"] == 3
    got = officer_client.get(f"/api/records/{rec['id']}").get_json()["record"]
    assert got["status"] == "submitted"


def test_changes_feed_is_only_the_officers_own(officer_client, colleague_client, operation):
    colleague_client.sync(records=[f.arrest(operation.id)])
    assert officer_client.get("/api/sync/changes").get_json()["records"] == []


def test_changes_cursor_must_be_one_we_gave(officer_client):
    resp = officer_client.get("/api/sync/changes?since=abc")
    assert resp.status_code == 422 and "since" in resp.get_json()["error"]["fields"]


def test_changes_cursor_waits_for_late_commits(app, officer_client, sergeant_client, operation):
    """Fresh entries are sent at once but the cursor does not pass them until they settle."""
    rec = f.arrest(operation.id)
    officer_client.sync(records=[rec])
    app.config["CHANGES_SETTLE_SECONDS"] = 3600
    try:
        body = officer_client.get("/api/sync/changes").get_json()
        assert [r["id"] for r in body["records"]] == [rec["id"]]
        assert body["cursor"] == "0"
        # Sent again next time: the phone keeps the highest version it has seen.
        again = officer_client.get(f"/api/sync/changes?since={body['cursor']}").get_json()
        assert [r["id"] for r in again["records"]] == [rec["id"]]
    finally:
        app.config["CHANGES_SETTLE_SECONDS"] = 0
    settled = officer_client.get("/api/sync/changes").get_json()
    assert int(settled["cursor"]) > 0
