"""The changes feed answers an open phone's frequent check with 304 until something changes."""
from tests import factories as f


def feed(client, since="0", etag=None):
    return client.get(f"/api/sync/changes?since={since}", headers={"If-None-Match": etag} if etag else {})


def test_an_unchanged_feed_answers_304_and_a_return_by_the_sergeant_does_not(officer_client, sergeant_client, operation):
    rec = f.stop_search(operation.id)
    officer_client.sync(records=[rec])
    first = feed(officer_client)
    cursor = first.get_json()["cursor"]
    quiet = feed(officer_client, cursor)
    assert quiet.status_code == 200 and quiet.get_json()["records"] == []
    tag = quiet.headers["ETag"]

    again = feed(officer_client, cursor, tag)
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == tag

    assert sergeant_client.post(f"/api/records/{rec['id']}/return", {"comment": "Add the power used.", "base_version": 1}).status_code == 200
    changed = feed(officer_client, cursor, tag)
    assert changed.status_code == 200
    assert [r["status"] for r in changed.get_json()["records"]] == ["returned"]
    assert changed.headers["ETag"] != tag


def test_the_tag_is_the_officers_own(officer_client, colleague_client, operation):
    officer_client.sync(records=[f.arrest(operation.id)])
    mine = feed(officer_client, "999999")
    theirs = feed(colleague_client, "999999", mine.headers["ETag"])
    assert theirs.status_code == 200 and theirs.headers["ETag"] != mine.headers["ETag"]


def test_entries_still_settling_get_no_tag(app, officer_client, operation):
    officer_client.sync(records=[f.arrest(operation.id)])
    app.config["CHANGES_SETTLE_SECONDS"] = 3600
    try:
        body = feed(officer_client)
        assert body.get_json()["cursor"] == "0" and "ETag" not in body.headers
    finally:
        app.config["CHANGES_SETTLE_SECONDS"] = 0
