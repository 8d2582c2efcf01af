"""Comparisons a briefing can stand on: one population counted the same way on both sides, named
periods that do not move with the day they are asked on, unequal lengths as daily rates, and
comparison periods that overlap (or follow) the period counted refused, naming the parameter."""
import uuid
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from server.auth.models import Officer
from server.core.db import db
from server.operations.models import Operation
from server.records.models import Record
from server.tallies import comparisons, periods, service
from tests import factories as f

KINDS = ("stop_search", "arrest", "safeguarding_referral", "intelligence_log")
LAUNCH = date(2026, 3, 1)


def tally(client, op_id, query=""):
    resp = client.get(f"/api/operations/{op_id}/tally{query}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def refused(client, op_id, query, field):
    resp = client.get(f"/api/operations/{op_id}/tally{query}")
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]
    error = resp.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"], error
    return error["fields"][field][0]


def at_noon(day: date) -> str:
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc).isoformat()


def make_operation(app, slug, areas, starts_on, ends_on=None):
    with app.app_context():
        op = Operation(name=f"Operation {slug.title()}", slug=slug, local_policing_area="West", target_areas=areas,
                       starts_on=starts_on, ends_on=ends_on)
        db.session.add(op)
        db.session.commit()
        return op.id


# ---- one rule for both sides ----------------------------------------------------------------------

def test_unrelated_records_before_launch_no_longer_move_one_side_only(app, inspector_client, officer_client):
    """Three safeguarding referrals of an unrelated operation in NN3 before launch turned "up 183%" into
    "up 89%" when only the before side counted other operations. Now the rule is stated and symmetric:
    with population=operation nothing of another operation counts on either side; with districts
    (before_launch's) the same records count on whichever side their day falls, like the operation's."""
    launch = date.today() - timedelta(days=30)
    op = make_operation(app, "revive", ["NN3", "NN5"], launch)
    routine = make_operation(app, "routine", ["NN3", "NN5"], launch - timedelta(days=60), launch - timedelta(days=1))
    other = make_operation(app, "unrelated", ["NN3"], launch - timedelta(days=60))
    before = [f.safeguarding_referral(routine, area="NN3", occurred_at=at_noon(launch - timedelta(days=3 + i)))
              for i in range(2)]
    since = [f.safeguarding_referral(op, area="NN5", occurred_at=at_noon(launch + timedelta(days=1 + i)))
             for i in range(6)]
    officer_client.sync(records=before + since)
    base = tally(inspector_client, op, "?compare=before_launch")["comparison"]
    assert base["change"]["safeguarding_referral"]["label"] == "up 200%"  # 2 -> 6
    officer_client.sync(records=[f.safeguarding_referral(other, area="NN3",
                                                         occurred_at=at_noon(launch - timedelta(days=5 + i)))
                                 for i in range(3)])
    after = tally(inspector_client, op, "?compare=before_launch")["comparison"]
    assert after["population"] == "districts"
    assert after["description"].endswith("both periods count every record in NN3 and NN5, whatever the "
                                         "operation. Voided records never count.")
    assert (after["totals"]["safeguarding_referral"], after["current_totals"]["safeguarding_referral"]) == (5, 6)
    # ... and one of theirs after launch counts on the current side just the same
    officer_client.sync(records=[f.safeguarding_referral(other, area="NN3", occurred_at=at_noon(launch))])
    later = tally(inspector_client, op, "?compare=before_launch")["comparison"]
    assert (later["totals"]["safeguarding_referral"], later["current_totals"]["safeguarding_referral"]) == (5, 7)
    # the operation's own headline figures are the operation's records, whatever the comparison
    assert tally(inspector_client, op, "?compare=before_launch")["totals"]["safeguarding_referral"] == 6
    # population=operation for a comparison after launch: another operation's records count nowhere
    mine = tally(inspector_client, op, f"?from={launch + timedelta(days=2)}&to={launch + timedelta(days=3)}"
                                       "&compare=previous_period&population=operation")["comparison"]
    assert mine["population"] == "operation"
    assert mine["period"] == {"from": launch.isoformat(), "to": (launch + timedelta(days=1)).isoformat()}
    assert (mine["totals"]["safeguarding_referral"], mine["current_totals"]["safeguarding_referral"]) == (1, 2)


