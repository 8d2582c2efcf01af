"""GET /api/operations/<id>/tally: scoping, statuses, comparison words, and clear errors."""
from datetime import date, datetime, timedelta, timezone

import pytest

from server.core.db import db
from server.operations.models import Operation
from server.tallies.service import change
from tests import factories as f


def tally(client, op_id, query=""):
    resp = client.get(f"/api/operations/{op_id}/tally{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_contract_shape(inspector_client, officer_client, operation):
    officer_client.sync(records=[f.arrest(operation.id), f.stop_search(operation.id, area="NN5")])
    body = tally(inspector_client, operation.id, "?group_by=kind,area&compare=previous")
    assert list(body) == ["operation", "period", "group_by", "totals", "groups", "comparison", "headline"]
    assert body["operation"]["id"] == operation.id and body["operation"]["slug"] == "revive"
    assert body["period"] == {"from": operation.starts_on.isoformat(), "to": date.today().isoformat()}
    assert body["group_by"] == ["kind", "area"]
    assert body["totals"] == {"stop_search": 1, "arrest": 1, "safeguarding_referral": 0, "intelligence_log": 0,
                              "all": 2}
    assert body["groups"] == [{"kind": "arrest", "area": "NN3", "count": 1},
                              {"kind": "stop_search", "area": "NN5", "count": 1}]
    assert body["comparison"]["change"]["arrest"] == {"previous": 0, "current": 1, "change_percent": None,
                                                      "label": "new"}
    assert body["comparison"]["change"]["safeguarding_referral"]["label"] == "no change"
    assert body["headline"] == ("0 intelligence logs, 1 arrest, 0 safeguarding referrals and 1 stop search "
                                "since launch")
    # default grouping is by kind; no comparison unless asked
    plain = tally(inspector_client, operation.id)
    assert plain["group_by"] == ["kind"] and plain["comparison"] is None


def test_voided_never_counts_and_returned_counts(app, inspector_client, sergeant_client, officer_client, operation):
    recs = [f.arrest(operation.id) for _ in range(4)]
    officer_client.sync(records=recs)
    assert sergeant_client.post(f"/api/records/{recs[0]['id']}/return", {"comment": "Add the custody ref", "base_version": 1}).status_code == 200
    assert sergeant_client.post(f"/api/records/{recs[1]['id']}/verify", {"base_version": 1}).status_code == 200
    assert officer_client.post(f"/api/records/{recs[2]['id']}/void", {"reason": "Logged twice"}).status_code == 200
    body = tally(inspector_client, operation.id, "?group_by=status")
    assert body["totals"]["arrest"] == 3
    assert body["groups"] == [{"status": "returned", "count": 1}, {"status": "submitted", "count": 1},
                              {"status": "verified", "count": 1}]
    # a returned entry that is then voided stops counting
    officer_client.post(f"/api/records/{recs[0]['id']}/void", {"reason": "Wrong operation"})
    assert tally(inspector_client, operation.id)["totals"]["arrest"] == 2
    assert tally(sergeant_client, operation.id)["totals"]["arrest"] == 2


def test_role_scoping(officer_client, colleague_client, other_team_client, sergeant_client, other_sergeant_client,
                      inspector_client, analyst_client, admin_client, operation):
    officer_client.sync(records=[f.arrest(operation.id), f.arrest(operation.id)])
    colleague_client.sync(records=[f.stop_search(operation.id)])
    other_team_client.sync(records=[f.intelligence_log(operation.id)])
    assert tally(officer_client, operation.id)["totals"]["all"] == 2
    assert tally(colleague_client, operation.id)["totals"]["all"] == 1
    assert tally(other_team_client, operation.id)["totals"]["all"] == 1
    assert tally(sergeant_client, operation.id)["totals"]["all"] == 3
    assert tally(other_sergeant_client, operation.id)["totals"]["all"] == 1
    for client in (inspector_client, analyst_client, admin_client):
        assert tally(client, operation.id)["totals"]["all"] == 4
    # asking for another team or officer cannot widen the scope
    assert tally(officer_client, operation.id, f"?officer={colleague_client.officer.id}")["totals"]["all"] == 0
    assert tally(other_sergeant_client, operation.id, "?team=West Team 2")["totals"]["all"] == 0
    # force-wide roles may narrow to a team or an officer
    assert tally(inspector_client, operation.id, "?team=West Team 3")["totals"]["all"] == 1
    assert tally(inspector_client, operation.id, f"?officer={officer_client.officer.id}")["totals"]["all"] == 2


def test_group_by_team_and_officer(inspector_client, officer_client, other_team_client, operation):
    officer_client.sync(records=[f.arrest(operation.id)])
    other_team_client.sync(records=[f.arrest(operation.id), f.arrest(operation.id)])
    body = tally(inspector_client, operation.id, "?group_by=team,officer")
    assert [(g["team"], g["officer"]["id"], g["count"]) for g in body["groups"]] == [
        ("West Team 2", officer_client.officer.id, 1), ("West Team 3", other_team_client.officer.id, 2)]
    officer = body["groups"][0]["officer"]
    assert officer["shoulder_number"] == officer_client.officer.shoulder_number and "display_name" in officer


def test_explicit_comparison_period_and_words(inspector_client, officer_client, operation):
    now = datetime.now(timezone.utc)
    officer_client.sync(records=[f.arrest(operation.id, occurred_at=(now - timedelta(days=40)).isoformat()),
                                 f.arrest(operation.id, occurred_at=(now - timedelta(days=40)).isoformat()),
                                 f.arrest(operation.id, occurred_at=(now - timedelta(hours=2)).isoformat())])
    start = (now - timedelta(days=50)).date()
    end = (now - timedelta(days=30)).date()
    body = tally(inspector_client, operation.id, f"?from={date.today() - timedelta(days=10)}&compare={start}/{end}")
    comparison = body["comparison"]
    assert comparison["period"] == {"from": start.isoformat(), "to": end.isoformat()}
    assert (comparison["rule"], comparison["population"], comparison["days"], comparison["current_days"]) == (
        "range", "operation", 21, 11)
    # 2 in 21 days against 1 in 11: a daily rate down 4.5%, not "down 50%" from the raw counts
    assert comparison["daily_rate"] is True
    assert comparison["change"]["arrest"] == {"previous": 2, "current": 1, "change_percent": -4.5,
                                              "label": "down 5%"}
    assert "(21 days, dates chosen), as a daily rate (this period has 11 days)" in comparison["description"]
    assert "only Operation Revive's own records" in comparison["description"]
    assert "from" in body["headline"] and "since launch" not in body["headline"]
    # the same range given as compare_from/compare_to
    again = tally(inspector_client, operation.id,
                  f"?from={date.today() - timedelta(days=10)}&compare_from={start}&compare_to={end}")
    assert again["comparison"] == comparison


@pytest.mark.parametrize("previous,current,percent,label", [
    (6, 17, 183.3, "up 183%"), (10, 8, -20.0, "down 20%"), (5, 5, 0.0, "no change"), (0, 4, None, "new"),
    (0, 0, None, "no change"), (3, 0, -100.0, "down 100%"), (1000, 1001, 0.1, "up less than 1%"), (8, 9, 12.5, "up 13%"),
])
def test_change_words(previous, current, percent, label):
    assert change(previous, current) == {"previous": previous, "current": current, "change_percent": percent,
                                         "label": label}


def test_comparison_before_launch_counts_the_target_areas_from_any_operation(app, inspector_client, officer_client,
                                                                             operation):
    """The demo's rule: before launch, the baseline is activity in the target areas whoever logged it."""
    with app.app_context():
        before = Operation(name="Routine", slug="routine", local_policing_area="West", target_areas=["NN3"],
                           starts_on=operation.starts_on - timedelta(days=200),
                           ends_on=operation.starts_on - timedelta(days=1))
        db.session.add(before)
        db.session.commit()
        before_id = before.id
    launch = datetime.combine(operation.starts_on, datetime.min.time(), timezone.utc) + timedelta(hours=12)
    officer_client.sync(records=[
        f.safeguarding_referral(before_id, area="NN3", occurred_at=(launch - timedelta(days=10)).isoformat()),
        f.safeguarding_referral(before_id, area="NN5", occurred_at=(launch - timedelta(days=11)).isoformat()),
        f.safeguarding_referral(before_id, area="NN8", occurred_at=(launch - timedelta(days=12)).isoformat()),  # elsewhere
        f.safeguarding_referral(before_id, area="NN3", occurred_at=(launch - timedelta(days=150)).isoformat()),  # too early
        f.safeguarding_referral(operation.id, area="NN3", occurred_at=(launch + timedelta(days=1)).isoformat()),
        f.safeguarding_referral(operation.id, area="NN5", occurred_at=(launch + timedelta(days=2)).isoformat()),
        f.safeguarding_referral(operation.id, area="NN5", occurred_at=(launch + timedelta(days=3)).isoformat()),
    ])
    body = tally(inspector_client, operation.id, "?compare=previous")
    assert body["comparison"]["change"]["safeguarding_referral"] == {
        "previous": 2, "current": 3, "change_percent": 50.0, "label": "up 50%"}


BAD_QUERIES = [
    ("?group_by=kind,colour", "group_by"), ("?group_by=kind,kind", "group_by"), ("?compare=last-year", "compare"),
    ("?compare=2026-02-01/2026-01-01", "compare"), ("?compare=2026-02-30/2026-03-01", "compare"),
    ("?from=2026-13-01", "from"), ("?from=2026-03-01&to=2026-02-01", "to"), ("?officer=me", "officer"),
    ("?officer=30593882647674937344", "officer"),  # too big for the database's integer (was a 500)
    # exactly the documented forms: no spaces, no empty groupings, no trailing newline, ASCII digits only
    ("?group_by=kind,%20area", "group_by"), ("?group_by=", "group_by"), ("?group_by=kind,", "group_by"),
    ("?compare=%20previous", "compare"), ("?compare=2026-01-01/2026-01-31%0A", "compare"),
    ("?compare=%D9%A2026-01-01/2026-01-31", "compare"),
    # too long, also when the end is today by default (was a 500: the earlier period fell before year 1)
    ("?from=2026-01-01&to=2050-01-01", "to"), ("?from=0422-07-15", "from"), ("?from=0001-01-02&compare=previous", "from"),
    ("?from=0001-01-02&to=0001-01-10&compare=previous", "from"), ("?compare=2000-01-01/2026-01-01", "compare"),
]


# The tally CSV and the briefing read the same period and comparison (the briefing takes no group_by or officer).
@pytest.mark.parametrize("view,query,field", [
    (view, query, field) for view in ("tally", "tally.csv", "briefing") for query, field in BAD_QUERIES
    if view != "briefing" or not query.startswith(("?group_by", "?officer"))])
def test_bad_queries_are_422_naming_the_field(inspector_client, operation, query, field, view):
    resp = inspector_client.get(f"/api/operations/{operation.id}/{view}{query}")
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    body = resp.get_json()["error"]
    assert body["code"] == "validation_error" and field in body["fields"], body


def test_401_404(anon_client, inspector_client, operation):
    resp = anon_client.get(f"/api/operations/{operation.id}/tally")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "not_authenticated"
    resp = inspector_client.get("/api/operations/999999/tally")
    assert resp.status_code == 404 and resp.get_json()["error"]["message"] == "No such operation."
