"""An entry's history reads the same whichever path wrote each step: the phone's sync (new entries go in
as one bulk insert) or the records API (amend, return, verify)."""
from datetime import datetime, timedelta, timezone

from tests import factories as f


def test_every_step_names_who_when_and_the_version_it_wrote(officer_client, sergeant_client, operation):
    started = datetime.now(timezone.utc) - timedelta(seconds=1)
    rec = f.arrest(operation.id)
    url = f"/api/records/{rec['id']}"
    assert officer_client.sync(records=[rec]).get_json()["records"][0]["status"] == "created"
    assert officer_client.patch(url, {"base_version": 1, "notes": "Corrected"}).status_code == 200
    assert sergeant_client.post(f"{url}/return", {"base_version": 2,
                                                  "comment": "Add the custody reference"}).status_code == 200
    assert officer_client.patch(url, {"base_version": 3, "custody_reference": "NN/1234/26"}).status_code == 200
    assert sergeant_client.post(f"{url}/verify", {"base_version": 4}).status_code == 200

    entries = officer_client.get(f"{url}/history").get_json()["entries"]
    author, sergeant = officer_client.officer.shoulder_number, sergeant_client.officer.shoulder_number
    assert [(e["action"], e["version"], e["actor"]["shoulder_number"]) for e in entries] == [
        ("create", 1, author), ("amend", 2, author), ("return", 3, sergeant), ("amend", 4, author),
        ("verify", 5, sergeant)]
    times = [datetime.fromisoformat(e["at"]) for e in entries]
    assert times == sorted(times)
    assert started <= times[0] and times[-1] <= datetime.now(timezone.utc) + timedelta(seconds=1)
    assert entries[0]["changes"] is None and entries[0]["comment"] is None
    assert entries[1]["changes"] == {"notes": ["", "Corrected"]}
    assert entries[2]["changes"] == {"status": ["submitted", "returned"]}
    assert entries[2]["comment"] == "Add the custody reference"
    assert entries[3]["changes"] == {"custody_reference": ["CU/12345", "NN/1234/26"], "status": ["returned", "submitted"]}
    assert entries[4]["changes"] == {"status": ["submitted", "verified"]} and entries[4]["comment"] is None
