"""Every export: who may have it, what it holds, and that a spreadsheet cannot be made to run it."""
import csv
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.core.timezone import local_today
from server.exports.csvfile import cell
from server.records import reference as ref
from server.records.reference import POLICE_UK_CSV_HEADER
from tests import factories as f

POLICE_UK_HEADER_LINE = ("Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
                         "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
                         "Outcome,Outcome linked to object of search,Removal of more than just outer clothing")


def read_csv(resp, published=False):
    """published: police.uk's archive layout, which has no byte-order mark and LF line ends."""
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"].startswith('attachment; filename="')
    assert resp.headers["Content-Disposition"].endswith('.csv"')
    raw = resp.get_data()
    if published:
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
        text = raw.decode("utf-8")
    else:
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: spreadsheets read it as UTF-8
        text = raw.decode("utf-8-sig")
    return text, list(csv.reader(io.StringIO(text, newline="")))


def as_dicts(rows):
    return [dict(zip(rows[0], r)) for r in rows[1:]]


# ---- the formula-injection guard ------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"), ("+44 7700", "'+44 7700"), ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\t=1+1", "'\t=1+1"), ("\r=1", "'\r=1"), ("Lings Way", "Lings Way"),
    ("a=b", "a=b"), ("", ""), (None, ""), (True, "True"), (False, "False"), (-0.837, -0.837), (3, 3),
])
def test_cell_guard(value, expected):
    assert cell(value) == expected


def test_records_csv_guards_user_text_and_keeps_numbers(officer_client, operation):
    rec = f.arrest(operation.id, notes="=HYPERLINK(\"http://x.test\",\"click\")", place="@Lings Way",
                   custody_reference="-CU/1", latitude=52.26031, longitude=-0.83691)
    assert officer_client.sync(records=[rec]).get_json()["records"][0]["status"] == "created"
    text, rows = read_csv(officer_client.get(f"/api/exports/records.csv?operation={operation.id}"))
    row = as_dicts(rows)[0]
    assert row["notes"] == "'=HYPERLINK(\"http://x.test\",\"click\")"
    assert row["place"] == "'@Lings Way"
    assert row["custody_reference"] == "'-CU/1"
    assert row["longitude"] == "-0.83691" and row["latitude"] == "52.26031"
    for line in text.splitlines()[1:]:
        for value in next(csv.reader([line])):
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value


def assert_no_cell_is_a_formula(rows):
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.lstrip("-").replace(".", "", 1).isdigit(), value


def test_tally_csv_guards_team_and_officer_names(app, login_as, inspector_client, operation):
    """Team and display names are typed in by an administrator: they reach the tally CSV grouped by team
    and officer, and must not run as formulas in the briefing's spreadsheet."""
    from server.auth.models import Officer
    from server.core.db import db
    client = login_as("officer", team="=cmd|' /C calc'!A0")
    with app.app_context():
        db.session.get(Officer, client.officer.id).display_name = "@SUM(1+1)*cmd|' /C calc'!A0"
        db.session.commit()
    assert client.sync(records=[f.arrest(operation.id)]).get_json()["records"][0]["status"] == "created"
    _, rows = read_csv(inspector_client.get(f"/api/operations/{operation.id}/tally.csv?group_by=team,officer,kind"))
    assert rows[0] == ["from", "to", "team", "officer", "officer_name", "kind", "count"]
    assert rows[1][2:] == ["'=cmd|' /C calc'!A0", client.officer.shoulder_number, "'@SUM(1+1)*cmd|' /C calc'!A0",
                           "Arrest", "1"]
    assert len(rows) == 2
    assert_no_cell_is_a_formula(rows)


def test_stop_search_csv_guards_the_operation_name(inspector_client, officer_client):
    """The police.uk CSV carries one free-text value, the operation's name (typed in by an inspector)."""
    resp = inspector_client.post("/api/operations", {
        "name": "=HYPERLINK(\"http://x.test\",\"Revive\")", "slug": "formula", "local_policing_area": "West",
        "target_areas": ["NN3"], "starts_on": "2026-01-01"})
    assert resp.status_code == 201, resp.get_json()
    op_id = resp.get_json()["id"]
    search = f.stop_search(op_id, latitude=52.26, longitude=-0.837)
    assert officer_client.sync(records=[search]).get_json()["records"][0]["status"] == "created"
    _, rows = read_csv(inspector_client.get(f"/api/exports/stop-searches.csv?operation={op_id}"), published=True)
    row = dict(zip(rows[0], rows[1]))
    assert row["Policing operation"] == "'=HYPERLINK(\"http://x.test\",\"Revive\")"
    assert row["Longitude"] == "-0.837000"  # a number we wrote stays a number
    assert_no_cell_is_a_formula(rows)


