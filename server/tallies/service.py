"""A tally: an operation's counts for a question, with its comparison and headline.

Counting is counting.py's, the periods and what they are compared with periods.py's and
comparisons.py's, the words wording.py's, and the shift review shifts.py's."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..auth.models import Officer
from ..core.security import SERGEANT
from ..operations.service import get_operation_or_404
from ..records import reference as ref
from .comparisons import question_from_args
from .counting import count
from .periods import OPERATION, Comparison, Period, Question, since_launch
from .wording import describe, headline


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


def tally(q: Question, period: Period, comparison: Comparison | None) -> dict:
    totals, groups = count(q, period)
    compared = compare(q, totals, period, comparison) if comparison else None
    return {"period": period.as_dict(), "group_by": list(q.group_by), "totals": totals, "groups": groups,
            "comparison": compared, "headline": headline(totals, period, since_launch(period, q.operation))}


def operation_tally(operation_id: int, viewer: Officer, args) -> tuple[dict, object]:
    """The tally the query arguments ask for, and its operation (a 404 when there is none)."""
    operation = get_operation_or_404(operation_id)
    q, period, comparison = question_from_args(operation, viewer, args)
    return {"operation": operation, **tally(q, period, comparison)}, operation
