"""Every error is one JSON shape, never an HTML page."""


def test_unknown_api_path_is_json_404(officer_client):
    resp = officer_client.get("/api/nothing-here")
    assert resp.status_code == 404 and resp.is_json
    assert resp.get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(officer_client):
    resp = officer_client.delete("/api/operations")
    assert resp.status_code == 405 and resp.is_json
    assert resp.get_json()["error"] == {"status": 405, "code": "method_not_allowed",
                                        "message": "That method is not allowed here."}
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST", "OPTIONS"}


def test_malformed_json_is_a_clear_400(officer_client):
    resp = officer_client.http.post("/api/sync", data="{not json", content_type="application/json",
                                    headers={"X-CSRF-Token": officer_client.csrf})
    assert resp.status_code == 400 and resp.is_json
    err = resp.get_json()["error"]
    assert err["code"] == "malformed_json"
    # Where the parser stopped, so whoever wrote the body can find the fault.
    assert err["message"] == ("The body is not valid JSON: Expecting property name enclosed in double quotes "
                              "at line 1 column 2.")
    assert list(err["fields"]) == ["_body"]


def test_an_oversized_body_is_json_413(officer_client):
    big = "x" * (6 * 1024 * 1024)
    resp = officer_client.http.post("/api/sync", data='{"device_id": "%s"}' % big, content_type="application/json",
                                    headers={"X-CSRF-Token": officer_client.csrf})
    assert resp.status_code == 413 and resp.is_json


def test_openapi_document_is_generated_from_the_schemas(anon_client):
    resp = anon_client.get("/api/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/sync", "/api/sync/changes", "/api/records", "/api/records/{record_id}",
                 "/api/auth/login", "/api/operations"):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert "intelligence_text" in schemas["IntelligenceLog"]["properties"]
    assert "source" not in " ".join(schemas["IntelligenceLog"]["properties"]).replace("source_evaluation", "")
    assert schemas["StopSearch"]["properties"]["age_range"]["anyOf"][1] == {"$ref": "#/components/schemas/AgeRange"}
    assert schemas["AgeRange"]["enum"][:2] == ["under 10", "10-17"]


def test_security_headers_on_every_response(anon_client):
    for path in ("/", "/api/auth/me", "/api/openapi.json"):
        h = anon_client.get(path).headers
        assert "unsafe-inline" not in h["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] == "no-referrer"


def test_api_paths_never_reach_the_app_catch_all(officer_client):
    """The PWA's catch-all (GET only) answers for app paths, never for /api ones: an unknown API path is a
    404 whatever the method, and a 405's Allow header lists the API's own methods only."""
    csrf = {"X-CSRF-Token": officer_client.csrf}
    for method in ("get", "post", "put", "patch", "delete"):
        for path in ("/api/nothing-here", "/api", "/api/records/not-a-uuid/verify"):
            resp = getattr(officer_client.http, method)(path, headers=csrf)
            assert resp.status_code == 404 and resp.is_json, (method, path, resp.status_code)
            assert resp.get_json()["error"]["code"] == "not_found"
    resp = officer_client.http.put("/api/sync", headers=csrf)
    assert resp.status_code == 405 and resp.is_json
    assert set(resp.headers["Allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    resp = officer_client.http.post("/api/auth/me", headers=csrf)
    assert resp.status_code == 405 and set(resp.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD",
                                                                                                  "OPTIONS"}
    # App paths (including ones that merely start with "api") are still the app's.
    for path in ("/records/new", "/apiary", "/api-help/x"):
        resp = officer_client.get(path)
        assert resp.status_code == 200 and resp.mimetype == "text/html", path
