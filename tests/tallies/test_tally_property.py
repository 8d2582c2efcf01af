"""Tallies equal a plain Python count over the same records, for random data, grouped
every supported way, for every kind of viewer (force-wide views read the trigger-kept
day counts, scoped views count records), on SQLite and PostgreSQL."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, update

from server.auth.models import Officer
from server.core.db import db
from server.core.timezone import local_date
from server.operations.models import Operation
from server.records.models import Record
from server.tallies import counting, periods, service
from server.tallies.models import RecordDayCount, RecordTeamDayCount

KINDS = ("stop_search", "arrest", "safeguarding_referral", "intelligence_log")
AREAS = ("NN3", "NN5", "NN8")
STATUSES = ("submitted", "verified", "returned", "voided")
LAUNCH = date(2026, 3, 1)
# Days with something to get wrong: both clock changes of 2026, their eves, New Year, a month end.
TRICKY_DAYS = (date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 10, 24), date(2026, 10, 25),
               date(2026, 10, 26), date(2026, 1, 1), date(2026, 2, 28), date(2026, 5, 31), date(2026, 6, 1))

record_st = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS),
    "area": st.sampled_from(AREAS),
    "status": st.sampled_from(STATUSES),
    "officer": st.integers(0, 4),
    "baseline": st.booleans(),  # logged under the other operation
    "day": st.one_of(st.sampled_from(TRICKY_DAYS), st.dates(date(2026, 1, 1), date(2026, 11, 20))),
    # minutes from 22:00 UTC the evening before: covers both sides of local midnight
    "minute": st.integers(0, 26 * 60),
})
change_st = st.lists(st.tuples(st.integers(0, 10_000),
                               st.sampled_from(["void", "restore", "area", "delete", "day", "move"])), max_size=6)
MOVES = ("Team A", "Team B", None)
group_st = st.lists(st.sampled_from(counting.DIMENSIONS), unique=True, max_size=3)
period_st = st.one_of(
    st.none(),
    st.tuples(st.dates(date(2026, 2, 1), date(2026, 11, 20)), st.integers(0, 200)),
)


def _python_tally(records, officers, op_id, period, group_by, viewer, targets=None):
    """The specification, record by record: the operation's records, or (targets) every record in
    those districts whatever the operation; teams as each record was logged."""
    totals, groups = Counter(), Counter()
    for r in records:
        if r["status"] == "voided":
            continue
        day = local_date(r["occurred_at"])
        if not (period.start <= day <= period.end):
            continue
        if (r["area"] not in targets) if targets is not None else r["operation_id"] != op_id:
            continue
        author = officers[r["officer_id"]]
        if viewer.role == "sergeant" and viewer.team and r["team"] != viewer.team:
            continue
        # an officer sees their own; so does a sergeant with no team
        if (viewer.role == "officer" or (viewer.role == "sergeant" and not viewer.team)) and author.id != viewer.id:
            continue
        keys = {"kind": r["kind"], "area": r["area"], "status": r["status"], "day": day.isoformat(),
                "week": (day - timedelta(days=day.weekday())).isoformat(), "month": day.strftime("%Y-%m"),
                "team": r["team"], "officer": author.id}
        totals[r["kind"]] += 1
        groups[tuple(keys[d] for d in group_by)] += 1
    return totals, groups


def _as_counter(groups, group_by):
    out = Counter()
    for g in groups:
        out[tuple(g[d]["id"] if d == "officer" else g[d] for d in group_by)] += g["count"]
    return out


def _setup(app):
    with app.app_context():
        people = [("officer", "A"), ("officer", "A"), ("officer", "B"), ("officer", None), ("sergeant", "A"),
                  ("sergeant", "B"), ("inspector", None), ("analyst", None), ("admin", None)]
        ids = []
        for i, (role, team) in enumerate(people):
            o = Officer(shoulder_number=f"P{i}", display_name=f"P{i}", role=role, team=team and f"Team {team}",
                        password_hash="x")
            db.session.add(o)
            db.session.flush()
            ids.append(o.id)
        op = Operation(name="Op", slug="op", local_policing_area="West", target_areas=["NN3", "NN5"],
                       starts_on=LAUNCH)
        base = Operation(name="Base", slug="base", local_policing_area="West", target_areas=["NN3"],
                         starts_on=date(2026, 1, 1))
        db.session.add_all([op, base])
        db.session.commit()
        return ids, op.id, base.id


def test_tallies_equal_a_plain_count(app):
    officer_ids, op_id, base_id = _setup(app)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(raw=st.lists(record_st, max_size=40), changes=change_st, group_by=group_st, period=period_st,
           compare=st.one_of(st.none(), st.just("previous")))
    def check(raw, changes, group_by, period, compare):
        with app.app_context():
            teams = dict(db.session.execute(select(Officer.id, Officer.team)).all())
            records = []
            for r in raw:
                operation_id = base_id if r["baseline"] else op_id
                at = datetime.combine(r["day"], datetime.min.time(), timezone.utc) - timedelta(hours=2) \
                    + timedelta(minutes=r["minute"])
                if operation_id == op_id and local_date(at) < LAUNCH:
                    at = datetime(2026, 3, 1, 0, 30, tzinfo=timezone.utc)
                records.append({"id": uuid.uuid4(), "kind": r["kind"], "operation_id": operation_id,
                                "officer_id": officer_ids[r["officer"]], "team": teams[officer_ids[r["officer"]]],
                                "occurred_at": at,
                                "occurred_on": local_date(at), "area": r["area"], "status": r["status"],
                                "version": 1, "notes": ""})
            if records:
                db.session.execute(insert(Record.__table__), records)
            # Edits after the fact go through the update and delete triggers.
            for index, what in changes:
                if not records:
                    break
                r = records[index % len(records)]
                t = Record.__table__
                if what == "move":  # the author changes team: their records keep the one they were logged under
                    o = Officer.__table__
                    db.session.execute(update(o).where(o.c.id == r["officer_id"]).values(
                        team=MOVES[index % len(MOVES)]))
                    continue
                if what == "delete":
                    db.session.execute(delete(t).where(t.c.id == r["id"]))
                    records.remove(r)
                    continue
                if what == "void":
                    r["status"] = "voided"
                elif what == "restore":
                    r["status"] = "returned"
                elif what == "area":
                    r["area"] = "NN5" if r["area"] != "NN5" else "NN3"
                elif what == "day":
                    r["occurred_at"] += timedelta(days=1)
                    r["occurred_on"] = local_date(r["occurred_at"])
                db.session.execute(update(t).where(t.c.id == r["id"]).values(
                    status=r["status"], area=r["area"], occurred_at=r["occurred_at"], occurred_on=r["occurred_on"]))
            db.session.commit()

            op = db.session.get(Operation, op_id)
            officers = {o.id: o for o in db.session.scalars(select(Officer))}
            if period is None:
                p = periods.default_period(op)
            else:
                p = periods.Period(period[0], period[0] + timedelta(days=period[1]))
            for viewer_id in (officer_ids[0], officer_ids[4], officer_ids[5], officer_ids[6], officer_ids[8]):
                viewer = officers[viewer_id]
                q = periods.Question(op, viewer, group_by=list(group_by))
                totals, groups = counting.count(q, p)
                exp_totals, exp_groups = _python_tally(records, officers, op_id, p, group_by, viewer)
                assert {k: totals[k] for k in KINDS} == {k: exp_totals[k] for k in KINDS}, (viewer.role, group_by)
                assert totals["all"] == sum(exp_totals.values())
                assert _as_counter(groups, group_by) == exp_groups, (viewer.role, group_by)
                assert all(g["count"] > 0 for g in groups)
                if viewer_id in (officer_ids[4], officer_ids[6]):
                    # every dimension on its own, on both the day-count path and the records path
                    for dim in counting.DIMENSIONS:
                        _, single = counting.count(periods.Question(op, viewer, group_by=[dim]), p)
                        _, exp_single = _python_tally(records, officers, op_id, p, [dim], viewer)
                        assert _as_counter(single, [dim]) == exp_single, (viewer.role, dim)
                if compare:
                    prev = p.previous()
                    for population, targets in (("operation", None), ("districts", op.target_areas)):
                        comparison = service.compare(q, totals, p, periods.Comparison("previous_period", prev,
                                                                                      population))
                        exp_prev, _ = _python_tally(records, officers, op_id, prev, [], viewer, targets)
                        exp_now, _ = _python_tally(records, officers, op_id, p, [], viewer, targets)
                        assert {k: comparison["totals"][k] for k in KINDS} == {k: exp_prev[k] for k in KINDS}
                        assert {k: comparison["current_totals"][k] for k in KINDS} == {k: exp_now[k] for k in KINDS}
                        for k in KINDS:
                            c = comparison["change"][k]
                            assert (c["previous"], c["current"]) == (exp_prev[k], exp_now[k])
                            if exp_prev[k] == 0:
                                assert c["change_percent"] is None and c["label"] in ("new", "no change")
            # Clean up for the next example: every count goes back to zero through the delete trigger.
            db.session.execute(delete(Record.__table__))
            for officer_id, team in teams.items():
                db.session.execute(update(Officer.__table__).where(Officer.__table__.c.id == officer_id).values(
                    team=team))
            db.session.commit()
            assert db.session.scalar(select(func.coalesce(func.sum(RecordDayCount.n), 0))) == 0
            assert db.session.scalar(select(func.count()).select_from(RecordDayCount).where(RecordDayCount.n < 0)) == 0
            db.session.execute(delete(RecordDayCount))
            for table in (RecordTeamDayCount,):  # migration 0003's per-team counts go back to zero too
                assert db.session.scalar(select(func.coalesce(func.sum(table.n), 0))) == 0
                assert db.session.scalar(select(func.count()).select_from(table).where(table.n < 0)) == 0
                db.session.execute(delete(table))
            db.session.commit()
            db.session.remove()

    check()
