"""One JSON line per request: request id, method, path, status, duration, user id; never a
secret, a cookie, a query string or intelligence text."""
from __future__ import annotations

import json
import logging
import re

import pytest

from server.ops.logs import RequestIdFilter, json_formatter
from tests import factories as f
from tests.conftest import DEMO_PASSWORD

SOURCE_TEXT = "CHIS-7 says the van is kept behind 14 Lings Way"


@pytest.fixture
def request_logs(caplog):
    caplog.set_level(logging.INFO, logger="beatbook.request")

    def lines():
        return [json.loads(json_formatter().format(r)) for r in caplog.records if r.name == "beatbook.request"]

    return lines


def all_log_text(caplog) -> str:
    fmt = json_formatter()
    return "\n".join(fmt.format(r) for r in caplog.records)


def test_one_json_line_per_request_with_id_user_and_timing(officer_client, request_logs):
    resp = officer_client.get("/api/auth/me")
    assert resp.status_code == 200
    lines = request_logs()
    assert len(lines) == 1
    line = lines[0]
    assert line["logger"] == "beatbook.request" and line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/api/auth/me"
    assert line["endpoint"] == "auth.me"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 10_000
    assert line["user_id"] == officer_client.officer.id
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert resp.headers["X-Request-ID"] == line["request_id"]
    assert re.match(r"^\d{4}-\d\d-\d\dT", line["time"])


def test_an_incoming_request_id_is_kept_and_echoed(anon_client, request_logs):
    resp = anon_client.get("/healthz", headers={"X-Request-ID": "nginx-5f2b9c0e7d1a"})
    assert resp.headers["X-Request-ID"] == "nginx-5f2b9c0e7d1a"
    resp = anon_client.get("/api/auth/me", headers={"X-Request-ID": "lb-0001-abcd"})
    assert resp.headers["X-Request-ID"] == "lb-0001-abcd"
    assert request_logs()[-1]["request_id"] == "lb-0001-abcd"


@pytest.mark.parametrize("bad", ["short", "has space in it", "x" * 200, "inj\"ect{}", "a\u00e9bcdefgh"])
def test_a_strange_incoming_request_id_is_replaced(anon_client, bad):
    resp = anon_client.get("/healthz", headers={"X-Request-ID": bad})
    assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["X-Request-ID"])


