"""Hostile input: whatever the bytes, a bad request gets our JSON error naming the field, a bad
entry in a sync batch is refused alone while the rest is stored, and nothing is a 500.

The fields and parameters tested are read from the schemas and the url_map, so a new text,
date or integer field (or a new endpoint taking a body or a query) is covered automatically."""
from __future__ import annotations

import json
import re
import time

import pytest
from marshmallow import fields
from sqlalchemy import func, select

from server.core import schemas as core_schemas
from server.core.db import db
from server.records.models import Record
from server.records.schemas import SCHEMA_BY_KIND, ShiftSchema
from tests import factories as f
from tests.security.endpoints import ALL_ROUTES, collection_app, view_for
from tests.security.test_input_limits import assert_error

LONE_SURROGATE = "\ud83d"  # half of an emoji: JSON can spell it ("\ud83d"), no database can store it
FACTORIES = {"stop_search": f.stop_search, "arrest": f.arrest, "safeguarding_referral": f.safeguarding_referral,
             "intelligence_log": f.intelligence_log}
EXTREME_DATES = ["9999-12-31", "0001-01-01", "1999-12-31", "2101-01-01"]
EXTREME_INSTANTS = ["9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00",
                    "0001-01-01T00:00:00+00:00", "2101-01-01T00:00:00+00:00"]
NOT_WHOLE_NUMBERS = [1.5, 1.0, 1e3, 10**30, -(10**30), True, "1.5", "1e3", "1" * 30]
# Query parameters any text may fill (a team name): the others take only values of their own kind.
FREE_TEXT_QUERY_PARAMETERS = {"team"}
# What the identity provider sends back is taken as given and checked by the sign-in itself; in this app no
# provider is set up, so the callback answers that, whatever the bytes.
PROVIDER_CALLBACK = "/api/auth/provider/callback"
NOT_WHOLE_IN_QUERIES = ["1.5", "1e3", "1" * 30, "0x10", "1_000", "１"]


def _field_name(name, field) -> str:
    return field.data_key or name


def _is_text(field) -> bool:
    return isinstance(getattr(field, "inner", field), fields.String)


def load_fields(schema_cls, kind):
    schema = schema_cls()
    return [(_field_name(n, fld), fld) for n, fld in schema.load_fields.items() if isinstance(fld, kind)]


def text_fields(schema_cls):
    schema = schema_cls()
    return [(_field_name(n, fld), fld) for n, fld in schema.load_fields.items() if _is_text(fld)]


# ---- the endpoints, from the url_map -------------------------------------------------------------

def _arguments_schema(view):
    while view is not None:
        doc = getattr(view, "_apidoc", None)
        if doc is not None:
            params = doc.get("arguments", {}).get("parameters", [])
            if params:
                schema = params[0]["schema"]
                return schema if isinstance(schema, type) else type(schema)
            return None
        view = getattr(view, "__wrapped__", None)
    return None


_APP = collection_app()
ENDPOINT_SCHEMAS = [(rule, method, _arguments_schema(view_for(_APP, endpoint, method)))
                    for rule, method, endpoint in ALL_ROUTES]
QUERY_SCHEMAS = [(rule, schema) for rule, method, schema in ENDPOINT_SCHEMAS if method == "GET" and schema]
BODY_SCHEMAS = [(rule, method, schema) for rule, method, schema in ENDPOINT_SCHEMAS
                if method in ("POST", "PUT", "PATCH") and schema]
# Signed-in writes (login is public: its body is small, tested on its own).
WRITE_RULES = [(rule, method) for rule, method, _ in ENDPOINT_SCHEMAS if method in ("POST", "PUT", "PATCH")
               and rule != "/api/auth/login"]


def test_the_lists_are_not_empty():
    assert len(QUERY_SCHEMAS) >= 8 and len(BODY_SCHEMAS) >= 7 and len(WRITE_RULES) >= 8


