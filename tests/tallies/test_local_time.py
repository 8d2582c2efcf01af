"""Days, weeks and months are counted on the force's local clock (Europe/London),
around both clock changes and midnight, end to end: sync computes the local day,
the tally buckets by it."""
from datetime import date, datetime, timezone

import pytest

from server.core.db import db
from server.operations.models import Operation
from tests import factories as f


@pytest.fixture
def op2026(app):
    with app.app_context():
        op = Operation(name="Operation Revive", slug="revive-2026", local_policing_area="West",
                       target_areas=["NN3", "NN5"], starts_on=date(2026, 1, 1))
        db.session.add(op)
        db.session.commit()
        return op.id


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc).isoformat()


# (UTC instant, local day, ISO week's Monday, month)
CASES = [
    # Spring forward, Sunday 29 March 2026: 01:00 GMT becomes 02:00 BST.
    (utc(2026, 3, 28, 23, 59), "2026-03-28", "2026-03-23", "2026-03"),   # 23:59 GMT Saturday
    (utc(2026, 3, 29, 0, 30), "2026-03-29", "2026-03-23", "2026-03"),    # 00:30 GMT Sunday
    (utc(2026, 3, 29, 1, 30), "2026-03-29", "2026-03-23", "2026-03"),    # 02:30 BST, after the change
    (utc(2026, 3, 29, 22, 59), "2026-03-29", "2026-03-23", "2026-03"),   # 23:59 BST Sunday
    (utc(2026, 3, 29, 23, 0), "2026-03-30", "2026-03-30", "2026-03"),    # 00:00 BST Monday: a new week
    # A month end in summer time: 23:30 UTC on 31 May is 00:30 on 1 June.
    (utc(2026, 5, 31, 22, 59), "2026-05-31", "2026-05-25", "2026-05"),
    (utc(2026, 5, 31, 23, 30), "2026-06-01", "2026-06-01", "2026-06"),
    # Fall back, Sunday 25 October 2026: 02:00 BST becomes 01:00 GMT.
    (utc(2026, 10, 24, 23, 30), "2026-10-25", "2026-10-19", "2026-10"),  # 00:30 BST Sunday
    (utc(2026, 10, 25, 0, 30), "2026-10-25", "2026-10-19", "2026-10"),   # 01:30 BST, the first time round
    (utc(2026, 10, 25, 1, 30), "2026-10-25", "2026-10-19", "2026-10"),   # 01:30 GMT, the second time round
    (utc(2026, 10, 25, 23, 30), "2026-10-25", "2026-10-19", "2026-10"),  # 23:30 GMT Sunday
    (utc(2026, 10, 26, 0, 0), "2026-10-26", "2026-10-26", "2026-10"),    # 00:00 GMT Monday
    # Midnight at New Year in winter: UTC and local agree.
    (utc(2026, 1, 1, 0, 0), "2026-01-01", "2025-12-29", "2026-01"),
]


@pytest.mark.parametrize("instant,day,week,month", CASES)
def test_one_record_falls_on_the_local_day_week_and_month(inspector_client, officer_client, op2026,
                                                          instant, day, week, month):
    body = officer_client.sync(records=[f.arrest(op2026, occurred_at=instant)]).get_json()
    assert body["records"][0]["status"] == "created", body
    url = f"/api/operations/{op2026}/tally?from=2026-01-01&to=2026-11-20&group_by=day,week,month"
    groups = inspector_client.get(url).get_json()["groups"]
    assert groups == [{"day": day, "week": week, "month": month, "count": 1}]
    # a one-day period holds it on its local day and not on the UTC one
    one_day = inspector_client.get(f"/api/operations/{op2026}/tally?from={day}&to={day}").get_json()
    assert one_day["totals"]["arrest"] == 1


def test_a_night_shift_across_midnight_and_the_clock_change_splits_by_local_day(
        inspector_client, sergeant_client, officer_client, op2026):
    # Saturday 24 October 22:00 BST to Sunday 25 October 07:00 GMT (ten hours: the clock went back).
    shift = f.shift(op2026, started_at=utc(2026, 10, 24, 21, 0), ended_at=utc(2026, 10, 25, 7, 0))
    records = [f.stop_search(op2026, shift_id=shift["id"], occurred_at=utc(2026, 10, 24, 22, 50)),   # 23:50 BST Sat
               f.arrest(op2026, shift_id=shift["id"], occurred_at=utc(2026, 10, 24, 23, 10)),        # 00:10 BST Sun
               f.arrest(op2026, shift_id=shift["id"], occurred_at=utc(2026, 10, 25, 1, 15)),         # 01:15 GMT Sun
               f.intelligence_log(op2026, shift_id=shift["id"], occurred_at=utc(2026, 10, 25, 6, 30))]
    body = officer_client.sync([shift], records).get_json()
    assert [r["status"] for r in body["records"]] == ["created"] * 4
    groups = inspector_client.get(
        f"/api/operations/{op2026}/tally?from=2026-10-01&to=2026-10-31&group_by=day,kind").get_json()["groups"]
    assert groups == [{"day": "2026-10-24", "kind": "stop_search", "count": 1},
                      {"day": "2026-10-25", "kind": "intelligence_log", "count": 1},
                      {"day": "2026-10-25", "kind": "arrest", "count": 2}]
    # the shift list finds it on both local days it covers (the sergeant's "today" after midnight), no others
    for day in ("2026-10-24", "2026-10-25"):
        assert [s["id"] for s in sergeant_client.get(f"/api/shifts?date={day}").get_json()["items"]] == [shift["id"]]
    for day in ("2026-10-23", "2026-10-26"):
        assert sergeant_client.get(f"/api/shifts?date={day}").get_json()["items"] == []
    # and its review covers the whole ten hours
    tally = sergeant_client.get(f"/api/shifts/{shift['id']}/tally").get_json()
    assert tally["totals"]["all"] == 4


def test_an_edit_that_moves_the_time_moves_the_day(inspector_client, officer_client, op2026):
    rec = f.arrest(op2026, occurred_at=utc(2026, 3, 29, 22, 59))  # 23:59 BST Sunday
    officer_client.sync(records=[rec])
    resp = officer_client.patch(f"/api/records/{rec['id']}",
                                {"base_version": 1, "occurred_at": utc(2026, 3, 29, 23, 1)})  # 00:01 Monday
    assert resp.status_code == 200, resp.get_json()
    groups = inspector_client.get(f"/api/operations/{op2026}/tally?from=2026-03-01&to=2026-04-30&group_by=week"
                                  ).get_json()["groups"]
    assert groups == [{"week": "2026-03-30", "count": 1}]


def test_the_force_timezone_is_configurable(app, inspector_client, officer_client, op2026):
    app.config["FORCE_TIMEZONE"] = "America/New_York"
    try:
        # 02:00 UTC on 1 June is 22:00 on 31 May in New York
        body = officer_client.sync(records=[f.arrest(op2026, occurred_at=utc(2026, 6, 1, 2, 0))]).get_json()
        assert body["records"][0]["status"] == "created"
        groups = inspector_client.get(f"/api/operations/{op2026}/tally?from=2026-05-01&to=2026-06-30&group_by=day"
                                      ).get_json()["groups"]
    finally:
        app.config["FORCE_TIMEZONE"] = "Europe/London"
    assert groups == [{"day": "2026-05-31", "count": 1}]
