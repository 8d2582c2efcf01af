"""The app bundles the value lists (for a first start with no signal) and the rules it checks before
sending; both are generated from the server's code and must match it."""
import importlib.util
import json
import re
from pathlib import Path

from server.operations.schemas import DISTRICT_INPUT
from server.records.reference import all_lists

ROOT = Path(__file__).resolve().parents[2]
FALLBACK = ROOT / "client" / "src" / "reference-fallback.json"


def bundled():
    return json.loads(FALLBACK.read_text(encoding="utf-8"))


def generator():
    spec = importlib.util.spec_from_file_location("client_reference", ROOT / "client" / "scripts" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bundled_copy_is_what_the_server_generates():
    assert bundled() == generator().generated(), "run `npm run reference` in client/ and commit the result"


def test_bundled_value_lists_match_the_server():
    assert bundled()["lists"] == all_lists(), "run `npm run reference` in client/ and commit the result"


def test_reference_endpoint_serves_the_same_lists(officer_client):
    resp = officer_client.get("/api/reference")
    assert resp.status_code == 200
    assert resp.get_json() == {"lists": bundled()["lists"]}


def test_the_phone_checks_districts_as_the_server_does():
    pattern = re.compile(bundled()["rules"]["district_pattern"])
    assert pattern.pattern == DISTRICT_INPUT
    for district in ("NN3", "NN5", "N1", "EC1A", "W1D"):
        assert pattern.match(district), district
    for not_a_district in ("NN", "3NN", "NN3 5AB", "NN333", ""):
        assert not pattern.match(not_a_district), not_a_district
