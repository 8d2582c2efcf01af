import pytest

from tests import factories as f


@pytest.fixture
def logged(officer_client, colleague_client, other_team_client, operation):
    """Each officer has logged one of each kind."""
    out = {}
    for name, client in (("me", officer_client), ("colleague", colleague_client), ("other_team", other_team_client)):
        records = [make(operation.id) for make in f.ALL_KINDS]
        assert {r["status"] for r in client.sync(records=records).get_json()["records"]} == {"created"}
        out[name] = records
    return out


def ids(resp):
    return {r["id"] for r in resp.get_json()["items"]}


def test_an_officer_sees_only_their_own_records(officer_client, logged):
    resp = officer_client.get("/api/records")
    assert resp.status_code == 200
    assert ids(resp) == {r["id"] for r in logged["me"]}
    assert resp.get_json()["total"] == 4


def test_a_sergeant_sees_their_team_and_an_inspector_everything(sergeant_client, inspector_client, logged):
    team = {r["id"] for r in logged["me"] + logged["colleague"]}
    assert ids(sergeant_client.get("/api/records?per_page=100")) == team
    assert inspector_client.get("/api/records").get_json()["total"] == 12


def test_filters_and_pagination(inspector_client, officer_client, logged, operation):
    resp = inspector_client.get(f"/api/records?operation={operation.id}&kind=arrest")
    assert {r["kind"] for r in resp.get_json()["items"]} == {"arrest"} and resp.get_json()["total"] == 3
    me = officer_client.officer.id
    assert ids(inspector_client.get(f"/api/records?officer={me}")) == {r["id"] for r in logged["me"]}
    assert inspector_client.get("/api/records?area=nn5").get_json()["total"] == 0
    assert inspector_client.get("/api/records?status=submitted").get_json()["total"] == 12
    page1 = inspector_client.get("/api/records?per_page=5&page=1").get_json()
    page3 = inspector_client.get("/api/records?per_page=5&page=3").get_json()
    assert len(page1["items"]) == 5 and len(page3["items"]) == 2 and page1["total"] == 12
    assert inspector_client.get("/api/records?from=2000-01-01&to=2000-01-02").get_json()["total"] == 0


@pytest.mark.parametrize("query,field", [("kind=parking", "kind"), ("per_page=1000", "per_page"),
                                         ("from=yesterday", "from"), ("status=lost", "status"),
                                         ("area=Northampton", "area"), ("from=2026-02-02&to=2026-02-01", "to"),
                                         ("colour=red", "colour")])
def test_bad_filters_name_the_field(officer_client, query, field):
    resp = officer_client.get(f"/api/records?{query}")
    assert resp.status_code == 422
    assert field in resp.get_json()["error"]["fields"]


def test_another_officers_record_is_not_found(officer_client, other_team_client, sergeant_client, logged):
    theirs = logged["other_team"][0]["id"]
    assert officer_client.get(f"/api/records/{theirs}").status_code == 404
    assert sergeant_client.get(f"/api/records/{theirs}").status_code == 404
    assert other_team_client.get(f"/api/records/{theirs}").status_code == 200
    assert officer_client.get("/api/records/not-a-uuid").status_code == 404


def _intel(client, record_id):
    return client.get(f"/api/records/{record_id}").get_json()["record"]


def test_intelligence_text_only_for_its_author_and_cleared_roles(officer_client, sergeant_client, inspector_client,
                                                                 analyst_client, admin_client, logged):
    intel_id = logged["me"][3]["id"]
    for client in (officer_client, sergeant_client, inspector_client, analyst_client):
        assert _intel(client, intel_id)["intelligence_text"] == f.INTEL_TEXT
    # The administrator runs the system but is not cleared for intelligence.
    admin_view = _intel(admin_client, intel_id)
    assert "intelligence_text" not in admin_view
    assert admin_view["source_evaluation"] == "2" and admin_view["how_obtained"] == "anonymous_community_member"
    listing = admin_client.get("/api/records?kind=intelligence_log").get_json()["items"]
    assert listing and all("intelligence_text" not in r for r in listing)


def test_a_record_has_no_field_for_a_source(officer_client, logged):
    record = _intel(officer_client, logged["me"][3]["id"])
    assert not any("source" in key and key != "source_evaluation" for key in record)


def test_the_author_amends_on_the_current_version(officer_client, logged):
    rec = logged["me"][1]  # an arrest
    resp = officer_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "arrest_outcome": "charged",
                                                               "notes": "Charged at custody"})
    assert resp.status_code == 200, resp.get_json()
    got = resp.get_json()["record"]
    assert got["version"] == 2 and got["arrest_outcome"] == "charged" and got["notes"] == "Charged at custody"
    # Retrying the same edit (the answer was lost) does not bump the version again.
    again = officer_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "arrest_outcome": "charged",
                                                                "notes": "Charged at custody"})
    assert again.status_code == 200 and again.get_json()["record"]["version"] == 2
    history = officer_client.get(f"/api/records/{rec['id']}/history").get_json()["entries"]
    assert [e["action"] for e in history] == ["create", "amend"]
    assert history[1]["changes"]["arrest_outcome"] == [None, "charged"]