def test_the_same_days_count_the_same_as_either_side(app, inspector_client, officer_client):
    """The same 30 days counted 0 as a current period and 4 as a comparison period: never again."""
    launch = date.today() - timedelta(days=80)
    op = make_operation(app, "revive", ["NN3", "NN5"], launch)
    other = make_operation(app, "other", ["NN3", "NN8"], launch - timedelta(days=100))
    records = []
    for i in range(24):
        day = launch - timedelta(days=40) + timedelta(days=5 * i)
        records.append(f.ALL_KINDS[i % 4]((op if day >= launch and i % 2 else other),
                                          area=("NN3", "NN5", "NN8")[i % 3], occurred_at=at_noon(day)))
    officer_client.sync(records=records)
    a, b, c = ((launch + timedelta(days=start), launch + timedelta(days=start + 29)) for start in (10, 40, 70))
    for population in ("operation", "districts"):
        as_current = tally(inspector_client, op, f"?from={b[0]}&to={b[1]}&compare_from={a[0]}&compare_to={a[1]}"
                                                 f"&population={population}")
        as_comparison = tally(inspector_client, op, f"?from={c[0]}&to={c[1]}&compare_from={b[0]}&compare_to={b[1]}"
                                                    f"&population={population}")
        assert as_current["comparison"]["current_totals"] == as_comparison["comparison"]["totals"], population
        assert as_current["comparison"]["current_totals"]["all"] > 0
        if population == "operation":
            assert as_current["comparison"]["current_totals"] == as_current["totals"]


def _seed(app):
    with app.app_context():
        officers = []
        for role, team in (("officer", "Team A"), ("officer", "Team B"), ("sergeant", "Team A"),
                           ("inspector", None)):
            o = Officer(shoulder_number=f"X{len(officers)}", display_name=role, role=role, team=team,
                        password_hash="x")
            db.session.add(o)
            officers.append(o)
        op = Operation(name="Op", slug="op", local_policing_area="West", target_areas=["NN3", "NN5"],
                       starts_on=LAUNCH)
        other = Operation(name="Other", slug="other", local_policing_area="West", target_areas=["NN3", "NN8"],
                          starts_on=date(2025, 6, 1))
        db.session.add_all([op, other])
        db.session.commit()
        return [(o.id, o.team) for o in officers], op.id, other.id


unrelated_st = st.lists(st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS), "area": st.sampled_from(("NN3", "NN5", "NN8", "NN9")),
    "day": st.dates(date(2025, 10, 1), date(2026, 8, 31)), "officer": st.integers(0, 1),
    "status": st.sampled_from(("submitted", "verified", "voided"))}), min_size=1, max_size=25)
question_st = st.tuples(
    st.sampled_from(["before_launch", "previous_period", "previous_month", "last_year", "range"]),
    st.sampled_from([(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 1), date(2026, 5, 15)),
                     (date(2026, 4, 1), date(2026, 4, 30)), (date(2026, 6, 8), date(2026, 6, 14))]),
    st.sampled_from([None, "operation", "districts"]))


