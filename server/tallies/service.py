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
- A comparison counts one population on both sides (see compare()).
- A count-table question not grouped by day or month reads the period's whole
  ISO weeks from `record_week_counts` / `record_team_week_counts` (kept from the
  day counts by triggers, migration 0004) and only the edge days from the day
  counts, so a year costs ~52 rows per combination instead of ~365.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Integer, String, bindparam, cast, func, literal_column, or_, select, type_coerce, union_all

from ..auth.models import Officer
from ..core.db import db
from ..core.errors import ApiError
from ..core.security import FORCE_WIDE, SERGEANT
from ..core.timezone import force_tz, local_today
from ..operations.models import Operation
from ..records import reference as ref
from ..records.models import Record
from .models import RecordDayCount, RecordTeamDayCount, RecordTeamWeekCount, RecordWeekCount

DIMENSIONS = ("kind", "area", "day", "week", "month", "team", "officer", "status")
KIND_ORDER = ("intelligence_log", "arrest", "safeguarding_referral", "stop_search")  # the headline's order
SINGULAR = {"intelligence_log": "intelligence log", "arrest": "arrest",
            "safeguarding_referral": "safeguarding referral", "stop_search": "stop search"}
PLURAL = {"intelligence_log": "intelligence logs", "arrest": "arrests",
          "safeguarding_referral": "safeguarding referrals", "stop_search": "stop searches"}
COUNTED = ("submitted", "verified", "returned")  # voided never counts

# Who is counted, on both sides of a comparison alike.
OPERATION = "operation"  # the operation's own records
DISTRICTS = "districts"  # every record in the operation's target districts, whatever the operation
POPULATIONS = (OPERATION, DISTRICTS)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length ending the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass
class Question:
    """What is being counted, and for whom."""

    operation: Operation
    viewer: Officer
    group_by: list[str] = field(default_factory=lambda: ["kind"])
    team: str | None = None
    officer_id: int | None = None


def default_period(operation: Operation, start: date | None = None, end: date | None = None) -> Period:
    """Operation start .. today (or its last day if it has ended)."""
    today = local_today()
    start = start or operation.starts_on
    if end is None:
        end = min(today, operation.ends_on) if operation.ends_on else today
        end = max(end, start)
    return Period(start, end)


# ---- the SQL ---------------------------------------------------------------------------------

def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _week_start(day_col):
    """The Monday of the ISO week of a DATE column."""
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


def _team_officer_ids(team: str):
    return select(Officer.id).where(Officer.team == team).scalar_subquery()


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
        # Teams by the team each record was logged under (records.team), as the team counts are.
        viewer = q.viewer
        if viewer.role not in FORCE_WIDE:
            if viewer.role == SERGEANT and viewer.team:
                inner = inner.where(t.c.team == viewer.team)
            else:
                inner = inner.where(t.c.officer_id == viewer.id)
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
    first = period.start + timedelta(days=-period.start.weekday() % 7)
    last = period.end - timedelta(days=(period.end.weekday() + 1) % 7) - timedelta(days=6)
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
    officers = _officers([k[officer_at] for k in groups]) if officer_at is not None else {}
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
        return (0, KIND_ORDER.index(value) if value in KIND_ORDER else 99, "")
    if value is None:
        return (1, 0, "")
    return (0, value if isinstance(value, int) else 0, str(value))


def _officers(ids) -> dict[int, dict]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(Officer.id, Officer.shoulder_number, Officer.display_name, Officer.team)
                              .where(Officer.id.in_(ids)))
    return {r.id: {"id": r.id, "shoulder_number": r.shoulder_number, "display_name": r.display_name,
                   "team": r.team} for r in rows}


# ---- comparison and words ------------------------------------------------------------------------

# The named comparison periods (and "range": the dates given).
BEFORE_LAUNCH = "before_launch"
PREVIOUS_PERIOD = "previous_period"
RULES = (BEFORE_LAUNCH, PREVIOUS_PERIOD, "previous_month", "previous_week", "last_year")
# The name the API first had: the period before, of the same kind (see _named).
ALIASES = {"previous": PREVIOUS_PERIOD}
RANGE = "range"
RULE_WORDS = {BEFORE_LAUNCH: "before launch", PREVIOUS_PERIOD: "the period just before",
              "previous_month": "the previous month", "previous_week": "the previous week",
              "last_year": "a year earlier", RANGE: "dates chosen"}


@dataclass(frozen=True)
class Comparison:
    """What the current period is compared with: the period, the rule that chose it, and the one
    population both periods count."""

    rule: str
    period: Period
    population: str


def _refuse(field_name: str, message: str):
    raise ApiError(422, message, fields={field_name: [message]})


