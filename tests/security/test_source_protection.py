"""Source protection: intelligence text reaches nobody uncleared through any
endpoint, log line, audit entry or error message; fields naming a source are refused."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError

from server.core.db import db
from server.records.models import AuditEntry, IntelligenceLog
from server.records.service import RESTRICTED_MARK
from tests import factories as f
from tests.security.conftest import SECRET_TEXT
from tests.security.endpoints import ALL_ROUTES

NEW_TEXT = "Second source report: the lookouts now use a grey moped, registration withheld."


def bodies_for_every_get(client, record_id, operation_id):
    for rule, method, _ in ALL_ROUTES:
        if method != "GET":
            continue
        url = (rule.replace("<uuid:record_id>", record_id).replace("<int:operation_id>", str(operation_id))
               .replace("<client_path:path>", "records/new"))
        yield url, client.get(url).get_data(as_text=True)


def test_the_whole_life_of_a_log_leaks_nothing(app, officer_client, colleague_client, other_team_client,
                                               sergeant_client, other_sergeant_client, admin_client,
                                               analyst_client, inspector_client, operation, all_logs):
    rec = f.intelligence_log(operation.id, intelligence_text=SECRET_TEXT)
    assert officer_client.sync(records=[rec]).get_json()["records"][0]["status"] == "created"
    rid, url = rec["id"], f"/api/records/{rec['id']}"
    # Edited twice: once by PATCH, once by a re-sync; plus a stale edit (conflict) and bad ones.
    assert officer_client.patch(url, {"base_version": 1, "intelligence_text": NEW_TEXT}).status_code == 200
    resend = {**rec, "intelligence_text": SECRET_TEXT + " Again.", "base_version": 2}
    assert officer_client.sync(records=[resend]).get_json()["records"][0]["status"] == "updated"
    stale = {**rec, "intelligence_text": "stale", "base_version": 1}
    conflict = officer_client.sync(records=[stale]).get_json()["records"][0]
    assert conflict["status"] == "conflict"  # the author gets the server copy back: their own text
    bad = officer_client.patch(url, {"base_version": 3, "intelligence_text": SECRET_TEXT + "x" * 8000})
    assert bad.status_code == 422 and SECRET_TEXT not in bad.get_data(as_text=True)
    bad = officer_client.sync(records=[f.intelligence_log(operation.id, intelligence_text=SECRET_TEXT,
                                                          topics=["not-a-topic"])]).get_json()
    assert bad["records"][0]["status"] == "rejected" and SECRET_TEXT not in str(bad)
    sergeant_client.post(url + "/return", {"comment": "Grade it again", "base_version": 3})
    sergeant_client.post(url + "/verify", {"base_version": 4})

    texts = (SECRET_TEXT, NEW_TEXT, "Again.")
    # Nobody uncleared sees it through any read endpoint.
    for who, client in (("colleague", colleague_client), ("other team", other_team_client),
                        ("other sergeant", other_sergeant_client), ("admin", admin_client)):
        for path, body in bodies_for_every_get(client, rid, operation.id):
            for t in texts:
                assert t not in body, f"{who} got intelligence text from GET {path}"
    # Cleared roles do (so the checks above are not vacuous).
    for client in (sergeant_client, analyst_client, inspector_client, officer_client):
        assert "Again." in client.get(url).get_data(as_text=True)
    # Admin still sees that the log exists and its grading, just not the text.
    as_admin = admin_client.get(url).get_json()["record"]
    assert as_admin["source_evaluation"] == "2" and "intelligence_text" not in as_admin
    # The history shows only that the text changed, to everyone, the author too (to admin, only that
    # a withheld field changed).
    for client in (officer_client, sergeant_client, admin_client):
        history = client.get(url + "/history").get_data(as_text=True)
        assert (RESTRICTED_MARK in history) == (client is not admin_client)
        for t in texts:
            assert t not in history
    with app.app_context():
        for entry in db.session.scalars(select(AuditEntry)):
            assert not any(t in str(entry.changes) + str(entry.comment) for t in texts)
        db.session.remove()
    # And no log line anywhere carries it.
    for t in texts:
        assert t not in all_logs.text


def test_database_errors_never_carry_the_values(app, ctx):
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"] is True
    with pytest.raises(IntegrityError) as info:
        # No parent row in records: the database refuses; the error must not quote the text.
        db.session.execute(insert(IntelligenceLog.__table__), [{
            "id": uuid.uuid4(), "source_evaluation": "1", "intelligence_assessment": "A", "handling_code": "P",
            "topics": ["drugs_supply"], "how_obtained": "crimestoppers", "intelligence_text": SECRET_TEXT}])
        db.session.flush()
    db.session.rollback()
    assert SECRET_TEXT not in str(info.value)
    assert "hidden due to hide_parameters" in str(info.value)


SOURCE_FIELDS = ["source_name", "source", "informant", "informant_name", "source_phone", "source_address",
                 "chis_reference", "source_id", "given_by", "reported_by"]


@pytest.mark.parametrize("name", SOURCE_FIELDS)
def test_a_field_naming_a_source_is_refused_everywhere(app, officer_client, operation, name):
    rec = f.intelligence_log(operation.id, **{name: "Jane Smith, 07700 900123"})
    item = officer_client.sync(records=[rec]).get_json()["records"][0]
    assert item["status"] == "rejected" and item["errors"] == {name: ["Unknown field."]}
    # Nor can it be added to a stored log.
    ok = f.intelligence_log(operation.id)
    officer_client.sync(records=[ok])
    resp = officer_client.patch(f"/api/records/{ok['id']}", {"base_version": 1, name: "Jane Smith"})
    assert resp.status_code == 422 and name in resp.get_json()["error"]["fields"]
    assert "Jane Smith" not in resp.get_data(as_text=True)


def test_there_is_nowhere_to_store_a_source(app, ctx):
    columns = {c["name"] for c in inspect(db.engine).get_columns("intelligence_logs")}  # the real table
    assert {c for c in columns if "source" in c} == {"source_evaluation"}
    assert not any(word in c for c in columns for word in ("informant", "name", "phone", "address", "chis"))


# ---- everything that could name or locate a source, per viewer and endpoint ----------------------------------

# Distinctive values in each field that could identify a source, before and after an edit.
FIRST = {"notes": "MARKER-NOTES-7731", "place": "MARKER-PLACE-7731", "latitude": 52.123456, "longitude": -0.654321,
         "handling_code": "C", "handling_conditions": "MARKER-CONDITIONS-7731", "intelligence_text": "MARKER-TEXT-7731"}
EDITED = {"notes": "MARKER-NOTES-B-7731", "place": "MARKER-PLACE-B-7731", "latitude": 52.654321,
          "longitude": -0.123456, "handling_conditions": "MARKER-CONDITIONS-B-7731",
          "intelligence_text": "MARKER-TEXT-B-7731"}
RETURN_COMMENT = "MARKER-RETURN-7731: who is the lookout on Lings Way?"
VOID_REASON = "MARKER-VOID-7731: duplicate of the log naming the flat"
VIEWERS = ("author", "colleague", "other_team", "sergeant", "other_sergeant", "inspector", "analyst", "admin")
CLEARED = {"author", "sergeant", "inspector", "analyst"}
CLIENT_FIXTURE = {"author": "officer_client", "colleague": "colleague_client", "other_team": "other_team_client",
                  "sergeant": "sergeant_client", "other_sergeant": "other_sergeant_client",
                  "inspector": "inspector_client", "analyst": "analyst_client", "admin": "admin_client"}
# GET endpoints whose answer holds a submitted or returned log, and for which cleared viewers. Every other
# GET endpoint (read from app.url_map) must hold none of it even for them: a new endpoint that returns
# records fails until it is listed here, and is checked for every uncleared viewer automatically.
RETURNS_THE_LOG = {
    "/api/records": CLEARED,
    "/api/records/<uuid:record_id>": CLEARED,
    "/api/records/<uuid:record_id>/history": CLEARED,
    "/api/exports/records.csv": CLEARED,
    "/api/shifts/<uuid:shift_id>/tally": CLEARED,  # the end-of-shift review queue
    "/api/sync/changes": {"author"},  # one's own entries only
}


def exact_time(minutes_ago: int) -> datetime:
    moment = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    return moment.replace(microsecond=123457 + minutes_ago)


def time_part(iso: str) -> str:
    """The time of day of an instant, as every answer and export writes it (to the microsecond)."""
    return iso.split("T", 1)[1][:15]


class MarkedLog:
    """A log carrying markers in every field that could identify its source, edited, returned with a
    comment, with a shift; `secrets` is every value no uncleared viewer may receive, old and new."""

    def __init__(self, author, sergeant, operation_id):
        self.author, self.operation_id = author, operation_id
        shift = f.shift(operation_id)
        first_at, edited_at = exact_time(120), exact_time(100)
        rec = f.intelligence_log(operation_id, shift_id=shift["id"], occurred_at=first_at.isoformat(), **FIRST)
        body = author.sync(shifts=[shift], records=[rec]).get_json()
        assert body["records"][0]["status"] == "created", body
        self.id, self.shift_id, self.url = rec["id"], shift["id"], f"/api/records/{rec['id']}"
        resp = author.patch(self.url, {"base_version": 1, "occurred_at": edited_at.isoformat(), **EDITED})
        assert resp.status_code == 200, resp.get_json()
        assert sergeant.post(self.url + "/return", {"comment": RETURN_COMMENT, "base_version": 2}).status_code == 200
        whole = author.get(self.url).get_json()["record"]
        assert whole["status"] == "returned" and whole["notes"] == EDITED["notes"]
        server_times = [whole["received_at"], whole["updated_at"]]
        server_times += [e["at"] for e in author.get(self.url + "/history").get_json()["entries"]]
        self.secrets = ([str(v) for k, v in {**FIRST, **EDITED}.items() if k != "handling_code"]
                        + [RETURN_COMMENT, VOID_REASON]
                        + [time_part(t.isoformat()) for t in (first_at, edited_at)]
                        + [time_part(t) for t in server_times])
        # The current values: what a cleared viewer's answers must hold (so the absence checks mean something).
        self.current = [EDITED["notes"], EDITED["place"], str(EDITED["latitude"])]

    def url_for(self, rule: str) -> str:
        values = {"<uuid:record_id>": self.id, "<int:operation_id>": str(self.operation_id),
                  "<uuid:shift_id>": self.shift_id, "<client_path:path>": "records/new",
                  "<int:officer_id>": str(self.author.officer.id)}
        url = rule
        for placeholder, value in values.items():
            url = url.replace(placeholder, value)
        assert "<" not in url, f"{__file__}: give MarkedLog.url_for a value for {rule}"
        return url


def get_routes():
    return [rule for rule, method, _ in ALL_ROUTES if method == "GET"]


def leaks(body: bytes, secrets) -> list[str]:
    text = body.decode("utf-8-sig", errors="replace")
    return [s for s in secrets if s in text]


@pytest.fixture
def marked(officer_client, sergeant_client, operation):
    return MarkedLog(officer_client, sergeant_client, operation.id)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_nothing_that_could_identify_a_source_reaches_an_uncleared_viewer(request, viewer, marked, admin_client,
                                                                          all_logs):
    client = request.getfixturevalue(CLIENT_FIXTURE[viewer])
    cleared = viewer in CLEARED
    # While the log waits for review: every GET endpoint, whole body bytes (JSON, CSV, HTML).
    for rule in get_routes():
        body = client.get(marked.url_for(rule)).get_data()
        if not cleared:
            assert not leaks(body, marked.secrets), f"{viewer} got {leaks(body, marked.secrets)} from GET {rule}"
        else:
            holds = not any(c not in body.decode("utf-8-sig") for c in marked.current)
            assert holds == (viewer in RETURNS_THE_LOG.get(rule, ())), \
                f"GET {rule} as {viewer}: holds the log={holds}; classify it in RETURNS_THE_LOG"
    # The administrator may not void it, and the refusal echoes nothing back. Voided by the author, with
    # a reason that may quote it: nothing reaches an uncleared viewer afterwards either.
    refused = admin_client.post(marked.url + "/void", {"reason": VOID_REASON})
    assert refused.status_code == 403, refused.get_json()
    assert not leaks(refused.get_data(), marked.secrets), leaks(refused.get_data(), marked.secrets)
    resp = marked.author.post(marked.url + "/void", {"reason": VOID_REASON})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["record"]["status"] == "voided"
    for rule in get_routes():
        body = client.get(marked.url_for(rule)).get_data()
        if not cleared:
            assert not leaks(body, marked.secrets), f"{viewer} got {leaks(body, marked.secrets)} from GET {rule} (voided)"
    if cleared:
        # They still read all of it, the void reason and the history's before and after too.
        whole = client.get(marked.url).get_data(as_text=True)
        assert all(v in whole for v in (VOID_REASON, EDITED["intelligence_text"], EDITED["notes"]))
        history = client.get(marked.url + "/history").get_data(as_text=True)
        assert all(v in history for v in (FIRST["notes"], FIRST["place"], EDITED["place"], RETURN_COMMENT,
                                          VOID_REASON, str(FIRST["latitude"])))
        csv_text = client.get("/api/exports/records.csv").get_data().decode("utf-8-sig")
        assert all(v in csv_text for v in (VOID_REASON, EDITED["notes"], EDITED["handling_conditions"]))
    # No log line carries any of it, whoever asked.
    found = leaks(all_logs.text.encode(), marked.secrets)
    assert not found, f"logged: {found}"


def test_an_uncleared_viewer_still_sees_what_a_count_needs_and_what_was_withheld(marked, admin_client):
    record = admin_client.get(marked.url).get_json()["record"]
    assert record["occurred_on"] == (datetime.now(timezone.utc) - timedelta(minutes=100)).astimezone(
        ZoneInfo("Europe/London")).date().isoformat()
    assert (record["area"], record["status"], record["source_evaluation"], record["intelligence_assessment"],
            record["handling_code"], record["topics"], record["how_obtained"]) == (
        "NN3", "returned", "2", "B", "C", ["drugs_supply"], "anonymous_community_member")
    assert set(record["withheld"]) == IntelligenceLog.SOURCE_REVEALING - {"device_id"}
    assert not set(record) & IntelligenceLog.SOURCE_REVEALING
    # The history says that the place, the coordinates and the text changed, and who returned it,
    # never the values nor the words; the day, not the time.
    entries = admin_client.get(marked.url + "/history").get_json()["entries"]
    assert [e["action"] for e in entries] == ["create", "amend", "return"]
    amend = entries[1]
    for name in ("notes", "place", "latitude", "longitude", "occurred_at", "handling_conditions", "intelligence_text"):
        assert amend["changes"][name] == ["[withheld]", "[withheld]"], name
    assert entries[2]["changes"] == {"status": ["submitted", "returned"]} and entries[2]["comment"] is None
    assert all("at" not in e and e["on"] and "at" in e["withheld"] and "comment" in e["withheld"] for e in entries)
    # The records CSV: the row is there to count, every revealing cell says it was withheld.
    rows = list(csv.DictReader(io.StringIO(admin_client.get("/api/exports/records.csv").get_data().decode("utf-8-sig"))))
    (row,) = rows
    assert row["local_date"] == record["occurred_on"] and row["area"] == "NN3" and row["topics"] == "drugs_supply"
    assert {k for k, v in row.items() if v == "[withheld]"} == set(row) & IntelligenceLog.SOURCE_REVEALING
    assert {"place", "latitude", "notes", "handling_conditions", "occurred_at", "review_comment"} <= set(row)


# ---- the records list neither places a withheld log in a shift nor between other records' times ------------

def yesterday_at(hour: int, minute: int = 0) -> str:
    """An instant on yesterday's force-local day: whole hours apart, never in the future nor across midnight."""
    london = ZoneInfo("Europe/London")
    day = datetime.now(london).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=london).isoformat()