def test_records_of_another_operation_never_move_one_side(app):
    """Property: whatever another operation logs (any kind, any district, any day, any status), a
    comparison changes only as its rule says: not at all when both sides count the operation's own
    records; with districts, each side by exactly the other operation's counted records in the
    target districts on that side's days. For every viewer scope."""
    officers, op_id, other_id = _seed(app)
    mine = []
    with app.app_context():
        for i in range(40):  # the operation's own records, fixed
            day = LAUNCH + timedelta(days=3 * i)
            mine.append({"id": uuid.uuid4(), "kind": KINDS[i % 4], "operation_id": op_id,
                         "officer_id": officers[i % 2][0], "team": officers[i % 2][1],
                         "occurred_at": datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc),
                         "occurred_on": day, "area": ("NN3", "NN5")[i % 2], "status": "submitted", "version": 1,
                         "notes": ""})
        db.session.execute(insert(Record.__table__), mine)
        db.session.commit()

    def answer(rule, period, population, viewer):
        with app.app_context():
            op = db.session.get(Operation, op_id)
            viewer = db.session.get(Officer, viewer)
            p = periods.Period(*period)
            dates = periods.Period(date(2025, 11, 1), date(2026, 1, 31)) if rule == "range" else None
            try:
                comparison = comparisons.resolve_comparison(op, p, None if dates else rule, dates, population)
            except Exception as exc:  # refused (e.g. population=operation before launch): refused every time
                return type(exc).__name__, getattr(exc, "fields", None)
            result = service.tally(periods.Question(op, viewer), p, comparison)["comparison"]
            return comparison, result

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(unrelated=unrelated_st, question=question_st)
    def check(unrelated, question):
        rule, period, population = question
        for viewer, _ in officers[1:]:  # an officer, a sergeant, an inspector
            before = answer(rule, period, population, viewer)
            rows = []
            with app.app_context():
                for r in unrelated:
                    who, team = officers[r["officer"]]
                    rows.append({"id": uuid.uuid4(), "kind": r["kind"], "operation_id": other_id, "officer_id": who,
                                 "team": team, "occurred_at": datetime(r["day"].year, r["day"].month, r["day"].day,
                                                                       12, tzinfo=timezone.utc),
                                 "occurred_on": r["day"], "area": r["area"], "status": r["status"], "version": 1,
                                 "notes": ""})
                db.session.execute(insert(Record.__table__), rows)
                db.session.commit()
            after = answer(rule, period, population, viewer)
            with app.app_context():
                db.session.execute(delete(Record.__table__).where(Record.operation_id == other_id))
                db.session.commit()
                viewer_row = db.session.get(Officer, viewer)
                viewer_role, viewer_team = viewer_row.role, viewer_row.team
            if not isinstance(before[0], periods.Comparison):
                assert after == before  # refused: for the same reason, whatever was logged
                continue
            comparison, old = before
            _, new = after
            assert new["period"] == old["period"] and new["population"] == old["population"]

            def seen(r):
                if r["status"] == "voided" or r["area"] not in ("NN3", "NN5"):
                    return False
                if viewer_role == "officer":
                    return r["officer_id"] == viewer
                if viewer_role == "sergeant":
                    return r["team"] == viewer_team
                return True

            for side, p in (("totals", comparison.period), ("current_totals", periods.Period(*period))):
                moved = Counter(r["kind"] for r in rows if p.start <= r["occurred_on"] <= p.end and seen(r))
                if comparison.population == "operation":
                    moved = Counter()
                for kind in KINDS:
                    assert new[side][kind] - old[side][kind] == moved[kind], (side, kind, comparison)

    check()


# ---- named periods ----------------------------------------------------------------------------------

def test_a_closed_period_reads_the_same_whatever_day_it_is_asked(app, inspector_client, officer_client,
                                                                 monkeypatch):
    launch = date(2026, 3, 2)
    op = make_operation(app, "revive", ["NN3", "NN5"], launch)
    routine = make_operation(app, "routine", ["NN3", "NN5"], date(2025, 9, 1), launch - timedelta(days=1))
    officer_client.sync(records=[f.safeguarding_referral(routine, occurred_at=at_noon(launch - timedelta(days=d)))
                                 for d in (1, 5, 20, 29, 31, 60, 90)])
    officer_client.sync(records=[f.safeguarding_referral(op, occurred_at=at_noon(launch + timedelta(days=d)))
                                 for d in (0, 3, 9, 15, 29, 30, 45)])
    answers = []
    for today in (date(2026, 4, 30), date(2026, 7, 1), date(2026, 11, 30)):
        monkeypatch.setattr(periods, "local_today", lambda today=today: today)
        answers.append(tally(inspector_client, op, "?to=2026-03-31&compare=before_launch"))
    assert answers[0] == answers[1] == answers[2]
    comparison = answers[0]["comparison"]
    # 2 March .. 31 March is 30 days: compared with the 30 days just before launch
    assert comparison["period"] == {"from": "2026-01-31", "to": "2026-03-01"}
    assert comparison["current_period"] == {"from": "2026-03-02", "to": "2026-03-31"}
    assert (comparison["totals"]["safeguarding_referral"], comparison["current_totals"]["safeguarding_referral"]) == (
        4, 5)
    assert comparison["description"] == (
        "Compared with 31 Jan\u20131 Mar 2026 (30 days, before launch); both periods count every record in NN3 "
        "and NN5, whatever the operation. Voided records never count.")
    # the before-launch period is anchored at launch: however long the period, it ends the day before
    for to in ("2026-03-10", "2026-05-31"):
        period = tally(inspector_client, op, f"?to={to}&compare=before_launch")["comparison"]["period"]
        assert period["to"] == "2026-03-01"
    # an ended operation's since-launch figure (no `to`) is closed too
    with app.app_context():
        db.session.get(Operation, op).ends_on = date(2026, 4, 15)
        db.session.commit()
    ended = []
    for today in (date(2026, 5, 1), date(2026, 12, 1)):
        monkeypatch.setattr(periods, "local_today", lambda today=today: today)
        ended.append(tally(inspector_client, op, "?compare=before_launch"))
    assert ended[0] == ended[1] and ended[0]["period"] == {"from": "2026-03-02", "to": "2026-04-15"}