def _month_end(d: date) -> date:
    if d.month == 12:  # also December 9999, which has no next month
        return d.replace(day=31)
    return d.replace(month=d.month + 1, day=1) - timedelta(days=1)


def _year_earlier(d: date) -> date:
    """The same date a year earlier; 29 February falls on the 28th."""
    if d.year == 1:
        _refuse("compare", "There is no year before year 1 to compare with.")
    return d.replace(year=d.year - 1, day=28) if (d.month, d.day) == (2, 29) else d.replace(year=d.year - 1)


def _rule_period(rule: str, period: Period, operation: Operation) -> Period:
    if rule == BEFORE_LAUNCH:
        launch = operation.starts_on
        if period.start < launch:
            _refuse("compare", f"before_launch compares a period from launch ({launch.isoformat()}) on with "
                               "as many days just before launch; this period starts before launch.")
        if launch - date.min <= timedelta(days=period.days):
            _refuse("compare", "There are not that many days before launch to compare with.")
        return Period(launch - timedelta(days=period.days), launch - timedelta(days=1))
    if rule == PREVIOUS_PERIOD:
        if period.start - date.min < timedelta(days=period.days):
            _refuse("compare", "No earlier period of that length: give one as YYYY-MM-DD/YYYY-MM-DD.")
        return period.previous()
    if rule == "previous_month":
        if period.start.day != 1 or period.end > _month_end(period.start):
            _refuse("compare", "previous_month needs a period within one calendar month, from its 1st "
                               "(e.g. from=2026-11-01&to=2026-11-30).")
        if period.start.year == 1 and period.start.month == 1:
            _refuse("compare", "There is no month before January of year 1.")
        end = period.start - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if rule == "previous_week":
        if period.start.weekday() != 0 or period.end > period.start + timedelta(days=6):
            _refuse("compare", "previous_week needs a period within one ISO week, from its Monday "
                               "(e.g. from=2026-11-23&to=2026-11-29).")
        if period.start - date.min < timedelta(days=7):
            _refuse("compare", "There is no week before that one.")
        return Period(period.start - timedelta(days=7), period.start - timedelta(days=1))
    if rule == "last_year":
        return Period(_year_earlier(period.start), _year_earlier(period.end))
    raise ValueError(rule)  # pragma: no cover - the schema admits only RULES


def _named(rule: str | None, period: Period) -> str | None:
    """`previous`: the calendar month before a whole calendar month, the ISO week before a whole
    ISO week, else as many days just before."""
    if rule != "previous":
        return rule
    if period.start.day == 1 and period.end == _month_end(period.start):
        return "previous_month"
    if period.start.weekday() == 0 and period.days == 7:
        return "previous_week"
    return PREVIOUS_PERIOD


def resolve_comparison(operation: Operation, period: Period, rule: str | None = None,
                       dates: Period | None = None, population: str | None = None,
                       dates_field: str = "compare") -> Comparison | None:
    """The comparison a question asks for, or a 422 naming the parameter that cannot be answered.

    The default population: DISTRICTS when the comparison period starts before launch (the
    operation has no records of its own there, so both sides count the districts), else
    OPERATION. An overlapping comparison period, or one after the current period, is refused:
    the same record would be on both sides, or "before" would be after.
    """
    if rule is None and dates is None:
        if population is not None:
            _refuse("population", "population applies to a comparison: give compare too.")
        return None
    rule = _named(rule, period)
    if dates is not None:
        other = _span(dates)
        if dates.end >= period.start and dates.start <= period.end:
            _refuse(dates_field, f"The comparison period ({other}) overlaps the period counted "
                                 f"({_span(period)}): compare with one that ends before {_long_date(period.start)}.")
        if dates.start > period.end:
            _refuse(dates_field, f"The comparison period ({other}) is after the period counted "
                                 f"({_span(period)}): compare with an earlier one.")
        chosen = Comparison(RANGE, dates, population or OPERATION)
    else:
        compared = _rule_period(rule, period, operation)
        if compared.end >= period.start:  # last_year of a period longer than a year
            _refuse("compare", f"{rule} gives {_span(compared)}, which overlaps the period counted "
                               f"({_span(period)}): ask for a shorter period.")
        chosen = Comparison(rule, compared, population or (DISTRICTS if rule == BEFORE_LAUNCH else OPERATION))
    launch = operation.starts_on
    if chosen.period.start < launch:
        if population == OPERATION:
            _refuse("population", f"The comparison period ({_span(chosen.period)}) starts before launch "
                                  f"({_long_date(launch)}), when the operation had no records of its own: "
                                  "use population=districts.")
        chosen = Comparison(chosen.rule, chosen.period, DISTRICTS)
    return chosen


