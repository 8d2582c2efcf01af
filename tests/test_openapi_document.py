"""The OpenAPI document a third party builds a client from: every operation named, every error it can
answer documented in the Error shape, bodies that are required refused when missing. Driven by
app.url_map and the document, so a new route fails here until it is documented."""
from __future__ import annotations

import re
import uuid

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource

from server.core.security import ALL_ROLES
from tests.security.endpoints import ALL_ROUTES, collection_app, declared_roles

APP = collection_app()
SPEC = APP.test_client().get("/api/openapi.json").get_json()
PLACEHOLDER = re.compile(r"<(?:([^:>]+):)?([^>]+)>")


def _operations():
    """(method, path, endpoint, rule) for every API route and method the app serves."""
    out = []
    for rule, method, endpoint in ALL_ROUTES:
        if rule.startswith("/api/") and rule != "/api/openapi.json":
            out.append((method.lower(), PLACEHOLDER.sub(r"{\2}", rule), endpoint, rule))
    return out


OPERATIONS = _operations()


def _resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = SPEC["components"][section][name]
    return node


def test_the_document_is_valid_openapi():
    validate_spec(SPEC)


def test_every_operation_has_a_unique_readable_operation_id():
    ids = [SPEC["paths"][path][method].get("operationId") for method, path, _, _ in OPERATIONS]
    assert all(ids), [op for op, i in zip(OPERATIONS, ids) if not i]
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]+)*", i) for i in ids), ids
    named = {(m, p): SPEC["paths"][p][m]["operationId"] for m, p, _, _ in OPERATIONS}
    assert named[("post", "/api/auth/login")] == "login"
    assert named[("post", "/api/sync")] == "syncBatch"
    assert named[("get", "/api/records")] == "listRecords"
    assert named[("get", "/api/operations/{operation_id}/tally")] == "getTally"
    assert named[("patch", "/api/operations/{operation_id}")] == "updateOperation"


def _expected_errors(method, path, endpoint, operation) -> set[int]:
    roles = declared_roles(APP, endpoint, method.upper())
    public = roles is None
    write = method != "get"
    expected = set()
    if not public:
        expected |= {401, 503}
    if write:
        expected |= {400, 403, 413, 415, 503}
    if not public and roles != ALL_ROLES:
        expected.add(403)
    if "{" in path:
        expected.add(404)
    if "requestBody" in operation or any(p["in"] == "query" for p in operation.get("parameters", [])):
        expected.add(422)
    expected.add(429)  # requests without a session are limited per address; logins per account too
    return expected


@pytest.mark.parametrize("method,path,endpoint,rule", OPERATIONS, ids=[f"{m.upper()} {p}" for m, p, _, _ in OPERATIONS])
def test_every_error_an_operation_can_answer_is_documented_as_the_error_shape(method, path, endpoint, rule):
    operation = SPEC["paths"][path][method]
    responses = operation["responses"]
    missing = _expected_errors(method, path, endpoint, operation) - {int(c) for c in responses if c.isdigit()}
    assert not missing, f"{method.upper()} {path} does not document {sorted(missing)}"
    for code, response in responses.items():
        if code == "default" or code[0] in "45":
            body = _resolve(response)
            assert body["description"], code
            assert _resolve(body["content"]["application/json"]["schema"]) is SPEC["components"]["schemas"]["Error"], code
            if code in ("429", "503"):
                assert "Retry-After" in body["headers"], code


def test_security_matches_the_access_policy():
    for method, path, endpoint, _ in OPERATIONS:
        security = SPEC["paths"][path][method]["security"]
        roles = declared_roles(APP, endpoint, method.upper())
        if roles is None:
            assert security == [], path
        else:
            assert security == ([{"session": []}] if method == "get" else [{"session": [], "csrf": []}]), path


def _fill(rule: str) -> str:
    return PLACEHOLDER.sub(lambda m: str(uuid.uuid4()) if m.group(1) == "uuid" else "1", rule)


def test_an_operation_whose_body_is_required_refuses_a_request_without_one(inspector_client, admin_client):
    """The document says the body is required; without one the request is refused naming the body
    (not, say, a PATCH that changes nothing and answers 200)."""
    required = [(m, r, e) for m, p, e, r in OPERATIONS if SPEC["paths"][p][m].get("requestBody", {}).get("required")]
    assert {("patch", "/api/operations/<int:operation_id>"), ("post", "/api/sync")} <= {(m, r) for m, r, _ in required}
    for method, rule, endpoint in required:
        # The inspector, or the administrator where only they may call it (administration).
        roles = declared_roles(APP, endpoint, method.upper())
        client = inspector_client if roles is None or "inspector" in roles else admin_client
        resp = getattr(client.http, method)(_fill(rule), headers={"X-CSRF-Token": client.csrf})
        assert resp.status_code == 422, (method, rule, resp.status_code)
        error = resp.get_json()["error"]
        assert error["code"] == "validation_error" and "_body" in error["fields"], (method, rule)


