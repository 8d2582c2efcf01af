"""Input: body, batch, string and page limits; Content-Type; malformed JSON;
dates, enums and coordinates validated; every refusal is our JSON error shape."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from server.core.db import db
from server.records.models import Record
from tests import factories as f


def assert_error(resp, status, code=None, field=None):
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.headers["Content-Type"].startswith("application/json")
    err = resp.get_json()["error"]
    assert err["status"] == status and err["message"]
    if code:
        assert err["code"] == code, err
    if field:
        names = err.get("fields") or {}
        assert any(n == field or n.startswith(field + ".") for n in names), err
    return err


def test_body_over_the_cap_is_413_json(app, officer_client, operation):
    cap = app.config["MAX_CONTENT_LENGTH"]
    assert cap == 5 * 1024 * 1024
    big = {"device_id": "p", "records": [f.stop_search(operation.id, notes="x" * 4000) for _ in range(cap // 4000 + 10)]}
    body = json.dumps(big)
    assert len(body) > cap
    resp = officer_client.http.post("/api/sync", data=body, content_type="application/json",
                                    headers={"X-CSRF-Token": officer_client.csrf})
    assert_error(resp, 413, "too_large")


def test_a_batch_over_the_item_limit_is_refused_whole(app, officer_client, operation):
    limit = app.config["SYNC_MAX_ITEMS"]
    records = [f.arrest(operation.id) for _ in range(limit + 1)]
    err = assert_error(officer_client.sync(records=records), 413, "batch_too_large", "records")
    assert str(limit) in err["message"]
    # At the limit it goes through.
    resp = officer_client.sync(records=records[:limit])
    assert resp.status_code == 200
    assert {r["status"] for r in resp.get_json()["records"]} == {"created"}


@pytest.mark.parametrize("field,length", [("notes", 4001), ("place", 201), ("custody_reference", 41)])
def test_string_lengths_in_records(officer_client, operation, field, length):
    body = officer_client.sync(records=[f.arrest(operation.id, **{field: "x" * length})]).get_json()
    assert body["records"][0]["status"] == "rejected"
    assert field in body["records"][0]["errors"]


def test_intelligence_text_length(officer_client, operation):
    body = officer_client.sync(records=[f.intelligence_log(operation.id, intelligence_text="x" * 8001)]).get_json()
    assert "intelligence_text" in body["records"][0]["errors"]


@pytest.mark.parametrize("payload,field", [
    ({"shoulder_number": "P" * 17, "password": "x"}, "shoulder_number"),
    ({"shoulder_number": "PC1", "password": "x" * 201}, "password"),
    ({"shoulder_number": "", "password": "x"}, "shoulder_number"),
])
def test_login_field_lengths(anon_client, payload, field):
    assert_error(anon_client.post("/api/auth/login", json=payload), 422, "validation_error", field)


def test_device_id_length(officer_client):
    assert_error(officer_client.post("/api/sync", {"device_id": "d" * 65, "records": []}), 422,
                 "validation_error", "device_id")


@pytest.mark.parametrize("query,field", [
    ("per_page=201", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"), ("page=abc", "page"),
    ("from=2026-13-01", "from"), ("from=2026-02-30", "from"), ("to=yesterday", "to"),
    ("from=2026-03-01&to=2026-02-01", "to"), ("kind=burglary", "kind"), ("status=deleted", "status"),
    ("area=Northampton", "area"), ("operation=99999999999", "operation"), ("operation=0", "operation"),
    ("officer=-1", "officer"), ("shift=not-a-uuid", "shift"),
])
def test_list_query_validation(officer_client, query, field):
    assert_error(officer_client.get(f"/api/records?{query}"), 422, "validation_error", field)


@pytest.mark.parametrize("query,field", [("limit=501", "limit"), ("limit=0", "limit"), ("since=-1", "since"),
                                         ("since=1e9", "since")])
def test_change_feed_query_validation(officer_client, query, field):
    assert_error(officer_client.get(f"/api/sync/changes?{query}"), 422, "validation_error", field)


def test_page_size_is_capped_at_200(officer_client, operation):
    assert officer_client.get("/api/records?per_page=200").status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                                          "application/xml"])
def test_wrong_content_type_is_415(officer_client, content_type):
    resp = officer_client.http.post("/api/sync", data='{"device_id": "p"}', content_type=content_type,
                                    headers={"X-CSRF-Token": officer_client.csrf})
    assert_error(resp, 415, "unsupported_media_type", "Content-Type")


def test_a_body_without_content_type_is_415(officer_client):
    resp = officer_client.http.post("/api/sync", data=b'{"device_id": "p"}', headers={"X-CSRF-Token": officer_client.csrf})
    assert_error(resp, 415, "unsupported_media_type")


@pytest.mark.parametrize("raw,problem", [
    ('{"device_id": "p",', "line 1 column"),
    ("{'device_id': 'p'}", "double quotes"),
    ('{"device_id": "p"} trailing', "Extra data"),
    (b'{"device_id": "\xff"}', "UTF-8"),
])
def test_malformed_json_is_400_naming_the_problem(officer_client, anon_client, raw, problem):
    for client, url in ((officer_client, "/api/sync"), (anon_client, "/api/auth/login")):
        resp = client.http.post(url, data=raw, content_type="application/json",
                                headers={"X-CSRF-Token": client.csrf or ""})
        err = assert_error(resp, 400, "malformed_json", "_body")
        assert problem in err["message"], err
        assert "device_id" not in err["message"]  # the body itself is never echoed


def test_json_that_is_not_an_object(officer_client, operation):
    csrf = {"X-CSRF-Token": officer_client.csrf}
    resp = officer_client.http.post("/api/sync", data="[1, 2]", content_type="application/json", headers=csrf)
    err = assert_error(resp, 422, "validation_error", "_schema")
    assert err["fields"] == {"_schema": ["Invalid input type."]}
    rec = f.arrest(operation.id)
    assert officer_client.sync(records=[rec]).status_code == 200
    for body in ("[1]", "7", '"notes"', "null"):
        resp = officer_client.http.patch(f"/api/records/{rec['id']}", data=body, content_type="application/json",
                                         headers=csrf)
        err = assert_error(resp, 400, "bad_request", "_schema")
        assert err["message"] == "Send a JSON object.", body
    # A record that is not there is not there, whatever the body.
    resp = officer_client.http.patch("/api/records/00000000-0000-4000-8000-000000000000", data="[1]",
                                     content_type="application/json", headers=csrf)
    assert assert_error(resp, 404, "not_found")["message"] == "No such record."


@pytest.mark.parametrize("overrides,field", [
    ({"occurred_at": "2026-02-30T10:00:00+00:00"}, "occurred_at"),
    ({"occurred_at": "2026-03-01T10:00:00"}, "occurred_at"),           # no offset
    ({"occurred_at": "2999-01-01T10:00:00+00:00"}, "occurred_at"),      # the future
    ({"occurred_at": "1999-12-31T10:00:00+00:00"}, "occurred_at"),
    ({"occurred_at": 1767225600}, "occurred_at"),
    ({"kind": "burglary"}, "kind"),
    ({"search_type": "Frisk"}, "search_type"),
    ({"legislation": "Made-up Act 2026"}, "legislation"),
    ({"outcome": ""}, "outcome"),
    ({"gender": "male"}, "gender"),                                     # police.uk spelling only
    ({"latitude": 91, "longitude": 0}, "latitude"),
    ({"latitude": -90.5, "longitude": 0}, "latitude"),
    ({"latitude": 52.2, "longitude": 180.01}, "longitude"),
    ({"latitude": 52.2, "longitude": None}, "longitude"),                # one without the other
    ({"latitude": "north", "longitude": 0}, "latitude"),
    ({"latitude": True, "longitude": 0}, "latitude"),
    ({"area": "NN"}, "area"),
    ({"operation_id": 2**40}, "operation_id"),
    ({"operation_id": "1; DROP TABLE records"}, "operation_id"),
    ({"id": "not-a-uuid"}, "id"),
    ({"shift_id": 7}, "shift_id"),
])
def test_record_values_are_validated(officer_client, operation, overrides, field):
    rec = f.stop_search(operation.id)
    rec.update(overrides)
    body = officer_client.sync(records=[rec]).get_json()
    item = body["records"][0]
    assert item["status"] == "rejected", item
    assert field in item["errors"], item


def test_nan_and_infinity_coordinates_are_refused(officer_client, operation):
    rec = f.stop_search(operation.id)
    raw = json.dumps({"device_id": "p", "records": [rec]}).replace('"latitude": 52.26', '"latitude": NaN')
    assert "NaN" in raw
    for body in (raw, raw.replace("NaN", "Infinity"), raw.replace("NaN", "-Infinity")):
        resp = officer_client.http.post("/api/sync", data=body, content_type="application/json",
                                        headers={"X-CSRF-Token": officer_client.csrf})
        err = assert_error(resp, 400, "malformed_json", "_body")
        assert err["message"] == "The body is not valid JSON: NaN and Infinity are not JSON numbers."
    with officer_client.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Record)) == 0


@pytest.mark.parametrize("path", ["/api/operations/99999999999999999999", "/api/operations/2147483648"])
def test_huge_ids_in_the_path_are_404_not_500(officer_client, path):
    assert_error(officer_client.get(path), 404)


def test_operation_input_is_validated(login_as):
    inspector = login_as("inspector", team=None)
    base = {"name": "Op", "slug": "op-x", "local_policing_area": "West", "target_areas": ["NN3"],
            "starts_on": "2026-01-01"}
    for overrides, field in (({"slug": "Not A Slug"}, "slug"), ({"starts_on": "2026-02-30"}, "starts_on"),
                             ({"target_areas": ["NN3"] * 51}, "target_areas"), ({"target_areas": ["XX"]}, "target_areas"),
                             ({"ends_on": "2025-12-31"}, "ends_on"), ({"name": "n" * 121}, "name")):
        assert_error(inspector.post("/api/operations", {**base, **overrides}), 422, "validation_error", field)


def test_null_and_non_object_items_are_rejected_one_by_one(officer_client, operation):
    good = f.arrest(operation.id)
    body = officer_client.post("/api/sync", {"device_id": "p", "records": [None, good, 7, []], "shifts": [None]}).get_json()
    assert [r["status"] for r in body["records"]] == ["rejected", "created", "rejected", "rejected"]
    assert body["shifts"][0]["status"] == "rejected"


def test_nul_characters_are_refused_naming_the_field(officer_client, inspector_client, anon_client, operation):
    """PostgreSQL cannot store or compare text holding NUL (the driver fails: it was a 500 there); every
    database answers the same way: the field is named, and one bad record in a batch is refused alone."""
    bad, good = f.arrest(operation.id, notes="before\u0000after"), f.arrest(operation.id)
    listed = f.safeguarding_referral(operation.id, concern_categories=["child_criminal_exploitation\u0000"])
    items = officer_client.sync(records=[bad, good, listed]).get_json()["records"]
    assert [i["status"] for i in items] == ["rejected", "created", "rejected"]
    assert "notes" in items[0]["errors"] and "concern_categories" in items[2]["errors"]
    # Not a record at all, holding NUL: refused alone, the batch goes on.
    items = officer_client.sync(records=[["x\u0000"], f.arrest(operation.id)]).get_json()["records"]
    assert [i["status"] for i in items] == ["rejected", "created"]
    # The rule is in the OpenAPI document, on free text (not on ids, dates or enums).
    spec = anon_client.get("/api/openapi.json").get_json()
    arrest = spec["components"]["schemas"]["Arrest"]["properties"]
    assert arrest["notes"]["pattern"] == "^[^\\u0000]*$" and arrest["id"]["format"] == "uuid"
    assert "pattern" not in arrest["id"] and "pattern" not in arrest["occurred_at"]
    for path, field in ((f"/api/operations/{operation.id}/tally?team=a%00b", "team"), ("/api/shifts?team=%00", "team"),
                        ("/api/records?area=NN3%00", "area"), ("/api/exports/records.csv?kind=arrest%00", "kind")):
        assert_error(inspector_client.get(path), 422, "validation_error", field)
    assert_error(anon_client.post("/api/auth/login", {"shoulder_number": "PC2201\u0000", "password": "x"}), 422,
                 "validation_error", "shoulder_number")
    assert_error(inspector_client.patch(f"/api/operations/{operation.id}", {"description": "\u0000"}), 422,
                 "validation_error", "description")


def _chunked_post(base: str, path: str, body: bytes, headers: dict) -> tuple[int, dict, bytes]:
    """POST with Transfer-Encoding: chunked (no Content-Length), as a streaming client sends."""
    import http.client
    from urllib.parse import urlsplit
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        def chunks():
            for i in range(0, len(body), 65536):
                yield body[i:i + 65536]
        conn.request("POST", path, body=chunks(), headers={"Content-Type": "application/json", **headers},
                     encode_chunked=True)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_a_chunked_body_over_the_cap_is_413_not_malformed(app, live_server, make_officer, operation):
    """Without a Content-Length the body is read up to the cap and refused once past it (werkzeug's
    own limit cut it short, which then read as malformed JSON: a 400)."""
    import requests
    officer = make_officer()
    s = requests.Session()
    r = s.post(live_server + "/api/auth/login", json={"shoulder_number": officer.shoulder_number,
                                                      "password": "correct-horse-battery"}, timeout=30)
    assert r.status_code == 200
    headers = {"X-CSRF-Token": r.json()["csrf_token"], "Cookie": "; ".join(f"{c.name}={c.value}" for c in s.cookies)}
    cap = app.config["MAX_CONTENT_LENGTH"]
    big = json.dumps({"device_id": "p", "records": [f.stop_search(operation.id, notes="x" * 4000)
                                                    for _ in range(cap // 4000 + 10)]}).encode()
    status, resp_headers, raw = _chunked_post(live_server, "/api/sync", big, headers)
    assert status == 413, raw[:300]
    assert resp_headers["Content-Type"].startswith("application/json")
    assert json.loads(raw)["error"]["code"] == "too_large"
    # Under the cap, chunked is fine.
    small = json.dumps({"device_id": "p", "records": [f.stop_search(operation.id)]}).encode()
    status, _, raw = _chunked_post(live_server, "/api/sync", small, headers)
    assert status == 200, raw[:300]
    assert json.loads(raw)["records"][0]["status"] == "created"
    # Without a session, 4 KB is the most, chunked or not.
    login = json.dumps({"shoulder_number": "PC1", "password": "x" * 5000}).encode()
    status, _, raw = _chunked_post(live_server, "/api/auth/login", login, {})
    assert status == 413 and json.loads(raw)["error"]["code"] == "too_large"