def test_every_request_gets_a_different_id(anon_client):
    ids = {anon_client.get("/healthz").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


def test_the_query_string_is_never_logged(officer_client, operation, request_logs, caplog):
    resp = officer_client.get(f"/api/records?operation={operation.id}&area=NN3&officer=secret-looking-value")
    lines = request_logs()
    assert lines[-1]["path"] == "/api/records"
    assert lines[-1]["status"] == resp.status_code
    assert "secret-looking-value" not in all_log_text(caplog)
    assert "area=NN3" not in all_log_text(caplog)


def test_errors_are_logged_too_with_no_user(anon_client, request_logs):
    assert anon_client.get("/api/auth/me").status_code == 401
    assert anon_client.get("/no/such/thing.js").status_code == 404
    first, second = request_logs()[-2:]
    assert (first["status"], first["user_id"], first["endpoint"]) == (401, None, "auth.me")
    assert second["status"] == 404 and second["path"] == "/no/such/thing.js"


def test_login_logs_neither_password_nor_cookie_nor_csrf_token(app, make_officer, request_logs, caplog):
    from tests.conftest import ApiClient
    officer = make_officer(shoulder_number="PC7001")
    client = ApiClient(app, officer)
    caplog.set_level(logging.INFO)
    bad = client.http.post("/api/auth/login", json={"shoulder_number": "PC7001", "password": "wrong-guess-123"})
    assert bad.status_code == 401
    resp = client.login("PC7001")
    assert resp.status_code == 200
    cookie = resp.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    csrf = resp.get_json()["csrf_token"]
    me = client.get("/api/auth/me")
    assert me.status_code == 200
    text = all_log_text(caplog)
    for secret in (DEMO_PASSWORD, "wrong-guess-123", cookie, csrf):
        assert secret not in text
    assert "Cookie" not in text and "Set-Cookie" not in text
    lines = request_logs()
    assert [ln["status"] for ln in lines] == [401, 200, 200]
    assert lines[1]["user_id"] == officer.id  # the login that succeeded is attributed
    assert lines[2]["user_id"] == officer.id


def test_intelligence_text_never_reaches_the_logs(officer_client, sergeant_client, operation, request_logs, caplog):
    caplog.set_level(logging.DEBUG)
    intel = f.intelligence_log(operation.id, intelligence_text=SOURCE_TEXT)
    body = officer_client.sync(records=[intel]).get_json()
    assert body["records"][0]["status"] == "created", body
    shown = sergeant_client.get(f"/api/records/{intel['id']}").get_json()
    assert shown["record"]["intelligence_text"] == SOURCE_TEXT  # the sergeant is cleared: it was sent
    assert SOURCE_TEXT not in all_log_text(caplog)


def test_other_lines_during_a_request_carry_its_request_id(app, make_officer, caplog):
    from tests.conftest import ApiClient
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO)
    make_officer(shoulder_number="PC7002")
    resp = ApiClient(app).http.post("/api/auth/login", json={"shoulder_number": "PC7002", "password": "nope-nope-1"},
                                    headers={"X-Request-ID": "trace-me-0001"})
    assert resp.status_code == 401
    # The failed-login warning (server core: app logger; hardening: beatbook.security).
    failed = [r for r in caplog.records if r.name != "beatbook.request" and r.levelno >= logging.WARNING]
    assert failed and all(r.request_id == "trace-me-0001" for r in failed)


def test_probes_are_logged_at_debug_only(anon_client, caplog):
    caplog.set_level(logging.INFO, logger="beatbook.request")
    anon_client.get("/healthz")
    anon_client.get("/readyz")
    assert [r for r in caplog.records if r.name == "beatbook.request"] == []
    caplog.set_level(logging.DEBUG, logger="beatbook.request")
    anon_client.get("/healthz")
    assert [r.path for r in caplog.records if r.name == "beatbook.request"] == ["/healthz"]


def test_the_logout_request_is_still_attributed_to_the_officer(officer_client, request_logs):
    assert officer_client.post("/api/auth/logout").status_code == 200
    line = request_logs()[-1]
    assert (line["path"], line["status"], line["user_id"]) == ("/api/auth/logout", 200, officer_client.officer.id)
    officer_client.get("/api/auth/me")
    assert request_logs()[-1]["user_id"] is None


# ---- no value a client sends can forge a log line, in either format ----------------------------------

FORGERIES = ["\n2026-01-01 00:00:00,000 INFO beatbook.request [x] POST /api/auth/login 200",
             "\r\x1b[2K fake", "a\u2028b\u2029c", "bidi\u202eevil", "half\ud83demoji", "nul\x00byte", "del\x7fc1\x85"]
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _formatted(caplog):
    from server.ops.logs import text_formatter
    records = [r for r in caplog.records if r.name.startswith("beatbook")]
    assert records
    return records, [text_formatter().format(r) for r in records], [json_formatter().format(r) for r in records]


def _assert_one_safe_line_each(caplog, value):
    records, texts, jsons = _formatted(caplog)
    for line in texts:
        assert "\n" not in line and not UNSAFE.search(line), repr(line)
        line.encode("utf-8")  # writable as it is
    for line, record in zip(jsons, records):
        assert "\n" not in line and not UNSAFE.search(line), repr(line)
        line.encode("ascii")
        json.loads(line)  # and the value is still all there, for whoever reads the log
    return texts, jsons


# The device ids among them that the device id's own rules refuse, and why; the others are taken.
DEVICE_ID_REFUSALS = {FORGERIES[0]: "Length must be between 1 and 64.",
                      "half\ud83demoji": "Must not contain a lone UTF-16 surrogate (\\ud800-\\udfff): not a character.",
                      "nul\x00byte": "Must not contain the NUL character (\\u0000)."}