def test_an_empty_patch_no_longer_answers_200(inspector_client, operation):
    url = f"/api/operations/{operation.id}"
    resp = inspector_client.http.patch(url, headers={"X-CSRF-Token": inspector_client.csrf})
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"]["_body"]
    # An explicit empty object is still a (no-op) change; a real one still works.
    assert inspector_client.patch(url, {}).status_code == 200
    assert inspector_client.patch(url, {"name": "Operation Renewed"}).get_json()["name"] == "Operation Renewed"


def _validator(schema):
    registry = Registry().with_resource("urn:spec", Resource.opaque(SPEC))
    return OAS30Validator({"$ref": "urn:spec#" + schema["$ref"][1:]} if "$ref" in schema else schema,
                          registry=registry)


def test_the_main_operations_have_examples_that_match_their_schemas():
    examples = {}
    for method, path, _, _ in OPERATIONS:
        operation = SPEC["paths"][path][method]
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        if "example" in body:
            examples[(operation["operationId"], "request")] = (body["schema"], body["example"])
        for code, response in operation["responses"].items():
            media = _resolve(response).get("content", {}).get("application/json", {})
            if "example" in media:
                examples[(operation["operationId"], code)] = (media["schema"], media["example"])
    assert {("login", "request"), ("login", "200"), ("syncBatch", "request"), ("syncBatch", "200"),
            ("getTally", "200")} <= set(examples)
    for key, (schema, example) in examples.items():
        errors = [e.message for e in _validator(schema).iter_errors(example)]
        assert not errors, (key, errors)
    kinds = [r["kind"] for r in examples[("syncBatch", "request")][1]["records"]]
    assert sorted(kinds) == ["arrest", "intelligence_log", "safeguarding_referral", "stop_search"]


def test_sync_items_and_tally_groups_are_typed():
    props = SPEC["components"]["schemas"]["SyncRequest"]["properties"]
    records = props["records"]["items"]
    assert [r["$ref"].rsplit("/", 1)[1] for r in records["oneOf"]] == [
        "StopSearch", "Arrest", "SafeguardingReferral", "IntelligenceLog"]
    assert records["discriminator"]["propertyName"] == "kind"
    for kind, ref in records["discriminator"]["mapping"].items():
        assert _resolve({"$ref": ref})["properties"]["kind"]["enum"] == [kind]
        assert "base_version" in _resolve({"$ref": ref})["properties"]  # what an edit sends
    assert props["shifts"]["items"]["allOf"] == [{"$ref": "#/components/schemas/Shift"}]
    groups = SPEC["components"]["schemas"]["Tally"]["properties"]["groups"]
    group = _resolve(groups["items"])
    assert {"kind", "area", "week", "officer", "count"} <= set(group["properties"]) and group["required"] == ["count"]


def _inline_enums(node, where="", found=None):
    found = [] if found is None else found
    if isinstance(node, dict):
        if "enum" in node and node.get("type") == "string" and [v for v in node["enum"] if v is not None][1:]:
            found.append(where)
        for key, value in node.items():
            _inline_enums(value, f"{where}/{key}", found)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _inline_enums(value, f"{where}/{i}", found)
    return found


def test_each_reference_list_is_one_named_enum():
    """A nullable list is that list's component or null, never a second copy (a generated client would
    make a class per copy)."""
    schemas = SPEC["components"]["schemas"]
    inline = [w for w in _inline_enums(SPEC) if not re.fullmatch(r"/components/schemas/[A-Za-z]+", w)]
    assert not inline, inline
    gender = schemas["StopSearch"]["properties"]["gender"]
    assert gender["anyOf"] == [{"type": "string", "nullable": True, "enum": [None]},
                               {"$ref": "#/components/schemas/Gender"}]
    assert schemas["Gender"] == {"type": "string", "enum": ["Male", "Female", "Other"]}
    values = [tuple(s["enum"]) for s in schemas.values() if "enum" in s]
    assert len(values) == len(set(values))


def test_rules_across_fields_are_stated():
    params = {p["name"]: p for p in SPEC["paths"]["/api/operations/{operation_id}/tally"]["get"]["parameters"]}
    assert "on or after from" in params["to"]["description"].lower() and "days long" in params["to"]["description"]
    assert "on or after the first" in params["compare"]["description"]
    assert "at most once" in params["group_by"]["description"]
    records = {p["name"]: p for p in SPEC["paths"]["/api/records"]["get"]["parameters"]}
    assert "on or after from" in records["to"]["description"]
    schemas = SPEC["components"]["schemas"]
    assert "starts_on" in schemas["Operation"]["properties"]["ends_on"]["description"]
    assert "handling_code is C" in schemas["IntelligenceLog"]["properties"]["handling_conditions"]["description"]
    assert "longitude" in schemas["StopSearch"]["properties"]["latitude"]["description"]
    assert "started_at" in schemas["Shift"]["properties"]["ended_at"]["description"]