# ---- records CSV ---------------------------------------------------------------------------------------

def test_records_csv_is_scoped_by_role_and_hides_intelligence_text_from_the_uncleared(
        officer_client, colleague_client, other_team_client, sergeant_client, inspector_client, analyst_client,
        admin_client, anon_client, operation):
    mine = [f.intelligence_log(operation.id), f.arrest(operation.id)]
    officer_client.sync(records=mine)
    colleague_client.sync(records=[f.stop_search(operation.id)])
    other_team_client.sync(records=[f.intelligence_log(operation.id, intelligence_text="Other team text")])

    def export(client, query=""):
        return as_dicts(read_csv(client.get(f"/api/exports/records.csv{query}"))[1])

    own = export(officer_client)
    assert {r["id"] for r in own} == {r["id"] for r in mine}
    assert next(r for r in own if r["kind"] == "intelligence_log")["intelligence_text"] == f.INTEL_TEXT
    assert {r["officer"] for r in export(sergeant_client)} == {officer_client.officer.shoulder_number,
                                                               colleague_client.officer.shoulder_number}
    assert len(export(colleague_client)) == 1
    for client in (inspector_client, analyst_client):
        rows = export(client)
        assert len(rows) == 4
        assert {r["intelligence_text"] for r in rows if r["kind"] == "intelligence_log"} == {f.INTEL_TEXT,
                                                                                            "Other team text"}
    admin_rows = export(admin_client)
    assert len(admin_rows) == 4 and "intelligence_text" not in admin_rows[0]
    raw = admin_client.get("/api/exports/records.csv").get_data(as_text=True)
    assert f.INTEL_TEXT not in raw and "Other team text" not in raw
    # filters
    assert {r["kind"] for r in export(inspector_client, "?kind=arrest")} == {"arrest"}
    assert export(inspector_client, f"?from={(datetime.now().date() + timedelta(days=3)).isoformat()}") == []
    assert anon_client.get("/api/exports/records.csv").status_code == 401


def test_records_csv_errors(inspector_client):
    resp = inspector_client.get("/api/exports/records.csv?kind=parking_ticket")
    assert resp.status_code == 422 and "kind" in resp.get_json()["error"]["fields"]
    resp = inspector_client.get("/api/exports/records.csv?from=2026-03-01&to=2026-02-01")
    assert resp.status_code == 422 and "to" in resp.get_json()["error"]["fields"]
    resp = inspector_client.get("/api/exports/records.csv?operation=99999")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    for path in ("records.csv", "stop-searches.csv"):  # ids too big for the database's integer: 422, not 500
        for bad in ("0", "30593882647674937344"):
            resp = inspector_client.get(f"/api/exports/{path}?operation={bad}")
            assert resp.status_code == 422 and "operation" in resp.get_json()["error"]["fields"]


# ---- police.uk stop-search CSV ------------------------------------------------------------------------

