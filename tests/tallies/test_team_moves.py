"""A record keeps the team it was logged under: an officer moving team changes no team's past
figures, and the sergeant who counts a record can list, open and review it."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, update

from server.auth.models import Officer
from server.core.db import db
from server.operations.models import Operation
from server.records.models import Record
from tests import factories as f


def move(app, officer, team):
    with app.app_context():
        db.session.execute(update(Officer).where(Officer.id == officer.id).values(team=team))
        db.session.commit()


def test_a_team_move_leaves_past_team_tallies_unchanged(app, login_as, sergeant_client, other_sergeant_client,
                                                        inspector_client):
    """An officer moving team takes no past records along: the March tally of the team they join stays at 0,
    and their old team's keeps its 7."""
    with app.app_context():
        op = Operation(name="Op", slug="op", local_policing_area="West", target_areas=["NN3", "NN5"],
                       starts_on=date(2026, 3, 1))
        db.session.add(op)
        db.session.commit()
        op_id = op.id
    mover = login_as("officer", team="West Team 2")
    march = [f.arrest(op_id, occurred_at=datetime(2026, 3, 2 + 3 * i, 12, tzinfo=timezone.utc).isoformat())
             for i in range(7)]
    assert {r["status"] for r in mover.sync(records=march).get_json()["records"]} == {"created"}
    question = f"/api/operations/{op_id}/tally?from=2026-03-01&to=2026-03-31&group_by=team"

    def tallies():
        return [c.get(question).get_json() for c in (sergeant_client, other_sergeant_client, inspector_client)]

    before = tallies()
    assert [t["totals"]["all"] for t in before] == [7, 0, 7]
    move(app, mover.officer, "West Team 3")
    assert tallies() == before
    assert before[2]["groups"] == [{"team": "West Team 2", "count": 7}]
    # what the officer logs from now on is their new team's
    mover.sync(records=[f.arrest(op_id, occurred_at=datetime(2026, 3, 30, 12, tzinfo=timezone.utc).isoformat())])
    after = tallies()
    assert [t["totals"]["all"] for t in after] == [7, 1, 8]
    assert after[2]["groups"] == [{"team": "West Team 2", "count": 7}, {"team": "West Team 3", "count": 1}]
    with app.app_context():
        teams = sorted(db.session.scalars(select(Record.team).where(Record.officer_id == mover.officer.id)))
    assert teams == ["West Team 2"] * 7 + ["West Team 3"]

    # The sergeant who counts a record can list, open and review it; the other sergeant cannot.
    listed = sergeant_client.get(f"/api/records?operation={op_id}&per_page=50").get_json()
    assert listed["total"] == 7 and {r["id"] for r in listed["items"]} == {r["id"] for r in march}
    listed = other_sergeant_client.get(f"/api/records?operation={op_id}&per_page=50").get_json()
    assert listed["total"] == 1
    assert sergeant_client.get(f"/api/records/{march[0]['id']}").status_code == 200
    assert other_sergeant_client.get(f"/api/records/{march[0]['id']}").status_code == 404
    assert sergeant_client.post(f"/api/records/{march[1]['id']}/verify", {"base_version": 1}).status_code == 200
    assert other_sergeant_client.post(f"/api/records/{march[2]['id']}/verify", {"base_version": 1}).status_code == 404
    # the officer still has their own, whichever team they are in
    assert mover.get(f"/api/records?operation={op_id}&per_page=50").get_json()["total"] == 8


def test_records_from_the_sync_take_the_officers_team_at_the_time(app, login_as, operation):
    officer = login_as("officer", team="West Team 2")
    first = f.stop_search(operation.id)
    officer.sync(records=[first])
    move(app, officer.officer, None)
    second = f.stop_search(operation.id, occurred_at=(datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat())
    officer.sync(records=[second])
    with app.app_context():
        teams = dict(db.session.execute(select(Record.id, Record.team).where(
            Record.officer_id == officer.officer.id)).all())
    assert {str(k): v for k, v in teams.items()} == {first["id"]: "West Team 2", second["id"]: None}
