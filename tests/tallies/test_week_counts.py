"""Migration 0004: week counts kept from the day counts, and the tallies that read them."""
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, insert, text, update

from server.auth.models import Officer
from server.core.db import db
from server.operations.models import Operation
from server.records import reference as ref
from server.records.models import Record
from server.tallies import counting, periods

from .week_counts import week_counts_agree


def test_the_week_triggers_are_installed(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = db.session.scalars(text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid IN ('record_day_counts'::regclass, "
                "'record_team_day_counts'::regclass) AND NOT tgisinternal")).all()
            suffixes = ("insert", "update", "delete")
        else:
            names = db.session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('record_day_counts', 'record_team_day_counts')")).all()
            suffixes = ("insert", "update", "rekey", "delete")
    assert set(names) == {f"{t}_week_{s}" for t in ("record_day_counts", "record_team_day_counts") for s in suffixes}


def test_whole_weeks_of_a_period():
    P = periods.Period
    monday = date(2026, 11, 2)
    assert counting._whole_weeks(P(monday, monday + timedelta(days=6))) == (monday, monday)
    assert counting._whole_weeks(P(monday + timedelta(days=1), monday + timedelta(days=12))) is None
    assert counting._whole_weeks(P(monday - timedelta(days=1), monday + timedelta(days=14))) == (
        monday, monday + timedelta(days=7))


def test_week_grouped_tallies_read_the_week_counts_and_equal_a_plain_count(app, make_officer, operation):
    """Team and force-wide views over periods starting and ending mid-week, after edits, a void,
    a delete and a team change: the week counts follow and the answers equal a plain count."""
    sergeant = make_officer("sergeant", team="Team A")
    analyst = make_officer("analyst", team=None)
    members = [make_officer("officer", team="Team A"), make_officer("officer", team="Team B")]
    statuses = ("submitted", "verified", "returned", "voided")
    start = date.today() - timedelta(days=60)
    with app.app_context():
        rows = []
        for i in range(240):
            day = start + timedelta(days=i % 61)
            at = datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
            rows.append({"id": uuid.uuid4(), "kind": ref.KIND_ORDER[i % 4], "operation_id": operation.id,
                         "officer_id": members[i % 2].id, "team": members[i % 2].team, "occurred_at": at,
                         "occurred_on": day,
                         "area": ("NN3", "NN5", "NN8")[i % 3], "status": statuses[i % 7 % 4], "version": 1,
                         "notes": ""})
        db.session.execute(insert(Record.__table__), rows)
        db.session.commit()
        t = Record.__table__
        db.session.execute(update(t).where(t.c.id == rows[0]["id"]).values(status="voided"))
        db.session.execute(update(t).where(t.c.id == rows[1]["id"]).values(
            occurred_on=rows[1]["occurred_on"] + timedelta(days=9)))
        db.session.execute(delete(t).where(t.c.id == rows[2]["id"]))
        db.session.execute(update(Officer).where(Officer.id == members[1].id).values(team="Team A"))
        db.session.commit()
        ok, differences = week_counts_agree()
        assert ok, differences
        now = {r["id"]: dict(r) for r in rows}
        now[rows[0]["id"]]["status"] = "voided"
        now[rows[1]["id"]]["occurred_on"] = rows[1]["occurred_on"] + timedelta(days=9)
        del now[rows[2]["id"]]
        op = db.session.get(Operation, operation.id)
        for viewer in (db.session.get(Officer, sergeant.id), db.session.get(Officer, analyst.id)):
            for first, last in ((start + timedelta(days=3), start + timedelta(days=50)), (start, date.today())):
                period = periods.Period(first, last)
                dims = ["kind", "area", "week"]
                stmt, _, _ = counting._count_query(periods.Question(op, viewer, group_by=dims), period, dims)
                assert "week_counts" in str(stmt)
                _, groups = counting.count(periods.Question(op, viewer, group_by=dims), period)
                expected = Counter()
                for r in now.values():
                    d = r["occurred_on"]
                    # the sergeant's: Team A's records; the second member's stay Team B's after the move
                    mine = viewer.role != "sergeant" or r["team"] == "Team A"
                    if r["status"] != "voided" and first <= d <= last and mine:
                        expected[(r["kind"], r["area"], (d - timedelta(days=d.weekday())).isoformat())] += 1
                assert {(g["kind"], g["area"], g["week"]): g["count"] for g in groups} == expected