def change(previous: int, current: int, previous_days: int = 1, current_days: int = 1) -> dict:
    """The change from previous to current, as a daily rate when the periods' lengths differ.

    A zero baseline gives no percentage ("new"), never an error or infinity."""
    if previous == 0:
        return {"previous": 0, "current": current, "change_percent": None,
                "label": "no change" if current == 0 else "new"}
    # Exact in integers: current/current_days against previous/previous_days.
    now, before = Decimal(current * previous_days), Decimal(previous * current_days)
    percent = (now - before) * 100 / before
    whole = int(abs(percent).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if now == before:
        label = "no change"
    elif whole == 0:
        label = "up less than 1%" if now > before else "down less than 1%"
    else:
        label = f"{'up' if now > before else 'down'} {whole}%"
    return {"previous": previous, "current": current, "change_percent": float(round(percent, 1)), "label": label}


def _and_list(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def population_words(population: str, operation: Operation) -> str:
    if population == DISTRICTS:
        return f"every record in {_and_list(operation.target_areas)}, whatever the operation"
    return f"only {operation.name}'s own records"


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def describe(comparison: Comparison, period: Period, operation: Operation, team: str | None = None) -> str:
    """"Compared with 1 Sep–31 Oct 2025 (61 days, before launch); both periods count every record
    in NN3 and NN5, whatever the operation." """
    other = comparison.period
    rate = (f", as a daily rate (this period has {_days(period.days)})" if other.days != period.days else "")
    whose = f" logged under {team}" if team else ""
    return (f"Compared with {_span(other)} ({_days(other.days)}, {RULE_WORDS[comparison.rule]}){rate}; "
            f"both periods count {population_words(comparison.population, operation)}{whose}. "
            "Voided records never count.")


def compare(q: Question, current_totals: dict, period: Period, comparison: Comparison) -> dict:
    """Both periods counted the same way, and the change for each kind.

    One rule for both sides: the same population (the operation's own records, or
    every record in its target districts), the same role scoping, team and
    officer filters, and voided records never count. Periods of unequal length
    are compared as daily rates. Operation Revive's demo has 6 safeguarding
    referrals in NN3/NN5 in the days just before launch and 17 in as many days
    since: "safeguarding referrals up 183%".
    """
    base_q = Question(q.operation, q.viewer, group_by=["kind"], team=q.team, officer_id=q.officer_id)
    before, _ = count(base_q, comparison.period, comparison.population)
    now = current_totals if comparison.population == OPERATION else count(base_q, period, comparison.population)[0]
    days = comparison.period.days
    changes = {kind: change(before[kind], now[kind], days, period.days) for kind in (*ref.KINDS, "all")}
    viewer = q.viewer
    team = q.team or (viewer.team if viewer.role == SERGEANT and viewer.team else None)
    return {"rule": comparison.rule, "population": comparison.population, "period": comparison.period.as_dict(),
            "days": days, "current_period": period.as_dict(), "current_days": period.days,
            "daily_rate": days != period.days, "totals": before, "current_totals": now, "change": changes,
            "description": describe(comparison, period, q.operation, team)}


def _n(kind: str, n: int) -> str:
    return f"{n} {SINGULAR[kind] if n == 1 else PLURAL[kind]}"


def _long_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def _span(p: Period) -> str:
    """"1 Sep–31 Oct 2025", "28 Dec 2025–3 Jan 2026", "5 Mar 2026"."""
    if p.start == p.end:
        return f"{p.start.day} {p.start.strftime('%b %Y')}"
    if p.start.year != p.end.year:
        return f"{p.start.day} {p.start.strftime('%b %Y')}\u2013{p.end.day} {p.end.strftime('%b %Y')}"
    if p.start.month != p.end.month:
        return f"{p.start.day} {p.start.strftime('%b')}\u2013{p.end.day} {p.end.strftime('%b %Y')}"
    return f"{p.start.day}\u2013{p.end.day} {p.end.strftime('%b %Y')}"


def headline(totals: dict, period: Period, operation: Operation) -> str:
    """"77 intelligence logs, 9 arrests, 17 safeguarding referrals and 14 stop searches since launch"."""
    parts = [_n(kind, totals[kind]) for kind in KIND_ORDER]
    text = ", ".join(parts[:-1]) + " and " + parts[-1]
    default = default_period(operation)
    if period.start == operation.starts_on and period.end >= default.end:
        return f"{text} since launch"
    if period.start == period.end:
        return f"{text} on {_long_date(period.start)}"
    return f"{text} from {_long_date(period.start)} to {_long_date(period.end)}"


def comparison_headline(comparison: dict | None) -> list[str]:
    """["safeguarding referrals up 183%", ...] for the briefing."""
    if not comparison:
        return []
    return [f"{PLURAL[kind]} {comparison['change'][kind]['label']}" for kind in KIND_ORDER]


def tally(q: Question, period: Period, comparison: Comparison | None) -> dict:
    totals, groups = count(q, period)
    compared = compare(q, totals, period, comparison) if comparison else None
    return {"period": period.as_dict(), "group_by": list(q.group_by), "totals": totals, "groups": groups,
            "comparison": compared, "headline": headline(totals, period, q.operation)}


# ---- shift review --------------------------------------------------------------------------------

def can_view_shift(viewer: Officer, shift) -> bool:
    if viewer.role in FORCE_WIDE or shift.officer_id == viewer.id:
        return True
    return viewer.role == SERGEANT and viewer.team is not None and shift.officer.team == viewer.team


def scope_shifts(stmt, viewer: Officer, shift_model):
    if viewer.role in FORCE_WIDE:
        return stmt
    if viewer.role == SERGEANT and viewer.team:
        return stmt.where(shift_model.officer_id.in_(_team_officer_ids(viewer.team)))
    return stmt.where(shift_model.officer_id == viewer.id)


def shifts_on_day(stmt, shift_model, day: date):
    """Shifts that cover any part of the force's local day: a night shift from 22:00 to 06:00 is on both days.

    Started before the day ends, and ended after it began or still open.
    """
    tz = force_tz()
    start = datetime.combine(day, time(0), tz).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(timezone.utc)
    return stmt.where(shift_model.started_at < end,
                      or_(shift_model.ended_at.is_(None), shift_model.ended_at > start))


def kind_counts() -> dict[str, int]:
    return {kind: 0 for kind in ref.KINDS}


def shift_counts(shift_ids) -> dict:
    """{shift_id: (counts by kind, unverified)} for records logged on those shifts (voided excluded)."""
    out = {sid: [kind_counts(), 0] for sid in shift_ids}
    if not out:
        return out
    t = Record.__table__
    rows = db.session.execute(
        select(t.c.shift_id, t.c.kind, t.c.status, func.count())
        .where(t.c.shift_id.in_(list(out)), t.c.status.in_(COUNTED))
        .group_by(t.c.shift_id, t.c.kind, t.c.status))
    for shift_id, kind, status, n in rows:
        out[shift_id][0][kind] += n
        if status != "verified":
            out[shift_id][1] += n
    return out


def window_counts(viewer: Officer, shift, start, end) -> tuple[list[dict], dict]:
    """Per officer and kind, the records in the shift's window that the viewer reviews.

    A sergeant sees their team; an inspector, analyst or admin the team of the
    shift's officer; an officer only their own entries.
    """
    t = Record.__table__
    stmt = (select(t.c.officer_id, t.c.kind, t.c.status, func.count())
            .where(t.c.operation_id == shift.operation_id, t.c.occurred_at >= start, t.c.occurred_at <= end,
                   t.c.status.in_(COUNTED))
            .group_by(t.c.officer_id, t.c.kind, t.c.status))
    stmt = scope_window(stmt, viewer, shift, t.c.officer_id)
    per_officer: dict[int, dict] = {}
    for officer_id, kind, status, n in db.session.execute(stmt):
        entry = per_officer.setdefault(officer_id, {"counts": kind_counts(), "total": 0, "unverified": 0})
        entry["counts"][kind] += n
        entry["total"] += n
        if status != "verified":
            entry["unverified"] += n
    per_officer.setdefault(shift.officer_id, {"counts": kind_counts(), "total": 0, "unverified": 0})
    officers = _officers(per_officer)
    rows = []
    for officer_id, entry in per_officer.items():
        rows.append({"officer": officers.get(officer_id, {"id": officer_id}), **entry})
    rows.sort(key=lambda r: (r["officer"].get("shoulder_number") or "", r["officer"]["id"]))
    totals = empty_totals()
    for r in rows:
        for kind, n in r["counts"].items():
            totals[kind] += n
            totals["all"] += n
    return rows, totals


def scope_window(stmt, viewer: Officer, shift, officer_col):
    if viewer.role == SERGEANT and viewer.team:
        return stmt.where(officer_col.in_(_team_officer_ids(viewer.team)))
    if viewer.role in FORCE_WIDE:
        team = shift.officer.team
        if team:
            return stmt.where(officer_col.in_(_team_officer_ids(team)))
        return stmt.where(officer_col == shift.officer_id)
    return stmt.where(officer_col == viewer.id)