@pytest.mark.parametrize("value", FORGERIES)
def test_a_device_id_cannot_forge_a_log_line(officer_client, operation, caplog, value):
    caplog.set_level(logging.INFO)
    resp = officer_client.sync(records=[f.arrest(operation.id)], device_id="phone" + value)
    _, jsons = _assert_one_safe_line_each(caplog, value)
    if value in DEVICE_ID_REFUSALS:
        assert resp.status_code == 422, resp.get_json()
        assert resp.get_json()["error"]["fields"] == {"device_id": [DEVICE_ID_REFUSALS[value]]}
    else:
        assert resp.status_code == 200 and resp.get_json()["records"][0]["status"] == "created"
        assert any(json.loads(j).get("device_id") == "phone" + value for j in jsons)


@pytest.mark.parametrize("value", FORGERIES)
def test_a_path_cannot_forge_a_log_line(anon_client, caplog, value):
    from urllib.parse import quote
    caplog.set_level(logging.INFO)
    encoded = quote(value.encode("utf-8", "surrogatepass"), safe="")
    resp = anon_client.get(f"/api/records/{encoded}")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    _assert_one_safe_line_each(caplog, value)


@pytest.mark.parametrize("value", [v for v in FORGERIES if v.isascii() and "\n" not in v and "\r" not in v])
def test_a_user_agent_cannot_forge_a_log_line(anon_client, caplog, value):
    caplog.handler.addFilter(RequestIdFilter())  # as the app's log handler does: the 401's security event has it
    caplog.set_level(logging.INFO)
    resp = anon_client.get("/api/auth/me", headers={"User-Agent": "Mozilla" + value})
    assert resp.status_code == 401
    texts, _ = _assert_one_safe_line_each(caplog, value)
    assert all("Mozilla" not in t for t in texts)  # not logged at all


@pytest.mark.parametrize("value", FORGERIES)
def test_a_shoulder_number_cannot_forge_a_log_line(app, caplog, value):
    from tests.conftest import ApiClient
    caplog.set_level(logging.INFO)
    ApiClient(app).http.post("/api/auth/login", json={"shoulder_number": "PC" + value[:12], "password": "guess"})
    _assert_one_safe_line_each(caplog, value)


def test_a_traceback_keeps_its_lines_but_none_passes_for_an_entry(caplog):
    from server.ops.logs import text_formatter
    log = logging.getLogger("beatbook.test")
    caplog.set_level(logging.ERROR)
    try:
        raise ValueError("bad value\n2026-01-01 00:00:00,000 INFO beatbook.request forged")
    except ValueError:
        log.exception("failed on %s", "x\ny")
    text = text_formatter().format(caplog.records[-1])
    first, *rest = text.split("\n")
    assert first.endswith("failed on x\\x0ay")
    assert rest and all(line.startswith("| ") for line in rest)


def test_passwords_cookies_and_intelligence_text_are_in_neither_format(app, make_officer, officer_client, operation,
                                                                      caplog):
    from server.ops.logs import text_formatter
    from tests.conftest import ApiClient
    caplog.set_level(logging.DEBUG)
    officer = make_officer(shoulder_number="PC7090")
    client = ApiClient(app, officer)
    client.http.post("/api/auth/login", json={"shoulder_number": "PC7090", "password": "wrong-pass-987"})
    resp = client.login("PC7090")
    cookie = resp.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    client.sync(records=[f.intelligence_log(operation.id, intelligence_text=SOURCE_TEXT)])
    client.sync(records=[f.intelligence_log(operation.id, intelligence_text=SOURCE_TEXT + "\ud83d")])
    for fmt in (text_formatter(), json_formatter()):
        out = "\n".join(fmt.format(r) for r in caplog.records)
        for secret in (DEMO_PASSWORD, "wrong-pass-987", cookie, SOURCE_TEXT, "CHIS-7"):
            assert secret not in out