def test_previous_month_is_the_calendar_month_and_compared_as_a_daily_rate(app, inspector_client, officer_client):
    op = make_operation(app, "revive", ["NN3", "NN5"], date(2025, 9, 1))
    october = [f.arrest(op, occurred_at=at_noon(date(2025, 10, d))) for d in (1, 2, 15, 31)]
    november = [f.arrest(op, occurred_at=at_noon(date(2025, 11, d))) for d in (1, 10, 20, 30)]
    officer_client.sync(records=october + november)
    for compare in ("previous_month", "previous"):
        comparison = tally(inspector_client, op, f"?from=2025-11-01&to=2025-11-30&compare={compare}")["comparison"]
        assert comparison["rule"] == "previous_month" and comparison["population"] == "operation"
        assert comparison["period"] == {"from": "2025-10-01", "to": "2025-10-31"}  # not 2-31 October
        assert (comparison["days"], comparison["current_days"], comparison["daily_rate"]) == (31, 30, True)
        # 4 in 31 days against 4 in 30: the rate is up 3.3%
        assert comparison["change"]["arrest"] == {"previous": 4, "current": 4, "change_percent": 3.3,
                                                  "label": "up 3%"}
        assert comparison["description"].startswith(
            "Compared with 1\u201331 Oct 2025 (31 days, the previous month), as a daily rate (this period has 30 "
            "days); both periods count only Operation Revive's own records")
    # month to date against the whole previous month
    partial = tally(inspector_client, op, "?from=2025-11-01&to=2025-11-10&compare=previous_month")["comparison"]
    assert partial["period"] == {"from": "2025-10-01", "to": "2025-10-31"} and partial["daily_rate"] is True
    # plain previous for a part-month: as many days just before
    assert tally(inspector_client, op, "?from=2025-11-05&to=2025-11-14&compare=previous")["comparison"]["period"] == {
        "from": "2025-10-26", "to": "2025-11-04"}
    message = refused(inspector_client, op, "?from=2025-11-05&to=2025-11-30&compare=previous_month", "compare")
    assert "within one calendar month" in message


