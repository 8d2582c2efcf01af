"""The rules that turn a question's query arguments into a period and what it is compared with,
refusing (422, naming the parameter) what cannot be answered."""
from __future__ import annotations

from datetime import date, timedelta

from ..auth.models import Officer
from ..core.errors import ApiError
from ..operations.models import Operation
from .periods import (BEFORE_LAUNCH, DISTRICTS, OPERATION, PREVIOUS_PERIOD, RANGE, Comparison, Period, Question,
                      default_period)
from .schemas import MAX_DAYS
from .wording import long_date, span


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


def rule_period(rule: str, period: Period, operation: Operation) -> Period:
    """The period a named rule compares `period` with, or a 422 when there is none."""
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


def named_rule(rule: str | None, period: Period) -> str | None:
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
    rule = named_rule(rule, period)
    if dates is not None:
        other = span(dates)
        if dates.end >= period.start and dates.start <= period.end:
            _refuse(dates_field, f"The comparison period ({other}) overlaps the period counted "
                                 f"({span(period)}): compare with one that ends before {long_date(period.start)}.")
        if dates.start > period.end:
            _refuse(dates_field, f"The comparison period ({other}) is after the period counted "
                                 f"({span(period)}): compare with an earlier one.")
        chosen = Comparison(RANGE, dates, population or OPERATION)
    else:
        compared = rule_period(rule, period, operation)
        if compared.end >= period.start:  # last_year of a period longer than a year
            _refuse("compare", f"{rule} gives {span(compared)}, which overlaps the period counted "
                               f"({span(period)}): ask for a shorter period.")
        chosen = Comparison(rule, compared, population or (DISTRICTS if rule == BEFORE_LAUNCH else OPERATION))
    launch = operation.starts_on
    if chosen.period.start < launch:
        if population == OPERATION:
            _refuse("population", f"The comparison period ({span(chosen.period)}) starts before launch "
                                  f"({long_date(launch)}), when the operation had no records of its own: "
                                  "use population=districts.")
        chosen = Comparison(chosen.rule, chosen.period, DISTRICTS)
    return chosen



def question_from_args(operation: Operation, viewer: Officer, args) -> tuple[Question, Period, Comparison | None]:
    """The question, period and comparison of a tally's query arguments (the tally, its CSV and the briefing)."""
    q = Question(operation, viewer, group_by=args.get("group_by") or ["kind"],
                 team=args.get("team"), officer_id=args.get("officer"))
    period = default_period(operation, args.get("from_"), args.get("to"))
    if period.end < period.start:
        raise ApiError(422, "The period ends before it starts.", fields={"to": ["Must be on or after from."]})
    # The schema checks the length when both ends are given; a default end (today) is checked here.
    if (period.end - period.start).days > MAX_DAYS:
        raise ApiError(422, "The period is too long.",
                       fields={"from" if args.get("from_") else "to": [f"A period is at most {MAX_DAYS} days long."]})
    compare = args.get("compare")
    if isinstance(compare, Period):
        dates, dates_field, rule = compare, "compare", None
    elif args.get("compare_from") is not None:
        dates, dates_field, rule = Period(args["compare_from"], args["compare_to"]), "compare_from", None
    else:
        dates, dates_field, rule = None, "compare", compare
    comparison = resolve_comparison(operation, period, rule, dates, args.get("population"), dates_field)
    return q, period, comparison
