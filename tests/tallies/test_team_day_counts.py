"""record_team_day_counts (migrations 0003, 0006) stays equal to a GROUP BY over records by the
team each was logged under, whatever writes the records; an officer moving team moves nothing;
and a sergeant's tally read from it equals a plain count."""
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select, text, update

from server.auth.models import Officer
from server.core.db import db
from server.operations.models import Operation
from server.records import reference as ref
from server.records.models import Record
from server.tallies import counting, periods
from server.tallies.models import RecordTeamDayCount
from tests import factories as f

from .week_counts import week_counts_agree

KEY = ("operation_id", "team", "occurred_on", "kind", "area", "status")


def team_counts_agree(app):
    with app.app_context():
        r = Record.__table__
        cols = [r.c.operation_id, r.c.team, r.c.occurred_on, r.c.kind, r.c.area, r.c.status]
        expected = {tuple(row[:-1]): row[-1] for row in db.session.execute(
            select(*cols, func.count()).where(r.c.team.is_not(None)).group_by(*cols))}
        kept = {tuple(getattr(row, k) for k in KEY): row.n for row in db.session.scalars(select(RecordTeamDayCount))}
        negative = [k for k, n in kept.items() if n < 0]
        weeks_ok, _ = week_counts_agree()  # migration 0004 keeps the weeks from the days
        return expected == {k: n for k, n in kept.items() if n != 0} and not negative and weeks_ok, expected, kept