def test_previous_week_and_last_year(app, inspector_client, officer_client):
    op = make_operation(app, "revive", ["NN3", "NN5"], date(2023, 1, 1))
    officer_client.sync(records=[f.stop_search(op, occurred_at=at_noon(d)) for d in (
        date(2026, 11, 16), date(2026, 11, 22), date(2026, 11, 23), date(2023, 2, 28), date(2024, 2, 29),
        date(2024, 2, 28))])
    week = tally(inspector_client, op, "?from=2026-11-23&to=2026-11-29&compare=previous_week")["comparison"]
    assert week["period"] == {"from": "2026-11-16", "to": "2026-11-22"}
    assert week["change"]["stop_search"]["label"] == "down 50%"
    assert tally(inspector_client, op, "?from=2026-11-23&to=2026-11-29&compare=previous")["comparison"]["rule"] == (
        "previous_week")
    refused(inspector_client, op, "?from=2026-11-24&to=2026-11-29&compare=previous_week", "compare")
    # 29 February's year-earlier day is 28 February
    leap = tally(inspector_client, op, "?from=2024-02-29&to=2024-02-29&compare=last_year")["comparison"]
    assert leap["period"] == {"from": "2023-02-28", "to": "2023-02-28"}
    assert leap["change"]["stop_search"]["label"] == "no change"
    span = tally(inspector_client, op, "?from=2024-02-01&to=2024-02-29&compare=last_year")["comparison"]
    assert span["period"] == {"from": "2023-02-01", "to": "2023-02-28"}
    assert (span["days"], span["current_days"], span["daily_rate"]) == (28, 29, True)
    # 2 in 29 days against 1 in 28
    assert span["change"]["stop_search"]["change_percent"] == 93.1
    # a period longer than a year would overlap its year-earlier self
    assert "overlaps" in refused(inspector_client, op, "?from=2024-01-01&to=2025-03-01&compare=last_year", "compare")


def test_unequal_lengths_compare_daily_rates(app, inspector_client, officer_client):
    """61 days against 30 with the same count: the rate has doubled, which is never "no change"."""
    op = make_operation(app, "revive", ["NN3", "NN5"], date(2025, 6, 1))
    before = [f.arrest(op, occurred_at=at_noon(date(2025, 9, 1) + timedelta(days=2 * i))) for i in range(30)]
    since = [f.arrest(op, occurred_at=at_noon(date(2025, 11, 1) + timedelta(days=i))) for i in range(30)]
    officer_client.sync(records=before + since)
    comparison = tally(inspector_client, op, "?from=2025-11-01&to=2025-11-30&compare=2025-09-01/2025-10-31")[
        "comparison"]
    assert (comparison["days"], comparison["current_days"]) == (61, 30)
    assert comparison["change"]["arrest"] == {"previous": 30, "current": 30, "change_percent": 103.3,
                                              "label": "up 103%"}
    assert "(61 days, dates chosen), as a daily rate (this period has 30 days)" in comparison["description"]


@pytest.mark.parametrize("query,field,words", [
    ("&compare=2025-11-01/2025-11-30", "compare", "overlaps"),  # the same period
    ("&compare=2025-10-15/2025-11-05", "compare", "overlaps"),
    ("&compare=2025-12-01/2025-12-31", "compare", "after"),
    ("&compare_from=2025-11-20&compare_to=2025-12-20", "compare_from", "overlaps"),
    ("&compare_from=2026-01-01&compare_to=2026-01-31", "compare_from", "after"),
    ("&compare_from=2025-10-01", "compare_to", "together"),
    ("&compare_to=2025-10-01", "compare_from", "together"),
    ("&compare=previous&compare_from=2025-10-01&compare_to=2025-10-31", "compare_from", "not both"),
    ("&compare_from=2025-10-31&compare_to=2025-10-01", "compare_to", "on or after"),
    ("&population=everyone&compare=previous", "population", ""),
    ("&population=districts", "population", "give compare too"),
])
def test_overlapping_or_later_comparisons_are_refused(app, inspector_client, query, field, words):
    op = make_operation(app, "revive", ["NN3", "NN5"], date(2025, 6, 1))
    message = refused(inspector_client, op, f"?from=2025-11-01&to=2025-11-30{query}", field)
    assert words in message


def test_before_launch_needs_the_districts_population(app, inspector_client):
    launch = date.today() - timedelta(days=20)
    op = make_operation(app, "revive", ["NN3", "NN5"], launch)
    message = refused(inspector_client, op, "?compare=before_launch&population=operation", "population")
    assert "no records of its own" in message and "population=districts" in message
    # any comparison reaching back before launch counts the districts, unless told otherwise (then refused)
    assert tally(inspector_client, op, "?compare=previous")["comparison"]["population"] == "districts"
    refused(inspector_client, op, "?compare=previous&population=operation", "population")
    # a period starting before launch has no "before launch" of the same length
    refused(inspector_client, op, f"?from={launch - timedelta(days=3)}&compare=before_launch", "compare")
