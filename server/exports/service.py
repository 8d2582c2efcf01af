"""What the exports hold: a tally's CSV rows, the printable briefing's content, and the police.uk
file's rounded locations. The routes only read the query and write the file or page."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ..auth.models import Officer
from ..core.security import SERGEANT
from ..operations.models import Operation
from ..records import reference as ref
from ..tallies.comparisons import question_from_args
from ..tallies.counting import count
from ..tallies.periods import Period, Question
from ..tallies.service import tally
from .chart import weekly_chart

# ---- tally CSV -------------------------------------------------------------------------------------

def tally_rows(body: dict) -> tuple[list[str], list[list]]:
    """The groups, each row carrying its period and, when compared, the comparison period and the
    rule in words (the file is read away from the page that asked for it); the count stays the last
    column. Grouped by kind alone, each row also has its kind's count in the comparison period, its
    count now in the comparison's population, and the change."""
    dims = body["group_by"]
    comparison = body.get("comparison")
    by_kind = comparison is not None and dims == ["kind"]
    header = ["from", "to"]
    if comparison is not None:
        header += ["compared_from", "compared_to", "comparison"]
    for dim in dims:
        header += ["officer", "officer_name"] if dim == "officer" else [dim]
    if by_kind:
        header += ["compared_count", "count_same_population", "change"]
    header.append("count")
    lead = [body["period"]["from"], body["period"]["to"]]
    if comparison is not None:
        lead += [comparison["period"]["from"], comparison["period"]["to"], comparison["description"]]
    rows = []
    for g in body["groups"]:
        row = list(lead)
        for dim in dims:
            value = g[dim]
            if dim == "officer":
                row += [value.get("shoulder_number", value["id"]), value.get("display_name")]
            elif dim == "kind":
                row.append(ref.KINDS.get(value, value))
            else:
                row.append(value)
        if by_kind:
            c = comparison["change"][g["kind"]]
            row += [c["previous"], c["current"], c["label"]]
        row.append(g["count"])
        rows.append(row)
    return header, rows


# ---- the printable briefing ----------------------------------------------------------------------------

def briefing(operation: Operation, viewer: Officer, args) -> dict:
    """What the briefing page shows: the tally by kind with its comparison (a briefing always
    compares: the previous period unless told), a chart of records per week by kind, and the areas."""
    if args.get("compare") is None and args.get("compare_from") is None:
        args = {**args, "compare": "previous"}
    q, period, comparison = question_from_args(operation, viewer, {**args, "group_by": ["kind"]})
    result = tally(q, period, comparison)
    _, week_groups = count(Question(operation, viewer, group_by=["week", "kind"]), period)
    weekly = {(g["week"], g["kind"]): g["count"] for g in week_groups}
    return {"operation": operation, "result": result, "period": period,
            "compare": comparison.period if comparison else None,
            "chart": weekly_chart(weekly, period.start, period.end),
            "chart_narrow": weekly_chart(weekly, period.start, period.end, width=340, height=200, max_labels=5,
                                         legend=False),
            "areas": _areas(operation, viewer, period), "scope": _scope(viewer)}


def _areas(operation: Operation, viewer: Officer, period: Period) -> list[tuple[str, dict]]:
    """[(area, {kind: n, ..., "all": n})], by area."""
    _, area_groups = count(Question(operation, viewer, group_by=["area", "kind"]), period)
    areas: dict[str, dict] = {}
    for g in area_groups:
        row = areas.setdefault(g["area"], dict.fromkeys(ref.KIND_ORDER, 0) | {"all": 0})
        row[g["kind"]] += g["count"]
        row["all"] += g["count"]
    return sorted(areas.items())


def _scope(viewer: Officer) -> str:
    return f"{viewer.team} only" if viewer.role == SERGEANT and viewer.team else "All teams"


# ---- police.uk stop-search CSV ---------------------------------------------------------------------------

THREE_PLACES, SIX_PLACES = Decimal("0.001"), Decimal("0.000001")


def coordinate(value):
    """Rounded to 3 decimal places (about 110 m: never the doorstep, as police.uk moves each search to
    a nearby map point), written with the fixed 6 decimals of the published file (52.260000)."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(THREE_PLACES, rounding=ROUND_HALF_UP).quantize(SIX_PLACES)
