"""A tally in words: the headline, the comparison's description, and dates as people write them."""
from __future__ import annotations

from datetime import date

from ..operations.models import Operation
from ..records import reference as ref
from .periods import BEFORE_LAUNCH, DISTRICTS, PREVIOUS_PERIOD, RANGE, Comparison, Period

RULE_WORDS = {BEFORE_LAUNCH: "before launch", PREVIOUS_PERIOD: "the period just before",
              "previous_month": "the previous month", "previous_week": "the previous week",
              "last_year": "a year earlier", RANGE: "dates chosen"}


def long_date(d: date) -> str:
    """"5 March 2026"."""
    return f"{d.day} {d.strftime('%B %Y')}"


def span(p: Period) -> str:
    """"1 Sep–31 Oct 2025", "28 Dec 2025–3 Jan 2026", "5 Mar 2026"."""
    if p.start == p.end:
        return f"{p.start.day} {p.start.strftime('%b %Y')}"
    if p.start.year != p.end.year:
        return f"{p.start.day} {p.start.strftime('%b %Y')}\u2013{p.end.day} {p.end.strftime('%b %Y')}"
    if p.start.month != p.end.month:
        return f"{p.start.day} {p.start.strftime('%b')}\u2013{p.end.day} {p.end.strftime('%b %Y')}"
    return f"{p.start.day}\u2013{p.end.day} {p.end.strftime('%b %Y')}"


def _and_list(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _n(kind: str, n: int) -> str:
    return f"{n} {ref.KIND_SINGULAR[kind] if n == 1 else ref.KIND_PLURAL[kind]}"


def population_words(population: str, operation: Operation) -> str:
    if population == DISTRICTS:
        return f"every record in {_and_list(operation.target_areas)}, whatever the operation"
    return f"only {operation.name}'s own records"


def describe(comparison: Comparison, period: Period, operation: Operation, team: str | None = None) -> str:
    """"Compared with 1 Sep–31 Oct 2025 (61 days, before launch); both periods count every record
    in NN3 and NN5, whatever the operation." """
    other = comparison.period
    rate = (f", as a daily rate (this period has {_days(period.days)})" if other.days != period.days else "")
    whose = f" logged under {team}" if team else ""
    return (f"Compared with {span(other)} ({_days(other.days)}, {RULE_WORDS[comparison.rule]}){rate}; "
            f"both periods count {population_words(comparison.population, operation)}{whose}. "
            "Voided records never count.")


def headline(totals: dict, period: Period, since_launch: bool) -> str:
    """"77 intelligence logs, 9 arrests, 17 safeguarding referrals and 14 stop searches since launch"."""
    parts = [_n(kind, totals[kind]) for kind in ref.KIND_ORDER]
    text = ", ".join(parts[:-1]) + " and " + parts[-1]
    if since_launch:
        return f"{text} since launch"
    if period.start == period.end:
        return f"{text} on {long_date(period.start)}"
    return f"{text} from {long_date(period.start)} to {long_date(period.end)}"
