"""The app bundles a copy of the value lists for a first start with no signal; it must match the server's."""
import json
from pathlib import Path

from server.records.reference import all_lists

FALLBACK = Path(__file__).resolve().parents[2] / "client" / "src" / "reference-fallback.json"


def test_bundled_value_lists_match_the_server():
    bundled = json.loads(FALLBACK.read_text(encoding="utf-8"))
    assert bundled == {"lists": all_lists()}, "run `npm run reference` in client/ and commit the result"


def test_reference_endpoint_serves_the_same_lists(officer_client):
    resp = officer_client.get("/api/reference")
    assert resp.status_code == 200
    assert resp.get_json() == json.loads(FALLBACK.read_text(encoding="utf-8"))
