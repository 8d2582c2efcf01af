"""End of shift: GET /api/shifts, GET /api/shifts/<id>/tally, and verify/return refusals."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from server.core.db import db
from server.records.models import AuditEntry
from tests import factories as f


def iso(minutes_ago):
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat()


def a_shift(client, operation, records=(), minutes_ago=300, ended_minutes_ago=10):
    shift = f.shift(operation.id, started_at=iso(minutes_ago), ended_at=iso(ended_minutes_ago))
    made = [make(operation.id, shift_id=shift["id"], occurred_at=iso(minutes_ago - 30 - i))
            for i, make in enumerate(records)]
    body = client.sync([shift], made).get_json()
    assert all(r["status"] == "created" for r in body["records"]), body
    return shift, made


def test_shift_list_counts_and_scoping(officer_client, colleague_client, other_team_client, sergeant_client,
                                       other_sergeant_client, inspector_client, analyst_client, admin_client,
                                       operation):
    mine, recs = a_shift(officer_client, operation, [f.arrest, f.arrest, f.stop_search, f.intelligence_log])
    theirs, _ = a_shift(colleague_client, operation, [f.safeguarding_referral])
    other, _ = a_shift(other_team_client, operation, [f.arrest])
    sergeant_client.post(f"/api/records/{recs[0]['id']}/verify", {"base_version": 1})
    officer_client.post(f"/api/records/{recs[1]['id']}/void", {"reason": "Logged twice"})

    def ids(client, query=""):
        resp = client.get(f"/api/shifts{query}")
        assert resp.status_code == 200, resp.get_json()
        return {item["id"] for item in resp.get_json()["items"]}

    assert ids(officer_client) == {mine["id"]}
    assert ids(sergeant_client) == {mine["id"], theirs["id"]}
    assert ids(other_sergeant_client) == {other["id"]}
    for client in (inspector_client, analyst_client, admin_client):
        assert ids(client) == {mine["id"], theirs["id"], other["id"]}
    assert ids(inspector_client, "?team=West Team 3") == {other["id"]}
    assert ids(inspector_client, f"?operation={operation.id + 1}") == set()
    item = next(i for i in officer_client.get("/api/shifts").get_json()["items"])
    assert item["counts"] == {"stop_search": 1, "arrest": 1, "safeguarding_referral": 0, "intelligence_log": 1}
    assert item["total"] == 3 and item["unverified"] == 2  # one verified, one voided (not counted)
    assert item["officer"]["id"] == officer_client.officer.id and item["operation_id"] == operation.id
    assert set(item) == {"id", "officer", "operation_id", "started_at", "ended_at", "counts", "total", "unverified"}


def test_shift_tally_for_the_sergeant(officer_client, colleague_client, other_team_client, sergeant_client,
                                      operation):
    shift, recs = a_shift(officer_client, operation, [f.arrest, f.stop_search, f.intelligence_log, f.arrest])
    _, theirs = a_shift(colleague_client, operation, [f.safeguarding_referral, f.arrest])
    a_shift(other_team_client, operation, [f.arrest])  # another team: never in this review
    sergeant_client.post(f"/api/records/{recs[0]['id']}/verify", {"base_version": 1})
    sergeant_client.post(f"/api/records/{recs[1]['id']}/return", {"comment": "Which legislation?", "base_version": 1})
    officer_client.post(f"/api/records/{recs[3]['id']}/void", {"reason": "Duplicate"})
    resp = sergeant_client.get(f"/api/shifts/{shift['id']}/tally")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert list(body) == ["shift", "window", "officers", "totals", "unverified", "review_queue"]
    assert body["shift"]["id"] == shift["id"]
    assert body["window"]["from"] == datetime.fromisoformat(shift["started_at"]).isoformat()
    by_officer = {o["officer"]["id"]: o for o in body["officers"]}
    assert set(by_officer) == {officer_client.officer.id, colleague_client.officer.id}
    mine = by_officer[officer_client.officer.id]
    assert mine["counts"] == {"stop_search": 1, "arrest": 1, "safeguarding_referral": 0, "intelligence_log": 1}
    assert mine["total"] == 3 and mine["unverified"] == 2
    assert by_officer[colleague_client.officer.id]["unverified"] == 2
    assert body["totals"] == {"stop_search": 1, "arrest": 2, "safeguarding_referral": 1, "intelligence_log": 1,
                              "all": 5}
    assert body["unverified"] == 4
    queue = {r["id"]: r for r in body["review_queue"]}
    assert set(queue) == {recs[1]["id"], recs[2]["id"], theirs[0]["id"], theirs[1]["id"]}
    assert queue[recs[1]["id"]]["status"] == "returned"
    assert queue[recs[2]["id"]]["intelligence_text"] == f.INTEL_TEXT  # the sergeant is cleared


def test_shift_tally_scoping(officer_client, colleague_client, other_sergeant_client, inspector_client,
                             admin_client, anon_client, operation):
    shift, recs = a_shift(officer_client, operation, [f.intelligence_log])
    a_shift(colleague_client, operation, [f.arrest])
    # another team's sergeant and a colleague cannot open it; the answer does not say it exists
    for client in (other_sergeant_client, colleague_client):
        resp = client.get(f"/api/shifts/{shift['id']}/tally")
        assert resp.status_code == 404 and resp.get_json()["error"]["message"] == "No such shift."
    assert inspector_client.get(f"/api/shifts/{f.new_id()}/tally").status_code == 404
    assert anon_client.get(f"/api/shifts/{shift['id']}/tally").status_code == 401
    assert anon_client.get("/api/shifts").status_code == 401
    # the officer sees only their own entries in the window
    own = officer_client.get(f"/api/shifts/{shift['id']}/tally").get_json()
    assert [o["officer"]["id"] for o in own["officers"]] == [officer_client.officer.id]
    assert own["totals"]["all"] == 1
    # inspector: the shift officer's team; admin sees counts but never intelligence text
    assert inspector_client.get(f"/api/shifts/{shift['id']}/tally").get_json()["totals"]["all"] == 2
    admin = admin_client.get(f"/api/shifts/{shift['id']}/tally").get_json()
    entry = next(r for r in admin["review_queue"] if r["id"] == recs[0]["id"])
    assert "intelligence_text" not in entry


def test_shift_query_errors(sergeant_client):
    resp = sergeant_client.get("/api/shifts?date=yesterday")
    assert resp.status_code == 422 and "date" in resp.get_json()["error"]["fields"]
    for bad in ("x", "0", "30593882647674937344"):  # the last was a 500: too big for the database's integer
        resp = sergeant_client.get(f"/api/shifts?operation={bad}")
        assert resp.status_code == 422 and "operation" in resp.get_json()["error"]["fields"]
    assert sergeant_client.get("/api/shifts/not-a-uuid/tally").status_code == 404


def test_verify_and_return_leave_audit_entries_and_reach_the_phone(app, officer_client, sergeant_client, operation):
    rec, other = f.arrest(operation.id), f.stop_search(operation.id)
    officer_client.sync(records=[rec, other])
    resp = sergeant_client.post(f"/api/records/{rec['id']}/return", {"comment": "Add the custody reference",
                                                                                  "base_version": 1})
    assert resp.status_code == 200 and resp.get_json()["record"]["status"] == "returned"
    assert sergeant_client.post(f"/api/records/{other['id']}/verify", {"comment": "Fine", "base_version": 1}).get_json()["record"][
        "status"] == "verified"
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        actions = [(str(e.record_id), e.action, e.actor_id) for e in entries if e.action != "create"]
    assert actions == [(rec["id"], "return", sergeant_client.officer.id),
                       (other["id"], "verify", sergeant_client.officer.id)]
    changes = officer_client.get("/api/sync/changes?since=0").get_json()
    returned = next(r for r in changes["records"] if r["id"] == rec["id"])
    assert returned["status"] == "returned" and returned["review_comment"] == "Add the custody reference"


def test_review_refusals(officer_client, colleague_client, sergeant_client, other_sergeant_client, inspector_client,
                         analyst_client, admin_client, operation):
    rec = f.arrest(operation.id)
    officer_client.sync(records=[rec])
    url = f"/api/records/{rec['id']}"
    # another team's sergeant: refused, and told nothing about the entry
    for action, body in (("verify", {"base_version": 1}), ("return", {"comment": "Not yours", "base_version": 1})):
        resp = other_sergeant_client.post(f"{url}/{action}", body)
        assert resp.status_code == 404 and resp.get_json()["error"]["message"] == "No such record."
    # roles that do not review
    for client in (officer_client, colleague_client, analyst_client, admin_client):
        resp = client.post(f"{url}/verify", {"base_version": 1})
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    # a return needs a comment
    resp = sergeant_client.post(f"{url}/return", {"base_version": 1})
    assert resp.status_code == 422 and "comment" in resp.get_json()["error"]["fields"]
    # a voided entry cannot be verified or returned
    officer_client.post(f"{url}/void", {"reason": "Logged twice"})
    for client in (sergeant_client, inspector_client):
        for action, body in (("verify", {"base_version": 2}), ("return", {"comment": "Please check", "base_version": 2})):
            resp = client.post(f"{url}/{action}", body)
            assert resp.status_code == 409, resp.get_json()
            assert resp.get_json()["error"]["code"] == "voided"
            assert resp.get_json()["error"]["record"]["status"] == "voided"


def test_a_sergeant_cannot_verify_their_own_entry(sergeant_client, inspector_client, operation):
    rec = f.arrest(operation.id)
    sergeant_client.sync(records=[rec])
    resp = sergeant_client.post(f"/api/records/{rec['id']}/verify", {"base_version": 1})
    assert resp.status_code == 403 and "own entry" in resp.get_json()["error"]["message"]
    assert inspector_client.post(f"/api/records/{rec['id']}/verify", {"base_version": 1}).status_code == 200


def test_a_night_shift_is_listed_on_every_local_day_it_covers(officer_client, colleague_client, sergeant_client,
                                                               operation):
    """22:00 to 06:00 London time: at 02:00 the sergeant's "today" still shows it, and so does yesterday."""
    london = ZoneInfo("Europe/London")
    today = datetime.now(london).date()
    before, yesterday = today - timedelta(days=2), today - timedelta(days=1)

    def at(day, hour):
        return datetime.combine(day, time(hour), london).isoformat()

    night = f.shift(operation.id, started_at=at(before, 22), ended_at=at(yesterday, 6))
    day_shift = f.shift(operation.id, started_at=at(yesterday, 8), ended_at=at(yesterday, 16))
    till_midnight = f.shift(operation.id, started_at=at(before, 16), ended_at=at(yesterday, 0))
    assert officer_client.sync([night, day_shift, till_midnight], []).status_code == 200
    still_open = f.shift(operation.id, started_at=at(before, 23), ended_at=None)
    assert colleague_client.sync([still_open], []).status_code == 200

    def listed(day):
        resp = sergeant_client.get(f"/api/shifts?date={day.isoformat()}")
        assert resp.status_code == 200, resp.get_json()
        return {item["id"] for item in resp.get_json()["items"]}

    assert listed(before) == {night["id"], till_midnight["id"], still_open["id"]}
    # a shift that ends on the stroke of midnight does not cover the next day
    assert listed(yesterday) == {night["id"], day_shift["id"], still_open["id"]}
    assert listed(today) == {still_open["id"]}  # still open: on shift today too
    assert listed(before - timedelta(days=1)) == set()
