"""The week-count tables (migration 0004) equal the day-count tables summed by ISO week."""
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from server.core.db import db
from server.tallies.models import RecordDayCount, RecordTeamDayCount, RecordTeamWeekCount, RecordWeekCount

PAIRS = ((RecordDayCount, RecordWeekCount, ("operation_id",)),
         (RecordTeamDayCount, RecordTeamWeekCount, ("operation_id", "team")))
TAIL = ("kind", "area", "status")


def _day(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def week_counts_agree() -> tuple[bool, list]:
    """(all equal, the differences) for both pairs; needs an app context."""
    differences = []
    for day_model, week_model, head in PAIRS:
        expected = Counter()
        for r in db.session.scalars(select(day_model)):
            d = _day(r.occurred_on)
            expected[(*(getattr(r, k) for k in head), d - timedelta(days=d.weekday()),
                      *(getattr(r, k) for k in TAIL))] += r.n
        kept = Counter()
        for r in db.session.scalars(select(week_model)):
            kept[(*(getattr(r, k) for k in head), _day(r.week), *(getattr(r, k) for k in TAIL))] += r.n
        expected = {k: n for k, n in expected.items() if n}
        got = {k: n for k, n in kept.items() if n}
        if expected != got:
            differences.append((week_model.__tablename__, expected, got))
    return not differences, differences
