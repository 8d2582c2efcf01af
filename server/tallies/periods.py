"""What a tally asks: the question (whose records, grouped how), the period counted, and what it is
compared with. Plain values, no counting and no words."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from ..auth.models import Officer
from ..core.timezone import local_today
from ..operations.models import Operation

# Who is counted, on both sides of a comparison alike.
OPERATION = "operation"  # the operation's own records
DISTRICTS = "districts"  # every record in the operation's target districts, whatever the operation
POPULATIONS = (OPERATION, DISTRICTS)

# The named comparison periods (and "range": the dates given).
BEFORE_LAUNCH = "before_launch"
PREVIOUS_PERIOD = "previous_period"
RULES = (BEFORE_LAUNCH, PREVIOUS_PERIOD, "previous_month", "previous_week", "last_year")
# The name the API first had: the period before, of the same kind (see comparisons.named_rule).
ALIASES = {"previous": PREVIOUS_PERIOD}
RANGE = "range"


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


@dataclass(frozen=True)
class Comparison:
    """What the current period is compared with: the period, the rule that chose it, and the one
    population both periods count."""

    rule: str
    period: Period
    population: str


def default_period(operation: Operation, start: date | None = None, end: date | None = None) -> Period:
    """Operation start .. today (or its last day if it has ended)."""
    today = local_today()
    start = start or operation.starts_on
    if end is None:
        end = min(today, operation.ends_on) if operation.ends_on else today
        end = max(end, start)
    return Period(start, end)


def since_launch(period: Period, operation: Operation) -> bool:
    """The period runs from the operation's launch to today (or its end): the headline says "since launch"."""
    return period.start == operation.starts_on and period.end >= default_period(operation).end