def test_stop_search_csv_has_the_police_uk_layout_and_no_officer_identity(officer_client, sergeant_client,
                                                                         inspector_client, operation):
    at = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=3)
    search = f.stop_search(operation.id, occurred_at=at.isoformat(), latitude=52.260349, longitude=-0.836912,
                           outcome="Arrest", outcome_linked_to_object_of_search=True,
                           removal_of_more_than_outer_clothing=None, notes="Officer PC1234 searched")
    voided = f.stop_search(operation.id)
    officer_client.sync(records=[search, voided, f.arrest(operation.id)])
    officer_client.post(f"/api/records/{voided['id']}/void", {"reason": "Logged twice"})
    resp = inspector_client.get(f"/api/exports/stop-searches.csv?operation={operation.id}")
    text, rows = read_csv(resp, published=True)
    assert text.splitlines()[0] == POLICE_UK_HEADER_LINE
    assert tuple(rows[0]) == POLICE_UK_CSV_HEADER
    assert len(rows) == 2  # the voided one is not published
    row = dict(zip(rows[0], rows[1]))
    assert row == {
        "Type": "Person search", "Date": at.astimezone(timezone.utc).isoformat(),
        "Part of a policing operation": "True", "Policing operation": "Operation Revive",
        "Latitude": "52.260000", "Longitude": "-0.837000", "Gender": "Male", "Age range": "18-24",
        "Self-defined ethnicity": "White - English/Welsh/Scottish/Northern Irish/British",
        "Officer-defined ethnicity": "White", "Legislation": "Misuse of Drugs Act 1971 (section 23)",
        "Object of search": "Controlled drugs", "Outcome": "Arrest", "Outcome linked to object of search": "True",
        "Removal of more than just outer clothing": ""}
    assert datetime.fromisoformat(row["Date"]) == at
    for secret in (officer_client.officer.shoulder_number, officer_client.officer.display_name, "PC1234",
                   search["id"]):
        assert secret not in text
    # the sergeant gets their team's
    assert len(read_csv(sergeant_client.get("/api/exports/stop-searches.csv"), published=True)[1]) == 2


# Copies of the reference notes and of 15 rows of a real police.uk archive file (Metropolitan Police,
# June 2016; Open Government Licence), as published.
REFERENCE = Path(__file__).resolve().parent / "reference"
SAMPLE = REFERENCE / "police-uk-stop-and-search-sample.csv"
SIX_DECIMALS = re.compile(r"^-?[0-9]{1,3}\.[0-9]{6}$")


def test_stop_search_csv_reads_like_the_published_monthly_file(app, officer_client, inspector_client, operation):
    """Read the way a police.uk archive file is read: Python's csv module, header `Type` first (no
    byte-order mark in front of it), coordinates to 6 decimals, and "Part of a policing operation"
    True only for a named policing operation (routine patrol is False, with no operation name)."""
    with app.app_context():
        from server.core.db import db
        from server.operations.models import Operation
        routine = Operation(name="West LPA routine patrol", slug="routine", local_policing_area="West",
                            target_areas=["NN3"], starts_on=operation.starts_on, is_policing_operation=False)
        db.session.add(routine)
        db.session.commit()
        routine_id = routine.id
    officer_client.sync(records=[
        f.stop_search(operation.id, latitude=52.26, longitude=-0.8369, occurred_at=f.now_iso(90)),
        f.stop_search(routine_id, latitude=52.2599494, longitude=-0.9, occurred_at=f.now_iso(60)),
        f.stop_search(routine_id, latitude=None, longitude=None, occurred_at=f.now_iso(30))])
    resp = inspector_client.get("/api/exports/stop-searches.csv")
    raw = resp.get_data()
    assert raw[:5] == b"Type," and raw.count(b"\n") == 4 and b"\r" not in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    with SAMPLE.open(newline="", encoding="utf-8") as published:
        sample = csv.DictReader(published)
        sample_rows = list(sample)
        assert list(rows[0]) == sample.fieldnames == list(POLICE_UK_CSV_HEADER)  # the same 15 columns, in order
    assert list(rows[0])[0] == "Type"
    for row in sample_rows + rows:  # our coordinates look like theirs: 6 decimals or blank
        for column in ("Latitude", "Longitude"):
            assert row[column] == "" or SIX_DECIMALS.match(row[column]), (column, row[column])
    named, patrol, unplaced = rows
    # rounded to about 110 m (never the doorstep), written as the published file writes them
    assert (named["Latitude"], named["Longitude"]) == ("52.260000", "-0.837000")
    assert (patrol["Latitude"], patrol["Longitude"]) == ("52.260000", "-0.900000")
    assert (unplaced["Latitude"], unplaced["Longitude"]) == ("", "")
    assert (named["Part of a policing operation"], named["Policing operation"]) == ("True", "Operation Revive")
    assert (patrol["Part of a policing operation"], patrol["Policing operation"]) == ("False", "")
    assert unplaced["Part of a policing operation"] == "False"
    for row in rows:  # every value from police.uk's lists
        assert row["Type"] in ref.SEARCH_TYPES and row["Legislation"] in ref.LEGISLATION
        assert row["Outcome"] in ref.OUTCOMES and row["Self-defined ethnicity"] in ref.SELF_DEFINED_ETHNICITIES


