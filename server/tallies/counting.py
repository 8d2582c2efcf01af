"""Counting an operation's records: every count is one SQL GROUP BY, never a loop over records.

Where the numbers come from
- Voided records never count; submitted, verified and returned ones do.
- Days, ISO weeks (Monday to Sunday, labelled by the Monday) and months are
  those of `records.occurred_on`, the force-local (Europe/London by default)
  calendar day of `occurred_at`, so BST/GMT changes and shifts crossing
  midnight fall on the right day.
- A team is the team each record was logged under (`records.team`), never the
  author's team today: a team's past figures stay put when an officer moves.
- A force-wide view (inspector, analyst, admin; no team or officer in the
  question) sums `record_day_counts` (kept by triggers, see models.py); a view
  of one team (a sergeant's, or a force-wide viewer's `team=`), with no officer
  in the question, sums `record_team_day_counts` (same, per record team); a
  view scoped to an officer counts `records` through the covering index
  `ix_records_officer_operation_day` (a team's officers: `ix_records_team_operation_day`).
- A comparison counts one population on both sides (see service.compare()).
- A count-table question not grouped by day or month reads the period's whole
  ISO weeks from `record_week_counts` / `record_team_week_counts` (kept from the
  day counts by triggers, migration 0004) and only the edge days from the day
  counts, so a year costs ~52 rows per combination instead of ~365.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Integer, String, bindparam, cast, func, literal_column, select, type_coerce, union_all

from ..auth.models import Officer
from ..core.db import db
from ..core.security import FORCE_WIDE, SERGEANT
from ..records import reference as ref
from ..records.access import scope_counted_records
from ..records.models import Record
from .models import RecordDayCount, RecordTeamDayCount, RecordTeamWeekCount, RecordWeekCount
from .periods import DISTRICTS, OPERATION, Period, Question

DIMENSIONS = ("kind", "area", "day", "week", "month", "team", "officer", "status")
COUNTED = (ref.Status.SUBMITTED, ref.Status.VERIFIED, ref.Status.RETURNED)  # voided never counts


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _week_start(day_col):
    """reference.week_start in SQL: the Monday of the ISO week of a DATE column."""
    # Literals, not bound parameters: PostgreSQL must see the same expression in SELECT and GROUP BY.
    if _dialect() == "postgresql":
        return day_col - (cast(func.extract("isodow", day_col), Integer) - literal_column("1"))
    return func.date(day_col, literal_column("'-6 days'"), literal_column("'weekday 1'"))


def _month(day_col):
    if _dialect() == "postgresql":
        return func.to_char(day_col, literal_column("'YYYY-MM'"))
    return func.strftime(literal_column("'%Y-%m'"), day_col)


def _uses_summary(q: Question) -> bool:
    return (q.viewer.role in FORCE_WIDE and q.team is None and q.officer_id is None
            and not {"team", "officer"} & set(q.group_by))


def _summary_team(q: Question) -> str | None:
    """The one team the question is limited to, if the per-team day counts can answer it."""
    if q.officer_id is not None or "officer" in q.group_by:
        return None
    viewer = q.viewer
    if viewer.role in FORCE_WIDE:
        return q.team
    if viewer.role == SERGEANT and viewer.team and q.team in (None, viewer.team):
        return viewer.team
    return None


BASE_COLUMN = {"kind": "kind", "area": "area", "status": "status", "day": "occurred_on", "week": "occurred_on",
               "month": "occurred_on", "officer": "officer_id", "team": "team"}


def _count_query(q: Question, period: Period, dims: list[str], population: str = OPERATION):
    """SELECT <dims>, kind, count ... GROUP BY <dims>, kind for one period: (statement, column
    names, bound values to run it with).

    Two levels: the inner GROUP BY runs over plain indexed columns (the day, not
    its week or month), so the per-row work is hashing a few columns; weeks and
    months are worked out on the (few) inner groups.

    population: OPERATION counts the operation's own records; DISTRICTS every
    record in the operation's target districts, whatever the operation (see
    compare()).
    """
    summary = _uses_summary(q)
    team = None if summary else _summary_team(q)
    if summary:
        t = RecordDayCount.__table__
    elif team is not None:
        t = RecordTeamDayCount.__table__
    else:
        t = Record.__table__
    op = q.operation
    districts = population == DISTRICTS
    weeks = _whole_weeks(period)
    if ((summary or team is not None) and weeks is not None and not {"day", "month"} & set(dims)
            and not districts):
        return _week_count_query(t, team, op.id, period, weeks, dims)
    count = func.sum(t.c.n) if summary or team is not None else func.count()
    base = sorted({BASE_COLUMN[d] for d in dims} | {"kind"})
    inner_cols = [t.c[name] for name in base]
    scope_op = t.c.area.in_(list(op.target_areas or ())) if districts else t.c.operation_id == op.id
    inner = (select(*inner_cols, count.label("n")).select_from(t)
             .where(scope_op, t.c.occurred_on >= period.start, t.c.occurred_on <= period.end,
                    t.c.status.in_(COUNTED)))
    if team is not None:
        inner = inner.where(t.c.team == team)
    elif not summary:
        inner = scope_counted_records(inner, q.viewer, t.c.team, t.c.officer_id)
        if q.team is not None:
            inner = inner.where(t.c.team == q.team)
        if q.officer_id is not None:
            inner = inner.where(t.c.officer_id == q.officer_id)
    c = inner.group_by(*inner_cols).subquery("c")
    source = c
    columns = []
    for dim in dims:
        if dim in ("kind", "area", "status"):
            columns.append(c.c[dim].label(dim))
        elif dim == "day":
            columns.append(c.c.occurred_on.label("day"))
        elif dim == "week":
            columns.append(_week_start(c.c.occurred_on).label("week"))
        elif dim == "month":
            columns.append(_month(c.c.occurred_on).label("month"))
        elif dim == "officer":
            columns.append(c.c.officer_id.label("officer"))
        elif dim == "team":
            columns.append(c.c.team.label("team"))
    if "kind" not in dims:
        columns.append(c.c.kind.label("kind"))
    stmt = select(*columns, func.sum(c.c.n).label("n")).select_from(source).group_by(*columns)
    return stmt, [col.name for col in columns], {}


def _whole_weeks(period: Period) -> tuple[date, date] | None:
    """The Mondays of the first and last whole ISO weeks inside the period, if it has any."""
    first = ref.week_start(period.start + timedelta(days=6))
    last = ref.week_start(period.end + timedelta(days=1)) - timedelta(days=7)
    return (first, last) if first <= last else None


_WEEK_STATEMENTS: dict[tuple, tuple] = {}


def _week_count_query(t, team: str | None, op_id: int, period: Period, weeks: tuple[date, date], dims: list[str]):
    """The count query from the week counts for the period's whole weeks and the day counts for
    the days before the first and after the last (at most 6 each): one UNION ALL of plain rows,
    summed once. Only for dimensions a week does not split (kind, area, status, week, team).

    The statement depends only on the dialect, the table pair, the dimensions and which edges
    there are, so it is built once and run with bound values (building it was ~3 ms a request)."""
    first, last = weeks
    head = period.start < first
    tail = last + timedelta(days=6) < period.end
    cache_key = (_dialect(), t.name, team is not None, tuple(dims), head, tail)
    built = _WEEK_STATEMENTS.get(cache_key)
    if built is None:
        built = _WEEK_STATEMENTS[cache_key] = _build_week_count_query(t, team is not None, dims, head, tail)
    stmt, names = built
    params = {"op_id": op_id, "w_lo": first, "w_hi": last}
    if team is not None:
        params["team"] = team
    if head:
        params.update(h_lo=period.start, h_hi=first - timedelta(days=1))
    if tail:
        params.update(t_lo=last + timedelta(days=7), t_hi=period.end)
    return stmt, names, params


def _build_week_count_query(t, by_team: bool, dims: list[str], head: bool, tail: bool):
    wt = (RecordTeamWeekCount if by_team else RecordWeekCount).__table__
    names = list(dims) + ([] if "kind" in dims else ["kind"])

    def part(table, week_col, day_col, lo, hi):
        # The week as plain text/date: _value makes it "YYYY-MM-DD" without a date parse per row.
        cols = [(type_coerce(week_col, String) if name == "week" else table.c[name]).label(name) for name in names]
        stmt = select(*cols, table.c.n).where(
            table.c.operation_id == bindparam("op_id"), day_col >= bindparam(lo), day_col <= bindparam(hi),
            table.c.status.in_(COUNTED))
        return stmt.where(table.c.team == bindparam("team")) if by_team else stmt

    parts = [part(wt, wt.c.week, wt.c.week, "w_lo", "w_hi")]
    day_week = _week_start(t.c.occurred_on)
    if head:
        parts.append(part(t, day_week, t.c.occurred_on, "h_lo", "h_hi"))
    if tail:
        parts.append(part(t, day_week, t.c.occurred_on, "t_lo", "t_hi"))
    c = union_all(*parts).subquery("c")
    columns = [c.c[name] for name in names]
    return select(*columns, func.sum(c.c.n).label("n")).group_by(*columns), names


def _value(dim: str, value):
    if dim in ("day", "week") and hasattr(value, "isoformat"):
        return value.isoformat()
    if dim in ("day", "week") and value is not None:
        return str(value)[:10]
    return value


def empty_totals() -> dict[str, int]:
    totals = {kind: 0 for kind in ref.KINDS}
    totals["all"] = 0
    return totals


def count(q: Question, period: Period, population: str = OPERATION) -> tuple[dict, list[dict]]:
    """Totals by kind and the groups asked for, in one query.

    The rows come back as (<dims in order>, [kind,] n); a year by kind, area and week is
    hundreds of groups, so the loop below does as little per row as it can."""
    dims = list(q.group_by)
    stmt, keys, params = _count_query(q, period, dims, population)
    kind_at = keys.index("kind")
    width = len(dims)
    dated = [(i, d) for i, d in enumerate(dims) if d in ("day", "week")]
    as_text: dict = {}  # a year has 52 weeks but ~800 rows: convert each once
    by_kind = dict.fromkeys(ref.KINDS, 0)
    groups: dict[tuple, int] = {}
    for row in db.session.execute(stmt, params).all():
        n = row[-1]
        if not n:
            continue
        n = int(n)
        by_kind[row[kind_at]] += n
        key = tuple(row[:width])
        if dated:
            key = list(key)
            for i, dim in dated:
                value = key[i]
                text = as_text.get(value)
                if text is None:
                    text = as_text[value] = _value(dim, value)
                key[i] = text
            key = tuple(key)
        groups[key] = groups.get(key, 0) + n
    totals = empty_totals()
    totals.update(by_kind)
    totals["all"] = sum(by_kind.values())
    officer_at = dims.index("officer") if "officer" in dims else None
    officers = officer_refs([k[officer_at] for k in groups]) if officer_at is not None else {}
    # Each dimension's few distinct values ranked once; a group sorts by its tuple of ranks.
    ranks = []
    for i, dim in enumerate(dims):
        values = sorted({k[i] for k in groups}, key=lambda v, dim=dim: _sort_part(dim, v))
        ranks.append({v: r for r, v in enumerate(values)})

    def sort_key(key):
        return tuple(map(dict.__getitem__, ranks, key))

    out = []
    for key in sorted(groups, key=sort_key):
        g = dict(zip(dims, key))
        if officer_at is not None:
            value = key[officer_at]
            g["officer"] = officers.get(value, {"id": value})
        g["count"] = groups[key]
        out.append(g)
    return totals, out


def _sort_part(dim, value):
    if dim == "kind":
        return (0, ref.KIND_ORDER.index(value) if value in ref.KIND_ORDER else 99, "")
    if value is None:
        return (1, 0, "")
    return (0, value if isinstance(value, int) else 0, str(value))


def officer_refs(ids) -> dict[int, dict]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Officer.id, Officer.shoulder_number, Officer.display_name, Officer.team)
                              .where(Officer.id.in_(ids)))
    """{id: the officer as an answer names them}, in one query."""
    return {r.id: {"id": r.id, "shoulder_number": r.shoulder_number, "display_name": r.display_name,
                   "team": r.team} for r in rows}