def _every_loaded_field_uses_the_bounded_types(schema_cls):
    bad = []
    for name, fld in schema_cls().load_fields.items():
        inner = getattr(fld, "inner", fld)
        if isinstance(inner, fields.Integer) and not isinstance(inner, core_schemas.Integer):
            bad.append(name)
        if isinstance(inner, fields.DateTime) and not isinstance(inner, core_schemas.AwareDateTime):
            bad.append(name)
        if isinstance(inner, fields.Date) and not isinstance(inner, core_schemas.Date):
            bad.append(name)
    return bad


@pytest.mark.parametrize("schema_cls", sorted({s for _, _, s in ENDPOINT_SCHEMAS if s} | set(SCHEMA_BY_KIND.values())
                                              | {ShiftSchema}, key=lambda s: s.__name__))
def test_every_integer_and_date_a_client_sends_is_of_the_bounded_types(schema_cls):
    """core.schemas.Integer / Date / AwareDateTime: whole numbers only, dates in 2000..2100."""
    assert _every_loaded_field_uses_the_bounded_types(schema_cls) == []


def _fill(rule: str, ids: dict) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(ids[m.group(1)]), rule)


@pytest.fixture
def ids(inspector_client, officer_client, operation):
    rec = f.arrest(operation.id)
    shift = f.shift(operation.id)
    rec["shift_id"] = shift["id"]
    assert officer_client.sync(shifts=[shift], records=[rec]).status_code == 200
    return {"operation_id": operation.id, "record_id": rec["id"], "shift_id": shift["id"],
            "officer_id": officer_client.officer.id}


@pytest.fixture
def staff(request, inspector_client):
    """Who calls a route: the inspector, or the administrator where only they may (administration)."""
    return lambda rule: request.getfixturevalue("admin_client") if rule.startswith("/api/admin/") else inspector_client


# ---- query strings ---------------------------------------------------------------------------------

QUERY_CASES = [(rule, name, value) for rule, schema in QUERY_SCHEMAS
               for name, _ in load_fields(schema, (fields.Date, fields.DateTime)) for value in EXTREME_DATES] + \
              [(rule, name, value) for rule, schema in QUERY_SCHEMAS
               for name, _ in load_fields(schema, fields.Integer) for value in NOT_WHOLE_IN_QUERIES]


@pytest.mark.parametrize("rule,name,value", QUERY_CASES)
def test_every_date_and_integer_query_parameter_refuses_extremes_naming_it(staff, ids, rule, name, value):
    resp = staff(rule).get(_fill(rule, ids), query_string={name: value})
    assert_error(resp, 422, "validation_error", name)


@pytest.mark.parametrize("rule", sorted({r for r, _ in QUERY_SCHEMAS if "/tally" in r or "/briefing" in r}))
@pytest.mark.parametrize("value", ["9999-12-31/9999-12-31", "0001-01-01/0001-01-02", "2000-01-01/2101-01-01"])
def test_the_comparison_period_refuses_extreme_dates(staff, ids, rule, value):
    assert_error(staff(rule).get(_fill(rule, ids), query_string={"compare": value}), 422,
                 "validation_error", "compare")


@pytest.mark.parametrize("rule,name", [(rule, name) for rule, schema in QUERY_SCHEMAS
                                       for name, _ in text_fields(schema)])
def test_text_query_parameters_with_broken_utf8_are_not_500(staff, ids, rule, name):
    """UTF-8 bytes of a lone surrogate (ED A0 BD) and plain garbage: a clear answer, never a 500. A free-text
    filter finds nothing by it; any other parameter is refused, naming it."""
    for raw in ("%ED%A0%BD", "%FF%FE", "%C0%80"):
        resp = staff(rule).get(f"{_fill(rule, ids)}?{name}={raw}")
        if name in FREE_TEXT_QUERY_PARAMETERS:
            assert resp.status_code == 200, (resp.status_code, resp.get_data(as_text=True)[:200])
        elif rule == PROVIDER_CALLBACK:
            assert_error(resp, 404, "not_found")
        else:
            assert_error(resp, 422, "validation_error", name)


# ---- JSON bodies ---------------------------------------------------------------------------------------

