"""CSV exports and the printable briefing.

Who may export: sergeant (their team's records), inspector, analyst and admin;
an officer only the CSV of their own records.
"""
from __future__ import annotations

from pathlib import Path

from flask import Response, render_template, send_from_directory, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import fields, validate
from sqlalchemy import select

from ..core.db import db
from ..core.schemas import ident
from ..core.security import (ADMIN, ALL_ROLES, ANALYST, CLEARED_FOR_INTELLIGENCE, INSPECTOR, OFFICER, SERGEANT,
                             requires)
from ..core.timezone import local_today
from ..operations.models import Operation
from ..operations.service import get_operation_or_404
from ..records import reference as ref
from ..records.access import WITHHELD, listing_order, withheld_fields
from ..records.models import MODEL_BY_KIND, IntelligenceLog, StopSearch
from ..records.service import AnyKindRecord, records_matching
from ..tallies.schemas import COMPARE_DOC, COMPARE_PATTERN, ComparisonArgsSchema, CompareField, PeriodArgsSchema, TallyQuerySchema
from ..tallies.service import operation_tally
from ..tallies.wording import long_date
from . import service
from .csvfile import csv_response

EXPORTERS = frozenset({SERGEANT, INSPECTOR, ANALYST, ADMIN})
STATIC = Path(__file__).resolve().parent / "static"

blp = Blueprint("exports", __name__, url_prefix="/api", description="CSV exports and the printable briefing",
                template_folder="templates")


def _body(media_type: str, description: str) -> dict:
    """The 200 answer of a view that is not JSON, for the OpenAPI document (and so for schemathesis, which
    checks each answer's Content-Type against it): flask-smorest's `response(content_type=...)` names no
    media type when there is no schema, so the content is stated here."""
    return {"responses": {"200": {"description": description,
                                  "content": {media_type: {"schema": {"type": "string"}}}}}}


CSV_DOC = "text/csv; charset=utf-8, with a byte-order mark; a header row, then one row per line."


class RecordsExportQuerySchema(PeriodArgsSchema):
    operation = ident(metadata={"description": "Operation id."})
    kind = fields.String(validate=validate.OneOf(list(ref.KINDS)))


class StopSearchExportQuerySchema(PeriodArgsSchema):
    operation = ident(metadata={"description": "Operation id."})


class BriefingQuerySchema(ComparisonArgsSchema):
    compare = CompareField(load_default=None, metadata={"type": "string", "pattern": COMPARE_PATTERN,
                                                        "description": "Default (without compare_from): previous. "
                                                                       + COMPARE_DOC})
    format = fields.String(load_default="html", validate=validate.OneOf(
        ["html"], error="Only html: open the page and print it (or save it as PDF) from the browser."))


def _period_name(args) -> str:
    start = args.get("from_")
    end = args.get("to")
    return f"{start or 'start'}-to-{end or local_today()}"


def _check_operation(args):
    if args.get("operation") is not None:
        get_operation_or_404(args["operation"])


# ---- tally CSV -------------------------------------------------------------------------------------