def test_the_value_lists_are_police_uks_current_ones():
    """Every stop-search list, as the reference notes list police.uk's current values."""
    notes = (REFERENCE / "uk-policing-codes.md").read_text(encoding="utf-8")

    def listed(label):
        line = next(ln for ln in notes.splitlines() if ln.startswith(f"- {label}"))
        line = line.split(":", 1)[1].split(" (in a real")[0] if label != "Self-defined ethnicity" else (
            line.split("monthly file):", 1)[1])
        return tuple(re.findall(r"`([^`]+)`", line))

    assert ref.SEARCH_TYPES == listed("Type")
    assert ref.GENDERS == listed("Gender")
    assert ref.AGE_RANGES == listed("Age range")
    assert ref.OFFICER_DEFINED_ETHNICITIES == listed("Officer-defined ethnicity")
    assert ref.SELF_DEFINED_ETHNICITIES == listed("Self-defined ethnicity")
    assert ref.LEGISLATION == listed("Legislation")
    assert "Criminal Justice Act 1988 (section 139B)" in ref.LEGISLATION
    assert ref.OBJECTS_OF_SEARCH == listed("Object of search")
    assert ref.OUTCOMES == listed("Outcome:")


def test_stop_search_csv_scoping(officer_client, other_team_client, sergeant_client, other_sergeant_client,
                                 analyst_client, admin_client, anon_client, operation):
    officer_client.sync(records=[f.stop_search(operation.id)])
    assert len(read_csv(other_sergeant_client.get("/api/exports/stop-searches.csv"), published=True)[1]) == 1
    for client in (analyst_client, admin_client, sergeant_client):
        assert len(read_csv(client.get("/api/exports/stop-searches.csv"), published=True)[1]) == 2
    for client in (officer_client, other_team_client):
        resp = client.get("/api/exports/stop-searches.csv")
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
    assert anon_client.get("/api/exports/stop-searches.csv").status_code == 401


# ---- tally CSV and briefing ---------------------------------------------------------------------------

def test_tally_csv_matches_the_json(inspector_client, officer_client, other_team_client, operation):
    officer_client.sync(records=[f.arrest(operation.id), f.arrest(operation.id, area="NN5"),
                                 f.intelligence_log(operation.id)])
    other_team_client.sync(records=[f.arrest(operation.id)])
    query = "?group_by=kind,area,week,team,officer,status"
    body = inspector_client.get(f"/api/operations/{operation.id}/tally{query}").get_json()
    _, rows = read_csv(inspector_client.get(f"/api/operations/{operation.id}/tally.csv{query}"))
    assert rows[0] == ["from", "to", "kind", "area", "week", "team", "officer", "officer_name", "status", "count"]
    assert len(rows) - 1 == len(body["groups"])
    for row, group in zip(rows[1:], body["groups"]):
        assert int(row[-1]) == group["count"]
        assert row[:2] == [body["period"]["from"], body["period"]["to"]]
        assert row[3] == group["area"] and row[4] == group["week"] and row[5] == group["team"]
        assert row[6] == group["officer"]["shoulder_number"]
    assert sum(int(r[-1]) for r in rows[1:]) == body["totals"]["all"] == 4