BASE_BODIES = {
    ("/api/auth/login", "POST"): {"shoulder_number": "PC1", "password": "x"},
    ("/api/operations", "POST"): {"name": "Op", "slug": "op-x", "local_policing_area": "West",
                                  "target_areas": ["NN3"], "starts_on": "2026-01-01"},
    ("/api/operations/<int:operation_id>", "PATCH"): {},
    ("/api/records/<uuid:record_id>/return", "POST"): {"comment": "Check the area.", "base_version": 1},
    ("/api/records/<uuid:record_id>/verify", "POST"): {"comment": "Fine.", "base_version": 1},
    ("/api/records/<uuid:record_id>/void", "POST"): {"reason": "Logged twice."},
    ("/api/sync", "POST"): {"device_id": "phone-1", "shifts": [], "records": []},
    ("/api/auth/password", "POST"): {"current_password": "x", "new_password": "y"},
    ("/api/admin/teams", "POST"): {"name": "East Team 1"},
    ("/api/admin/officers", "POST"): {"shoulder_number": "PC9001", "display_name": "PC New", "role": "officer",
                                      "team": None},
    ("/api/admin/officers/<int:officer_id>", "PATCH"): {},
    ("/api/admin/officers/<int:officer_id>/move", "POST"): {"team": "West Team 3", "starts_on": "2026-01-01"},
    ("/api/admin/operations", "POST"): {"name": "Op", "local_policing_area": "West", "target_areas": ["NN3"],
                                        "starts_on": "2026-01-01"},
    ("/api/admin/operations/<int:operation_id>", "PATCH"): {},
    ("/api/admin/operations/<int:operation_id>/close", "POST"): {},
}


def test_every_endpoint_with_a_body_schema_has_a_base_body():
    assert {(rule, method) for rule, method, _ in BODY_SCHEMAS} == set(BASE_BODIES)


def _sample(field):
    inner = getattr(field, "inner", field)
    value = LONE_SURROGATE if isinstance(inner, fields.String) else None
    return [value] if isinstance(field, fields.List) else value


BODY_TEXT_CASES = [(rule, method, name) for rule, method, schema in BODY_SCHEMAS for name, fld in text_fields(schema)]


@pytest.mark.parametrize("rule,method,name", BODY_TEXT_CASES)
def test_a_lone_surrogate_in_any_text_field_of_any_body_is_422_naming_it(staff, anon_client, ids,
                                                                         rule, method, name):
    schema = next(s for r, m, s in BODY_SCHEMAS if (r, m) == (rule, method))
    fld = dict(text_fields(schema))[name]
    body = dict(BASE_BODIES[(rule, method)], **{name: _sample(fld)})
    client = anon_client if rule == "/api/auth/login" else staff(rule)
    resp = getattr(client, method.lower())(_fill(rule, ids), body)
    err = assert_error(resp, 422, "validation_error", name)
    assert any("surrogate" in m for m in err["fields"][name]), err


@pytest.mark.parametrize("rule,method", [(r, m) for r, m, _ in BODY_SCHEMAS])
def test_a_lone_surrogate_in_a_key_or_deep_in_a_value_is_refused_naming_it(staff, anon_client, ids,
                                                                           rule, method):
    client = anon_client if rule == "/api/auth/login" else staff(rule)
    body = dict(BASE_BODIES[(rule, method)], **{"odd\ud800key": 1})
    err = assert_error(getattr(client, method.lower())(_fill(rule, ids), body), 422, "validation_error")
    assert "odd\\ud800key" in err["fields"], err
    # The answer itself is plain ASCII JSON: it can be written anywhere.
    text = getattr(client, method.lower())(_fill(rule, ids), body).get_data()
    text.decode("ascii")


BODY_DATE_CASES = [(rule, method, name, value) for rule, method, schema in BODY_SCHEMAS
                   for name, fld in load_fields(schema, (fields.Date, fields.DateTime))
                   for value in (EXTREME_DATES if not isinstance(fld, fields.DateTime) else EXTREME_INSTANTS)]


@pytest.mark.parametrize("rule,method,name,value", BODY_DATE_CASES)
def test_extreme_dates_in_bodies_are_422_naming_the_field(staff, ids, rule, method, name, value):
    body = dict(BASE_BODIES[(rule, method)], **{name: value})
    if name == "ends_on":
        body.pop("starts_on", None)
    resp = getattr(staff(rule), method.lower())(_fill(rule, ids), body)
    assert_error(resp, 422, "validation_error", name)


