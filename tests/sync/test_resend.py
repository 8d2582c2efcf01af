"""Re-sends: an exact copy of a stored entry is answered without re-validating it
(server/sync/resend.py); anything that is not byte-for-byte the stored entry takes
the full path and gets the same answer as before."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from server.core.db import db
from server.operations.models import Operation
from server.records.models import AuditEntry
from tests import factories as f


def audit_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry))


def statuses(resp):
    return [r["status"] for r in resp.get_json()["records"]]


def test_an_exact_resend_of_every_kind_is_unchanged_with_its_version(app, officer_client, operation):
    s = f.shift(operation.id)
    # An arrest without the optional arrest_outcome: the stored default must match too.
    records = [make(operation.id, shift_id=s["id"]) for make in f.ALL_KINDS]
    assert "arrest_outcome" not in records[1]
    officer_client.sync([s], records)
    before = audit_count(app)
    body = officer_client.sync([s], records).get_json()
    assert [(r["status"], r["version"], r["id"]) for r in body["records"]] == [
        ("unchanged", 1, r["id"]) for r in records]
    assert audit_count(app) == before


def test_the_same_values_written_differently_are_still_unchanged(officer_client, operation):
    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)
    rec = f.stop_search(operation.id, occurred_at=at.isoformat(), area="NN3", latitude=52.0)
    officer_client.sync(records=[rec])
    variants = [dict(rec, occurred_at=at.strftime("%Y-%m-%dT%H:%M:%SZ")),
                dict(rec, occurred_at=at.astimezone(timezone(timedelta(hours=1))).isoformat()),
                dict(rec, area=" nn3"), dict(rec, latitude=52), dict(rec, id=rec["id"].upper()),
                dict(rec, base_version=1)]
    for v in variants:
        assert statuses(officer_client.sync(records=[v])) == ["unchanged"], v


def test_a_resend_with_an_unknown_or_server_owned_field_is_rejected(officer_client, operation):
    rec = f.intelligence_log(operation.id)
    officer_client.sync(records=[rec])
    for extra in ({"source_name": "Mr X"}, {"status": "verified"}, {"version": 1}, {"base_version": 0}):
        result = officer_client.sync(records=[dict(rec, **extra)]).get_json()["records"][0]
        assert result["status"] == "rejected", extra
        assert set(result["errors"]) == set(extra), result


def test_a_resend_after_the_operation_closed_before_it_is_rejected_as_before(app, officer_client, operation):
    rec = f.safeguarding_referral(operation.id, occurred_at=(datetime.now(timezone.utc) - timedelta(days=10)).isoformat())
    officer_client.sync(records=[rec])
    with app.app_context():
        db.session.get(Operation, operation.id).ends_on = date.today() - timedelta(days=20)
        db.session.commit()
    result = officer_client.sync(records=[rec]).get_json()["records"][0]
    assert result["status"] == "rejected"
    assert "occurred_at" in result["errors"]


def test_another_officers_exact_copy_is_rejected(officer_client, colleague_client, operation):
    rec = f.arrest(operation.id)
    colleague_client.sync(records=[rec])
    result = officer_client.sync(records=[rec]).get_json()["records"][0]
    assert result["status"] == "rejected" and "id" in result["errors"]


def test_a_resend_next_to_its_own_edit_in_one_batch_is_applied_in_order(app, officer_client, operation):
    rec = f.arrest(operation.id)
    officer_client.sync(records=[rec])
    body = officer_client.sync(records=[rec, dict(rec, notes="corrected", base_version=1)]).get_json()
    assert statuses_of(body) == ["unchanged", "updated"]
    assert body["records"][1]["version"] == 2


def statuses_of(body):
    return [r["status"] for r in body["records"]]