def test_tally_csv_and_briefing_state_both_periods_and_the_rule(app, inspector_client, officer_client, operation):
    from server.core.db import db
    from server.operations.models import Operation
    with app.app_context():
        routine = Operation(name="Routine", slug="routine", local_policing_area="West", target_areas=["NN3"],
                            starts_on=operation.starts_on - timedelta(days=90),
                            ends_on=operation.starts_on - timedelta(days=1), is_policing_operation=False)
        db.session.add(routine)
        db.session.commit()
        routine_id = routine.id
    launch = datetime.combine(operation.starts_on, datetime.min.time(), timezone.utc) + timedelta(hours=12)
    officer_client.sync(records=[f.arrest(routine_id, occurred_at=(launch - timedelta(days=5)).isoformat()),
                                 f.arrest(operation.id, occurred_at=(launch + timedelta(days=5)).isoformat()),
                                 f.arrest(operation.id, occurred_at=(launch + timedelta(days=6)).isoformat())])
    to = operation.starts_on + timedelta(days=29)
    query = f"?to={to}&compare=before_launch"
    body = inspector_client.get(f"/api/operations/{operation.id}/tally{query}").get_json()
    comparison = body["comparison"]
    words = comparison["description"]
    assert words.startswith("Compared with ") and "(30 days, before launch)" in words
    assert "both periods count every record in NN3 and NN5, whatever the operation" in words
    _, rows = read_csv(inspector_client.get(f"/api/operations/{operation.id}/tally.csv{query}"))
    assert rows[0] == ["from", "to", "compared_from", "compared_to", "comparison", "kind", "compared_count",
                       "count_same_population", "change", "count"]
    arrests = next(r for r in rows[1:] if r[5] == "Arrest")
    assert arrests == [operation.starts_on.isoformat(), to.isoformat(), comparison["period"]["from"],
                       comparison["period"]["to"], words, "Arrest", "1", "2", "up 100%", "2"]
    html = inspector_client.get(f"/api/operations/{operation.id}/briefing{query}").get_data(as_text=True)
    import html as html_lib
    text = html_lib.unescape(html)
    assert words in text
    long = lambda d: f"{d.day} {d.strftime('%B %Y')}"  # noqa: E731
    assert f"This period: {long(operation.starts_on)} to {long(to)}." in text
    start = datetime.fromisoformat(comparison["period"]["from"]).date()
    assert f"Compared with {long(start)} to {long(operation.starts_on - timedelta(days=1))}" in text
    assert "arrests up 100%" in text


def test_tally_csv_and_briefing_access(officer_client, sergeant_client, other_sergeant_client, inspector_client,
                                       anon_client, operation):
    officer_client.sync(records=[f.arrest(operation.id)])
    for path in (f"/api/operations/{operation.id}/tally.csv", f"/api/operations/{operation.id}/briefing",
                 "/api/exports/briefing.css"):
        assert officer_client.get(path).status_code == 403
        assert anon_client.get(path).status_code == 401
        assert inspector_client.get(path).status_code == 200
    # a sergeant's exports hold their team only
    _, rows = read_csv(sergeant_client.get(f"/api/operations/{operation.id}/tally.csv"))
    assert rows[1:] == [[operation.starts_on.isoformat(), local_today().isoformat(), "Arrest", "1"]]
    _, rows = read_csv(other_sergeant_client.get(f"/api/operations/{operation.id}/tally.csv"))
    assert rows[1:] == []
    html = other_sergeant_client.get(f"/api/operations/{operation.id}/briefing").get_data(as_text=True)
    assert "0 intelligence logs, 0 arrests" in html and "West Team 3 only" in html
    for path in ("/api/operations/99999/tally.csv", "/api/operations/99999/briefing"):
        resp = inspector_client.get(path)
        assert resp.status_code == 404 and resp.get_json()["error"]["message"] == "No such operation."


def test_briefing_is_printable_html_without_scripts(inspector_client, officer_client, operation):
    officer_client.sync(records=[f.arrest(operation.id, notes="<script>alert(1)</script>"),
                                 f.safeguarding_referral(operation.id, area="NN5")])
    resp = inspector_client.get(f"/api/operations/{operation.id}/briefing")
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    html = resp.get_data(as_text=True)
    assert "<script" not in html and " style=" not in html and "<style" not in html
    assert "0 intelligence logs, 1 arrest, 1 safeguarding referral and 0 stop searches since launch" in html
    assert "<svg" in html and "Records per week by kind" in html
    assert "<th>NN3</th>" in html and "<th>NN5</th>" in html
    assert "arrests new" in html  # nothing before: no percentage, never infinity
    css = inspector_client.get("/api/exports/briefing.css").get_data(as_text=True)
    assert "@media print" in css and "@page" in css


@pytest.mark.parametrize("query,field", [("?format=pdf", "format"), ("?compare=soon", "compare"),
                                         ("?from=2026-02-30", "from")])
def test_briefing_query_errors(inspector_client, operation, query, field):
    resp = inspector_client.get(f"/api/operations/{operation.id}/briefing{query}")
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]