def listed(client, query="") -> list[str]:
    resp = client.get(f"/api/records?per_page=100{query}")
    assert resp.status_code == 200, resp.get_json()
    return [r["id"] for r in resp.get_json()["items"]]


def csv_ids(client) -> list[str]:
    text = client.get("/api/exports/records.csv").get_data().decode("utf-8-sig")
    return [row["id"] for row in csv.DictReader(io.StringIO(text))]


def queue_ids(client, shift_id) -> list[str]:
    resp = client.get(f"/api/shifts/{shift_id}/tally")
    assert resp.status_code == 200, resp.get_json()
    return [r["id"] for r in resp.get_json()["review_queue"]]


def test_the_records_list_does_not_locate_a_withheld_log(officer_client, colleague_client, sergeant_client,
                                                         admin_client, operation):
    shift = f.shift(operation.id, started_at=yesterday_at(8), ended_at=yesterday_at(18))
    search = f.stop_search(operation.id, shift_id=shift["id"], occurred_at=yesterday_at(12))
    log = f.intelligence_log(operation.id, shift_id=shift["id"], occurred_at=yesterday_at(11))
    elsewhere = f.arrest(operation.id, occurred_at=yesterday_at(10))  # the same day, another officer, no shift
    body = officer_client.sync(shifts=[shift], records=[search, log]).get_json()
    assert [r["status"] for r in body["records"]] == ["created", "created"], body
    assert colleague_client.sync(records=[elsewhere]).get_json()["records"][0]["status"] == "created"

    # The shift filter: the admin learns nothing of which shift the log was logged on.
    on_shift = f"&shift={shift['id']}"
    assert listed(admin_client, on_shift) == [search["id"]]
    assert admin_client.get(f"/api/records?shift={shift['id']}").get_json()["total"] == 1
    assert set(listed(sergeant_client, on_shift)) == {search["id"], log["id"]}
    assert set(listed(officer_client, on_shift)) == {search["id"], log["id"]}  # the author's own

    # The order: moving the log's time within the day, past the other records' times, changes nothing
    # the admin sees, though the cleared sergeant's list follows the exact times.
    before_admin, before_sergeant = listed(admin_client), listed(sergeant_client)
    before_csv, before_queue = csv_ids(admin_client), queue_ids(admin_client, shift["id"])
    assert before_sergeant == [search["id"], log["id"], elsewhere["id"]]
    moved = officer_client.patch(f"/api/records/{log['id']}", {"base_version": 1, "occurred_at": yesterday_at(13)})
    assert moved.status_code == 200, moved.get_json()
    assert listed(sergeant_client) == [log["id"], search["id"], elsewhere["id"]]
    assert listed(admin_client) == before_admin
    assert csv_ids(admin_client) == before_csv  # the CSV, oldest day first: the same rule
    assert queue_ids(admin_client, shift["id"]) == before_queue  # the end-of-shift review queue too
    assert queue_ids(sergeant_client, shift["id"]) == [elsewhere["id"], search["id"], log["id"]]
    assert set(before_admin) == set(before_csv) == set(before_queue) == {search["id"], log["id"], elsewhere["id"]}
    # Paged one at a time, the same order: the page a log falls on does not place it either.
    pages = [admin_client.get(f"/api/records?per_page=1&page={n}").get_json()["items"][0]["id"] for n in (1, 2, 3)]
    assert pages == before_admin