def test_there_are_date_fields_in_bodies():
    assert {name for _, _, name, _ in BODY_DATE_CASES} >= {"starts_on", "ends_on"}


# ---- a sync batch: each entry alone -------------------------------------------------------------------

RECORD_TEXT_CASES = [(kind, name) for kind, schema in SCHEMA_BY_KIND.items() for name, _ in text_fields(schema)]
RECORD_NUMBER_CASES = [(kind, name, value) for kind, schema in SCHEMA_BY_KIND.items()
                       for name, _ in load_fields(schema, fields.Integer) for value in NOT_WHOLE_NUMBERS]
RECORD_DATE_CASES = [(kind, name, value) for kind, schema in SCHEMA_BY_KIND.items()
                     for name, _ in load_fields(schema, fields.DateTime) for value in EXTREME_INSTANTS]


def test_every_kind_has_its_text_fields_tested():
    names = {name for _, name in RECORD_TEXT_CASES}
    assert {"notes", "place", "intelligence_text", "custody_reference", "handling_conditions", "ppn_reference",
            "topics", "concern_categories", "area", "kind"} <= names


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Record))


def _assert_alone_refused(app, client, bad, name, message=None):
    goods = [f.arrest(client.operation_id) for _ in range(3)]
    before = _stored(app)
    for _ in range(2):  # and on the resend
        resp = client.sync(records=[goods[0], bad, goods[1], goods[2]])
        assert resp.status_code == 200, resp.get_data(as_text=True)[:400]
        items = resp.get_json()["records"]
        assert [i["status"] for i in items][1] == "rejected", items
        assert {i["status"] for i in items[:1] + items[2:]} <= {"created", "unchanged"}, items
        assert name in items[1]["errors"], items[1]
        if message:
            assert any(message in m for m in items[1]["errors"][name]), items[1]
    assert _stored(app) == before + 3


@pytest.fixture
def phone(officer_client, operation):
    officer_client.operation_id = operation.id
    return officer_client


@pytest.mark.parametrize("kind,name", RECORD_TEXT_CASES)
def test_a_lone_surrogate_in_any_text_field_refuses_that_entry_alone(app, phone, operation, kind, name):
    fld = dict(text_fields(SCHEMA_BY_KIND[kind]))[name]
    bad = FACTORIES[kind](operation.id)
    bad[name] = _sample(fld)
    _assert_alone_refused(app, phone, bad, name, None if name == "kind" else "surrogate")


@pytest.mark.parametrize("kind", sorted(SCHEMA_BY_KIND))
def test_a_lone_surrogate_in_a_key_or_a_nested_list_refuses_that_entry_alone(app, phone, operation, kind):
    bad = FACTORIES[kind](operation.id)
    bad["\udc00"] = "x"
    _assert_alone_refused(app, phone, bad, "\\udc00")
    bad = FACTORIES[kind](operation.id, notes=[["deep", {"k": LONE_SURROGATE}]])
    _assert_alone_refused(app, phone, bad, "notes")


@pytest.mark.parametrize("kind,name,value", RECORD_NUMBER_CASES)
def test_numbers_that_are_not_whole_refuse_that_entry_alone(app, phone, operation, kind, name, value):
    bad = FACTORIES[kind](operation.id)
    bad[name] = value
    _assert_alone_refused(app, phone, bad, name)


def test_operation_id_one_and_a_half_is_not_stored_against_operation_one(app, phone, operation):
    bad = f.arrest(operation.id)
    bad["operation_id"] = operation.id + 0.5
    _assert_alone_refused(app, phone, bad, "operation_id")


@pytest.mark.parametrize("kind,name,value", RECORD_DATE_CASES)
def test_extreme_instants_refuse_that_entry_alone(app, phone, operation, kind, name, value):
    bad = FACTORIES[kind](operation.id, **{name: value})
    _assert_alone_refused(app, phone, bad, name)