def test_the_team_triggers_are_on_records_only(app):
    """A team change is not a change to any record: nothing on `officers` touches the counts."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = db.session.scalars(text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'officers'::regclass AND NOT tgisinternal")).all()
            on_records = db.session.scalars(text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'records'::regclass AND NOT tgisinternal")).all()
        else:
            names = db.session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'officers'")).all()
            on_records = db.session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records'")).all()
    assert names == []
    assert {f"records_team_day_counts_{n}" for n in ("insert", "update", "delete")} <= set(on_records)


def test_team_counts_follow_sync_review_void_edits_and_deletes(app, officer_client, colleague_client,
                                                               other_team_client, sergeant_client, operation):
    recs = [f.arrest(operation.id), f.stop_search(operation.id), f.intelligence_log(operation.id, area="NN5"),
            f.safeguarding_referral(operation.id)]
    officer_client.sync(records=recs)
    colleague_client.sync(records=[f.arrest(operation.id)])
    other_team_client.sync(records=[f.arrest(operation.id), f.stop_search(operation.id)])
    officer_client.sync(records=recs)  # a re-send changes nothing
    assert team_counts_agree(app)[0]
    sergeant_client.post(f"/api/records/{recs[0]['id']}/verify", {"base_version": 1})
    sergeant_client.post(f"/api/records/{recs[1]['id']}/return", {"comment": "Check the outcome", "base_version": 1})
    officer_client.post(f"/api/records/{recs[2]['id']}/void", {"reason": "Wrong operation"})
    officer_client.patch(f"/api/records/{recs[3]['id']}", {"base_version": 1, "area": "NN5",
                                                          "occurred_at": f.now_iso(60 * 30)})
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
    assert sum(kept.values()) == 7
    teams = Counter()
    for k, n in kept.items():
        teams[k[1]] += n
    assert teams == {"West Team 2": 5, "West Team 3": 2}


def _insert(rows):
    db.session.execute(insert(Record.__table__), rows)


def test_an_officer_moving_team_moves_no_counts(app, make_officer, operation):
    a = make_officer("officer", team="Team A")
    b = make_officer("officer", team="Team A")
    loner = make_officer("officer", team=None)
    with app.app_context():
        now = datetime.now(timezone.utc)
        rows = []
        for i, who in enumerate([a, a, a, b, loner, loner]):
            at = now - timedelta(days=i % 3)
            rows.append({"id": uuid.uuid4(), "kind": "arrest", "operation_id": operation.id, "officer_id": who.id,
                         "team": who.team, "occurred_at": at, "occurred_on": at.date(), "area": "NN3",
                         "status": "submitted", "version": 1, "notes": ""})
        _insert(rows)
        db.session.commit()
    ok, expected, before = team_counts_agree(app)
    assert ok, (expected, before)
    assert sum(before.values()) == 4  # the loner's two have no team

    def move(officer, team):
        with app.app_context():
            db.session.execute(update(Officer).where(Officer.id == officer.id).values(team=team))
            db.session.commit()
        ok, expected, kept = team_counts_agree(app)
        assert ok and kept == before, (officer.id, team, expected, kept)

    move(a, "Team B")        # a team to another
    move(loner, "Team B")    # no team to a team
    move(b, None)            # a team to none
    with app.app_context():  # a rename of every member at once (one statement, several rows)
        db.session.execute(update(Officer).where(Officer.team == "Team B").values(team="Team C"))
        db.session.commit()
    assert team_counts_agree(app)[2] == before
    with app.app_context():  # a record corrected to another team moves its count
        t = Record.__table__
        db.session.execute(update(t).where(t.c.id == rows[0]["id"]).values(team="Team C"))
        db.session.execute(update(t).where(t.c.id == rows[4]["id"]).values(team="Team A"))
        db.session.execute(update(t).where(t.c.id == rows[1]["id"]).values(team=None))
        db.session.commit()
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
    teams = Counter()
    for k, n in kept.items():
        teams[k[1]] += n
    assert +teams == {"Team A": 3, "Team C": 1}
    with app.app_context():  # deletes
        t = Record.__table__
        db.session.execute(delete(t).where(t.c.id.in_([rows[0]["id"], rows[3]["id"], rows[5]["id"]])))
        db.session.commit()
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
    assert sum(kept.values()) == 2


def test_team_views_read_the_team_counts_and_equal_a_plain_count(app, make_officer, operation):
    """A sergeant's view and a force-wide view of one team, every grouping, after a team change."""
    s2 = make_officer("sergeant", team="Team A")
    inspector = make_officer("inspector", team=None)
    members = [make_officer("officer", team="Team A"), make_officer("officer", team="Team B"),
               make_officer("officer", team=None)]
    statuses = ("submitted", "verified", "returned", "voided")
    with app.app_context():
        rows = []
        for i in range(60):
            who = members[i % 3]
            day = date.today() - timedelta(days=i % 20)
            at = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
            rows.append({"id": uuid.uuid4(), "kind": ref.KIND_ORDER[i % 4], "operation_id": operation.id,
                         "officer_id": who.id, "team": who.team, "occurred_at": at, "occurred_on": day,
                         "area": ("NN3", "NN5")[i % 2], "status": statuses[i % 7 % 4], "version": 1, "notes": ""})
        db.session.execute(insert(Record.__table__), rows)
        db.session.execute(update(Officer).where(Officer.id == members[1].id).values(team="Team A"))
        db.session.commit()
        op = db.session.get(Operation, operation.id)
        period = periods.default_period(op)
        # members[1] has just joined Team A: their records stay Team B's
        counted = [r for r in rows if r["status"] != "voided" and r["team"] == "Team A"]
        assert counted
        for viewer_id, team in ((s2.id, None), (s2.id, "Team A"), (inspector.id, "Team A")):
            viewer = db.session.get(Officer, viewer_id)
            assert counting._summary_team(periods.Question(op, viewer, team=team)) == "Team A"
            for dims in (["kind"], ["kind", "area", "week"], ["team", "status"], ["day"], ["month", "area"]):
                totals, groups = counting.count(periods.Question(op, viewer, group_by=dims, team=team), period)
                assert totals["all"] == len(counted)
                expected = Counter()
                for r in counted:
                    d = r["occurred_on"]
                    keys = {"kind": r["kind"], "area": r["area"], "status": r["status"], "day": d.isoformat(),
                            "week": (d - timedelta(days=d.weekday())).isoformat(), "month": d.strftime("%Y-%m"),
                            "team": "Team A"}
                    expected[tuple(keys[k] for k in dims)] += 1
                assert Counter({tuple(g[k] for k in dims): g["count"] for g in groups}) == expected, dims
        # Someone else's team asked by a sergeant: nothing, as before (the records path).
        sergeant = db.session.get(Officer, s2.id)
        assert counting._summary_team(periods.Question(op, sergeant, team="Team B")) is None
        totals, _ = counting.count(periods.Question(op, sergeant, team="Team B"), period)
        assert totals["all"] == 0