@blp.route("/operations/<int:operation_id>/tally.csv", methods=["GET"])
@requires(EXPORTERS)
@blp.arguments(TallyQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
@blp.doc(**_body("text/csv", "The tally's groups as CSV (same groups and numbers as the JSON), each row with its "
                             "period and, when compared, the comparison period and rule in words. " + CSV_DOC))
def tally_csv(args, operation_id):
    body, operation = operation_tally(operation_id, current_user._get_current_object(), args)
    header, rows = service.tally_rows(body)
    period = body["period"]
    return csv_response(f"{operation.slug}-tally-{period['from']}-to-{period['to']}.csv", header, rows)


# ---- records CSV -------------------------------------------------------------------------------------

COMMON_COLUMNS = ["id", "kind", "operation", "occurred_at", "local_date", "area", "place", "latitude",
                  "longitude", "officer", "officer_name", "team", "status", "version", "notes", "review_comment",
                  "void_reason"]
# Every kind's own fields, in kind order; intelligence text is added last, and only for those who may read it.
DETAIL_COLUMNS = list(dict.fromkeys(
    name for model in (MODEL_BY_KIND[kind] for kind in ref.KINDS) for name in model.DETAIL_CONTENT
    if name not in IntelligenceLog.RESTRICTED))


def _sees_intelligence_column(user) -> bool:
    """Cleared roles, and officers (whose export holds only their own entries, which they wrote).
    Each cell is still filled only where records.access allows."""
    return user.role in CLEARED_FOR_INTELLIGENCE or user.role == OFFICER


@blp.route("/exports/records.csv", methods=["GET"])
@requires(ALL_ROLES)
@blp.arguments(RecordsExportQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
@blp.alt_response(404, description="No such operation")
@blp.doc(**_body("text/csv", "Records as CSV, scoped by role. For an intelligence log the viewer is not cleared for, "
                             "every cell that could identify a source reads [withheld]. " + CSV_DOC))
def records_csv(args):
    user = current_user._get_current_object()
    _check_operation(args)
    stmt = records_matching(user, args).order_by(*listing_order(AnyKindRecord, user, newest_first=False))
    with_text = _sees_intelligence_column(user)
    header = COMMON_COLUMNS + DETAIL_COLUMNS + (["intelligence_text"] if with_text else [])
    slugs = dict(db.session.execute(select(Operation.id, Operation.slug)).all())

    def rows():
        for record in db.session.scalars(stmt.execution_options(yield_per=500)):
            officer = record.officer
            row = [record.id, record.kind, slugs.get(record.operation_id), record.occurred_at, record.occurred_on,
                   record.area, record.place, record.latitude, record.longitude, officer.shoulder_number,
                   officer.display_name, record.team, record.status, record.version, record.notes,
                   record.review_comment, record.void_reason]
            row += [getattr(record, f, None) for f in DETAIL_COLUMNS]
            if with_text:
                row.append(getattr(record, "intelligence_text", None))
            hidden = withheld_fields(record, user)
            if hidden:
                # A column is named after the field it holds, so the one list decides what is left out.
                row = [WITHHELD if name in hidden else value for name, value in zip(header, row)]
            yield row

    name = f"records-{slugs.get(args.get('operation'), 'all')}-{_period_name(args)}.csv"
    return csv_response(name, header, rows(), stream=True)


# ---- police.uk stop-search CSV ---------------------------------------------------------------------------

@blp.route("/exports/stop-searches.csv", methods=["GET"])
@requires(EXPORTERS)
@blp.arguments(StopSearchExportQuerySchema, location="query")
@blp.response(200, content_type="text/csv")
@blp.alt_response(404, description="No such operation")
@blp.doc(**_body("text/csv", "Stop searches in the police.uk monthly archive CSV layout: the same 15 columns, "
                             "no byte-order mark, LF line ends, locations rounded to 3 decimal places and written with "
                             "a fixed 6 decimals, \"Part of a "
                             "policing operation\" True only for a named policing operation; no officer identity. "
                             "text/csv; charset=utf-8."))
def stop_searches_csv(args):
    user = current_user._get_current_object()
    _check_operation(args)
    stmt = (records_matching(user, args, model=StopSearch).where(StopSearch.status != ref.Status.VOIDED)
            .order_by(StopSearch.occurred_at, StopSearch.id))
    operations = {r.id: r for r in db.session.execute(
        select(Operation.id, Operation.slug, Operation.name, Operation.is_policing_operation))}

    def rows():
        for s in db.session.scalars(stmt.execution_options(yield_per=500)):
            op = operations[s.operation_id]
            named = bool(op.is_policing_operation)
            yield [s.search_type, s.occurred_at.isoformat(timespec="seconds"), named, op.name if named else None,
                   service.coordinate(s.latitude), service.coordinate(s.longitude), s.gender, s.age_range,
                   s.self_defined_ethnicity, s.officer_defined_ethnicity, s.legislation, s.object_of_search,
                   s.outcome, s.outcome_linked_to_object_of_search, s.removal_of_more_than_outer_clothing]

    slug = operations[args["operation"]].slug if args.get("operation") in operations else "all"
    name = f"stop-searches-{slug}-{_period_name(args)}.csv"
    # As the published monthly file is: no byte-order mark, LF line ends.
    return csv_response(name, list(ref.POLICE_UK_CSV_HEADER), rows(), stream=True, bom=False, line_end="\n")


# ---- the printable briefing ----------------------------------------------------------------------------------

@blp.route("/exports/briefing.css", methods=["GET"])
@requires(EXPORTERS)
@blp.response(200, content_type="text/css")
@blp.doc(summary="The briefing page's print styles", **_body("text/css", "The briefing page's print styles."))
def briefing_css():
    resp = send_from_directory(STATIC, "briefing.css", mimetype="text/css")
    resp.headers["Cache-Control"] = "private, max-age=3600"
    return resp


@blp.route("/operations/<int:operation_id>/briefing", methods=["GET"])
@requires(EXPORTERS)
@blp.arguments(BriefingQuerySchema, location="query")
@blp.response(200, content_type="text/html")
@blp.doc(**_body("text/html", "A one-page printable briefing (HTML with print styles, no scripts)."))
def briefing(args, operation_id):
    """Headline since launch, a chart of records per week by kind, areas, and the comparison period."""
    operation = get_operation_or_404(operation_id)
    page = service.briefing(operation, current_user._get_current_object(), args)
    html = render_template("briefing.html", **page, kinds=ref.KIND_ORDER, labels=ref.KINDS, plural=ref.KIND_PLURAL,
                           css_url=url_for("exports.briefing_css"), generated=local_today(), long_date=long_date)
    return Response(html, status=200, content_type="text/html; charset=utf-8")
