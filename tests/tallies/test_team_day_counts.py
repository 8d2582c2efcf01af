"""record_team_day_counts (migration 0003) stays equal to a GROUP BY over records joined to
their authors' current teams, whatever writes the records or moves an officer between teams,
and a sergeant's tally read from it equals a plain count."""
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select, text, update

from server.auth.models import Officer
from server.core.db import db
from server.operations.models import Operation
from server.records.models import Record
from server.tallies import service
from server.tallies.models import RecordTeamDayCount
from tests import factories as f

from .week_counts import week_counts_agree

KEY = ("operation_id", "team", "occurred_on", "kind", "area", "status")


def team_counts_agree(app):
    with app.app_context():
        r, o = Record.__table__, Officer.__table__
        cols = [r.c.operation_id, o.c.team, r.c.occurred_on, r.c.kind, r.c.area, r.c.status]
        expected = {tuple(row[:-1]): row[-1] for row in db.session.execute(
            select(*cols, func.count()).select_from(r.join(o, o.c.id == r.c.officer_id))
            .where(o.c.team.is_not(None)).group_by(*cols))}
        kept = {tuple(getattr(row, k) for k in KEY): row.n for row in db.session.scalars(select(RecordTeamDayCount))}
        negative = [k for k, n in kept.items() if n < 0]
        weeks_ok, _ = week_counts_agree()  # migration 0004 keeps the weeks from the days
        return expected == {k: n for k, n in kept.items() if n != 0} and not negative and weeks_ok, expected, kept


def test_the_team_triggers_are_installed(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = db.session.scalars(text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'officers'::regclass AND NOT tgisinternal")).all()
        else:
            names = db.session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'officers'")).all()
    assert set(names) == {"officers_team_day_counts"}


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


def test_an_officer_moving_team_takes_their_counts_along(app, make_officer, operation):
    a = make_officer("officer", team="Team A")
    b = make_officer("officer", team="Team A")
    loner = make_officer("officer", team=None)
    with app.app_context():
        now = datetime.now(timezone.utc)
        rows = []
        for i, who in enumerate([a, a, a, b, loner, loner]):
            at = now - timedelta(days=i % 3)
            rows.append({"id": uuid.uuid4(), "kind": "arrest", "operation_id": operation.id, "officer_id": who.id,
                         "occurred_at": at, "occurred_on": at.date(), "area": "NN3", "status": "submitted",
                         "version": 1, "notes": ""})
        db.session.execute(insert(Record.__table__), rows)
        db.session.commit()
    assert team_counts_agree(app)[0]

    def move(officer, team):
        with app.app_context():
            db.session.execute(update(Officer).where(Officer.id == officer.id).values(team=team))
            db.session.commit()
        ok, expected, kept = team_counts_agree(app)
        assert ok, (officer.id, team, expected, kept)

    move(a, "Team B")        # a team to another
    move(loner, "Team B")    # no team to a team
    move(b, None)            # a team to none
    move(a, "Team B")        # no change at all
    with app.app_context():  # a rename of every member at once (one statement, several rows)
        db.session.execute(update(Officer).where(Officer.team == "Team B").values(team="Team C"))
        db.session.execute(update(Officer).where(Officer.id == a.id).values(display_name="Renamed"))
        db.session.commit()
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
    assert {k[1] for k, n in kept.items() if n} == {"Team C"}
    with app.app_context():  # deletes: two records counted in Team C, one of an officer now without a team
        t = Record.__table__
        db.session.execute(delete(t).where(t.c.id.in_([rows[0]["id"], rows[3]["id"], rows[4]["id"]])))
        db.session.commit()
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
    assert sum(kept.values()) == 3  # a: 3 - 1, loner: 2 - 1 (b has no team now)


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
            rows.append({"id": uuid.uuid4(), "kind": service.KIND_ORDER[i % 4], "operation_id": operation.id,
                         "officer_id": who.id, "occurred_at": at, "occurred_on": day,
                         "area": ("NN3", "NN5")[i % 2], "status": statuses[i % 7 % 4], "version": 1, "notes": ""})
        db.session.execute(insert(Record.__table__), rows)
        db.session.execute(update(Officer).where(Officer.id == members[1].id).values(team="Team A"))
        db.session.commit()
        op = db.session.get(Operation, operation.id)
        team_a = {members[0].id, members[1].id}
        period = service.default_period(op)
        counted = [r for r in rows if r["status"] != "voided" and r["officer_id"] in team_a]
        assert counted
        for viewer_id, team in ((s2.id, None), (s2.id, "Team A"), (inspector.id, "Team A")):
            viewer = db.session.get(Officer, viewer_id)
            assert service._summary_team(service.Question(op, viewer, team=team)) == "Team A"
            for dims in (["kind"], ["kind", "area", "week"], ["team", "status"], ["day"], ["month", "area"]):
                totals, groups = service.count(service.Question(op, viewer, group_by=dims, team=team), period)
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
        assert service._summary_team(service.Question(op, sergeant, team="Team B")) is None
        totals, _ = service.count(service.Question(op, sergeant, team="Team B"), period)
        assert totals["all"] == 0


def _record_row(officer_id, operation_id):
    at = datetime.now(timezone.utc) - timedelta(hours=1)
    return {"id": uuid.uuid4(), "kind": "arrest", "operation_id": operation_id, "officer_id": officer_id,
            "occurred_at": at, "occurred_on": at.date(), "area": "NN3", "status": "submitted", "version": 1,
            "notes": ""}


def _in_thread(fn):
    import threading
    errors = []

    def run():
        try:
            fn()
        except Exception as exc:  # pragma: no cover - reported by the assert below
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    return t, errors


def test_a_team_change_racing_a_batch_keeps_exact_counts(app, make_officer, operation):
    """A batch not yet committed when the officer's team changes, and a team change not yet
    committed when a batch arrives: either way each record is counted once, in the new team
    (PostgreSQL: the triggers lock the authors' officer rows; SQLite: one writer at a time)."""
    import time
    a = make_officer("officer", team="Team A")
    with app.app_context():
        engine = db.engine
        # 1. The batch first, uncommitted; then the team change.
        batch = engine.connect()
        tx = batch.begin()
        batch.execute(insert(Record.__table__), [_record_row(a.id, operation.id)])

        def move_to_b():
            with engine.begin() as conn:
                conn.execute(update(Officer.__table__).where(Officer.__table__.c.id == a.id).values(team="Team B"))

        t, errors = _in_thread(move_to_b)
        time.sleep(0.5)
        tx.commit()
        batch.close()
        t.join(60)
        assert not t.is_alive() and errors == []
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
    with app.app_context():
        # 2. The team change first, uncommitted; then a batch.
        change = engine.connect()
        tx = change.begin()
        change.execute(update(Officer.__table__).where(Officer.__table__.c.id == a.id).values(team="Team C"))

        def send_batch():
            with engine.begin() as conn:
                conn.execute(insert(Record.__table__), [_record_row(a.id, operation.id)])

        t, errors = _in_thread(send_batch)
        time.sleep(0.5)
        tx.commit()
        change.close()
        t.join(60)
        assert not t.is_alive() and errors == []
    ok, expected, kept = team_counts_agree(app)
    assert ok, (expected, kept)
    teams = Counter()
    for k, n in kept.items():
        teams[k[1]] += n
    assert +teams == {"Team C": 2}