@pytest.mark.parametrize("name", ["started_at", "ended_at"])
@pytest.mark.parametrize("value", EXTREME_INSTANTS)
def test_extreme_shift_times_refuse_that_shift_alone(phone, operation, name, value):
    good, bad = f.shift(operation.id), f.shift(operation.id, **{name: value})
    items = phone.sync(shifts=[bad, good]).get_json()["shifts"]
    assert [i["status"] for i in items] == ["rejected", "created"]
    assert name in items[0]["errors"]


@pytest.mark.parametrize("value", NOT_WHOLE_NUMBERS)
def test_a_shift_operation_id_that_is_not_whole_refuses_that_shift_alone(phone, operation, value):
    bad = f.shift(operation.id)
    bad["operation_id"] = value
    items = phone.sync(shifts=[bad, f.shift(operation.id)]).get_json()["shifts"]
    assert [i["status"] for i in items] == ["rejected", "created"]
    assert "operation_id" in items[0]["errors"]


@pytest.mark.parametrize("raw", ['1e400', '-1e400', "1" * 400, "-" + "9" * 400])
def test_huge_coordinates_refuse_that_entry_alone(app, phone, operation, raw):
    bad = f.stop_search(operation.id)
    body = json.dumps({"device_id": "p", "records": [bad, f.arrest(operation.id)]})
    body = body.replace('"latitude": 52.26', f'"latitude": {raw}', 1)
    resp = phone.http.post("/api/sync", data=body, content_type="application/json",
                           headers={"X-CSRF-Token": phone.csrf})
    items = resp.get_json()["records"]
    assert [i["status"] for i in items] == ["rejected", "created"]
    assert "latitude" in items[0]["errors"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(phone, operation, constant):
    body = json.dumps({"device_id": "p", "records": [f.stop_search(operation.id)]})
    body = body.replace('"latitude": 52.26', f'"latitude": {constant}', 1)
    resp = phone.http.post("/api/sync", data=body, content_type="application/json",
                           headers={"X-CSRF-Token": phone.csrf})
    err = assert_error(resp, 400, "malformed_json", "_body")
    assert "NaN and Infinity" in err["message"]


def test_a_number_with_thousands_of_digits_is_400(phone):
    body = '{"device_id": "p", "records": [], "shifts": [], "x": ' + "9" * 5000 + "}"
    resp = phone.http.post("/api/sync", data=body, content_type="application/json",
                           headers={"X-CSRF-Token": phone.csrf})
    assert_error(resp, 400, "malformed_json", "_body")


def test_a_lone_surrogate_in_the_device_id_is_422_naming_it(phone, operation):
    resp = phone.sync(records=[f.arrest(operation.id)], device_id="phone\ud83d")
    err = assert_error(resp, 422, "validation_error", "device_id")
    assert "surrogate" in err["fields"]["device_id"][0]


def test_a_lone_surrogate_in_a_login_field_is_422_naming_it(anon_client):
    for field in ("shoulder_number", "password"):
        body = {"shoulder_number": "PC1", "password": "x", field: "PC\udfff"}
        assert_error(anon_client.post("/api/auth/login", body), 422, "validation_error", field)


def test_a_lone_surrogate_in_a_record_edit_is_422_naming_it(phone, operation):
    rec = f.arrest(operation.id)
    phone.sync(records=[rec])
    resp = phone.patch(f"/api/records/{rec['id']}", {"base_version": 1, "notes": "a\ud83db"})
    assert_error(resp, 422, "validation_error", "notes")
    resp = phone.patch(f"/api/records/{rec['id']}", {"base_version": 1.5, "notes": "fine"})
    assert_error(resp, 422, "validation_error", "base_version")


# ---- nesting, size, amount ---------------------------------------------------------------------------


def _deep(depth: int, opener="[", closer="]") -> str:
    return opener * depth + closer * depth


@pytest.mark.parametrize("rule,method", WRITE_RULES)
def test_deep_nesting_is_400_before_parsing_on_every_endpoint(staff, ids, rule, method, app):
    url = _fill(rule, ids)
    for body in (_deep(3000), '{"a":' * 3000 + "1" + "}" * 3000, '{"device_id": ' + _deep(40) + "}"):
        started = time.monotonic()
        resp = staff(rule).http.open(url, method=method, data=body, content_type="application/json",
                                          headers={"X-CSRF-Token": staff(rule).csrf})
        assert time.monotonic() - started < 2
        err = assert_error(resp, 400, "malformed_json", "_body")
        assert "nested" in err["message"]


def test_deep_nesting_without_a_session_is_400_too(anon_client):
    err = assert_error(anon_client.http.post("/api/auth/login", data=_deep(1000), content_type="application/json"),
                       400, "malformed_json")
    assert "nested" in err["message"]
    # Brackets inside strings are text, not nesting.
    resp = anon_client.post("/api/auth/login", {"shoulder_number": "[" * 40, "password": "{" * 100})
    assert_error(resp, 422, "validation_error", "shoulder_number")


def test_nesting_up_to_the_limit_is_parsed(phone, operation):
    body = '{"device_id": "p", "records": [' + _deep(30) + "]}"
    resp = phone.http.post("/api/sync", data=body, content_type="application/json",
                           headers={"X-CSRF-Token": phone.csrf})
    assert resp.status_code == 200
    assert resp.get_json()["records"][0]["status"] == "rejected"


def test_an_anonymous_body_over_4_kb_is_413_before_it_is_parsed(app, anon_client):
    assert app.config["ANON_MAX_BODY_BYTES"] == 4096
    body = json.dumps({f"k{i}": i for i in range(300_000)})
    started = time.monotonic()
    resp = anon_client.http.post("/api/auth/login", data=body, content_type="application/json")
    assert time.monotonic() - started < 0.5
    err = assert_error(resp, 413, "too_large", "_body")
    assert "4096" in err["message"]
    assert len(resp.get_data()) < 1000
    # Just under the limit, the answer still names at most 20 fields.
    keys = {f"k{i}": 1 for i in range(400)}
    body = json.dumps({"shoulder_number": "PC1", "password": "x", **keys})[:4000].rsplit(",", 1)[0] + "}"
    resp = anon_client.http.post("/api/auth/login", data=body, content_type="application/json")
    err = assert_error(resp, 422, "validation_error")
    assert len(err["fields"]) == 21 and "_more" in err["fields"]
    assert re.match(r"\d+ more fields", err["fields"]["_more"][0])


def test_an_error_answer_names_at_most_20_fields(phone):
    body = {"device_id": "p", **{f"unknown_{i}": i for i in range(5000)}}
    resp = phone.post("/api/sync", body)
    err = assert_error(resp, 422, "validation_error")
    assert len(err["fields"]) == 21
    assert err["fields"]["_more"] == ["4980 more fields with problems not listed."]
    assert len(resp.get_data()) < 3000


def test_an_entry_with_thousands_of_unknown_keys_is_answered_briefly(phone, operation):
    bad = f.arrest(operation.id, **{f"unknown_{i}": i for i in range(3000)})
    items = phone.sync(records=[bad, f.arrest(operation.id)]).get_json()["records"]
    assert [i["status"] for i in items] == ["rejected", "created"]
    assert len(items[0]["errors"]) == 21


def test_without_a_session_requests_are_limited_per_address(app):
    from server import create_app
    limited = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "ANON_LIMIT_PER_ADDRESS": "5 per minute"})
    http = limited.test_client()
    for _ in range(5):
        assert http.get("/api/auth/me").status_code == 401
    resp = http.post("/api/auth/login", json={"shoulder_number": "PC1", "password": "x"})
    assert resp.status_code == 429 and resp.is_json
    err = resp.get_json()["error"]
    assert err["code"] == "too_many_requests" and "without a session" in err["message"]
    assert 0 < int(resp.headers["Retry-After"]) <= 61
    # Another address is not affected; nor are the probes.
    assert http.get("/api/auth/me", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 401
    assert http.get("/healthz").status_code == 200


def test_signed_in_requests_are_not_limited_as_anonymous(app, make_officer):
    from server import create_app
    from tests.conftest import ApiClient
    limited = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "ANON_LIMIT_PER_ADDRESS": "2 per minute"})
    officer = make_officer()
    client = ApiClient(limited, officer)
    assert client.login(officer.shoulder_number).status_code == 200
    for _ in range(10):
        assert client.get("/api/auth/me").status_code == 200