def test_a_stale_edit_is_a_409_with_the_server_copy(officer_client, logged):
    rec = logged["me"][1]
    officer_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "notes": "one"})
    resp = officer_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "notes": "two"})
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "version_conflict" and err["record"]["notes"] == "one" and err["record"]["version"] == 2


def test_patch_validation_names_the_field(officer_client, logged):
    rec = logged["me"][0]  # a stop search
    url = f"/api/records/{rec['id']}"
    resp = officer_client.patch(url, {"notes": "no version"})
    assert resp.status_code == 422 and "base_version" in resp.get_json()["error"]["fields"]
    resp = officer_client.patch(url, {"base_version": 1, "outcome": "Shot"})
    assert resp.status_code == 422 and "outcome" in resp.get_json()["error"]["fields"]
    resp = officer_client.patch(url, {"base_version": 1, "kind": "arrest"})
    assert resp.status_code == 422 and resp.get_json()["error"]["fields"] == {"kind": ["Cannot change."]}
    resp = officer_client.patch(url, {"base_version": 1, "officer": {"id": 1}})
    assert resp.status_code == 422 and "officer" in resp.get_json()["error"]["fields"]
    resp = officer_client.patch(url, {"base_version": 1, "latitude": 52.1, "longitude": None})
    assert resp.status_code == 422 and "longitude" in resp.get_json()["error"]["fields"]


def test_only_the_author_edits(officer_client, colleague_client, sergeant_client, logged):
    rec = logged["me"][0]
    assert sergeant_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "notes": "x"}).status_code == 403
    assert colleague_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "notes": "x"}).status_code == 404
    assert officer_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "notes": "x"}, csrf=False).status_code == 403


def test_void_with_a_reason_keeps_the_record_and_blocks_edits(officer_client, inspector_client, logged):
    rec = logged["me"][2]
    url = f"/api/records/{rec['id']}"
    resp = officer_client.post(f"{url}/void", {})
    assert resp.status_code == 422 and "reason" in resp.get_json()["error"]["fields"]
    resp = officer_client.post(f"{url}/void", {"reason": "Logged twice by mistake"})
    assert resp.status_code == 200
    voided = resp.get_json()["record"]
    assert voided["status"] == "voided" and voided["void_reason"] == "Logged twice by mistake" and voided["version"] == 2
    assert officer_client.post(f"{url}/void", {"reason": "Logged twice by mistake"}).status_code == 200  # a retry
    assert officer_client.get(url).status_code == 200  # never deleted
    resp = officer_client.patch(url, {"base_version": 2, "notes": "x"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "voided"
    history = inspector_client.get(f"{url}/history").get_json()["entries"]
    assert [e["action"] for e in history] == ["create", "void"]
    assert history[1]["comment"] == "Logged twice by mistake"


def test_colleagues_cannot_void_each_others_records(colleague_client, logged):
    rec = logged["me"][2]
    assert colleague_client.post(f"/api/records/{rec['id']}/void", {"reason": "not mine"}).status_code == 404


def test_sergeant_verifies_and_returns_their_teams_entries(officer_client, sergeant_client, other_sergeant_client,
                                                          logged):
    rec = logged["me"][0]
    url = f"/api/records/{rec['id']}"
    resp = sergeant_client.post(f"{url}/return", {"base_version": 1, "comment": "Which legislation?"})
    assert resp.status_code == 200 and resp.get_json()["record"]["status"] == "returned"
    resp = sergeant_client.post(f"{url}/verify", {"base_version": 2})
    assert resp.status_code == 200 and resp.get_json()["record"]["status"] == "verified"
    assert resp.get_json()["record"]["version"] == 3
    assert other_sergeant_client.post(f"{url}/verify", {"base_version": 3}).status_code == 404
    assert officer_client.post(f"{url}/verify", {"base_version": 3}).status_code == 403
    assert sergeant_client.post(f"{url}/return", {"base_version": 3}).status_code == 422


def test_history_never_carries_intelligence_text(officer_client, analyst_client, logged):
    rec = logged["me"][3]
    officer_client.patch(f"/api/records/{rec['id']}", {"base_version": 1, "intelligence_text": "Revised account"})
    entries = analyst_client.get(f"/api/records/{rec['id']}/history").get_json()["entries"]
    text = str(entries)
    assert "Revised account" not in text and f.INTEL_TEXT not in text
    assert entries[1]["changes"]["intelligence_text"] == [None, "[restricted text changed]"]


def test_reference_lists_carry_police_uk_values(officer_client, anon_client):
    lists = officer_client.get("/api/reference").get_json()["lists"]
    assert [o["value"] for o in lists["age_ranges"]] == ["under 10", "10-17", "18-24", "25-34", "over 34"]
    assert {"value": "B", "label": "Known indirectly to the source but corroborated"} in lists["intelligence_assessments"]
    assert anon_client.get("/api/reference").status_code == 401
