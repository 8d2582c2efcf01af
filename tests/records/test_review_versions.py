"""Reviews and voids name the version they were made on; who may void; what an arrest may link to;
the audit trail's one entry per version, refused by the database itself."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server import create_app
from server.core.db import UTCDateTime, db, utcnow
from server.records.models import AuditEntry, Record
from tests import factories as f
from tests.ops.conftest import SECRET, fresh_database  # noqa: F401  (an empty database of the kind under test)


def _log(client, record) -> dict:
    resp = client.sync(records=[record])
    assert resp.get_json()["records"][0]["status"] == "created", resp.get_json()
    return record


@pytest.fixture
def entry(officer_client, operation):
    return _log(officer_client, f.stop_search(operation.id))


class TestReviewsCarryTheVersionSeen:
    @pytest.mark.parametrize("action,body", [("verify", {}), ("return", {"comment": "Which legislation?"})])
    def test_a_review_of_a_version_since_edited_is_refused_with_the_newer_copy(
            self, officer_client, sergeant_client, entry, action, body):
        url = f"/api/records/{entry['id']}"
        assert officer_client.patch(url, {"base_version": 1, "notes": "Added after the sergeant looked"}).status_code == 200
        resp = sergeant_client.post(f"{url}/{action}", dict(body, base_version=1))
        assert resp.status_code == 409
        err = resp.get_json()["error"]
        assert err["code"] == "version_conflict" and "changed since you opened it" in err["message"]
        assert err["record"]["version"] == 2 and err["record"]["notes"] == "Added after the sergeant looked"
        stored = officer_client.get(url).get_json()["record"]
        assert stored["status"] == "submitted" and stored["version"] == 2  # nothing verified unseen
        assert sergeant_client.post(f"{url}/{action}", dict(body, base_version=2)).status_code == 200

    @pytest.mark.parametrize("action,body", [("verify", {"comment": "Fine"}), ("return", {"comment": "Which legislation?"})])
    @pytest.mark.parametrize("version", [None, "1", 1.5, True, 0])
    def test_base_version_is_required_and_a_whole_version(self, sergeant_client, entry, action, body, version):
        sent = dict(body) if version is None else dict(body, base_version=version)
        resp = sergeant_client.post(f"/api/records/{entry['id']}/{action}", sent)
        assert resp.status_code == 422
        assert "base_version" in resp.get_json()["error"]["fields"]
        assert sergeant_client.get(f"/api/records/{entry['id']}").get_json()["record"]["version"] == 1

    def test_a_retried_review_whose_answer_was_lost_is_answered_again(self, sergeant_client, entry):
        url = f"/api/records/{entry['id']}/verify"
        assert sergeant_client.post(url, {"base_version": 1}).get_json()["record"]["version"] == 2
        again = sergeant_client.post(url, {"base_version": 1})
        assert again.status_code == 200 and again.get_json()["record"]["version"] == 2
        ret = f"/api/records/{entry['id']}/return"
        assert sergeant_client.post(ret, {"base_version": 2, "comment": "Add the place"}).status_code == 200
        again = sergeant_client.post(ret, {"base_version": 2, "comment": "Add the place"})
        assert again.status_code == 200 and again.get_json()["record"]["version"] == 3

    def test_a_second_reviewer_of_the_same_version_is_shown_the_first_review(self, sergeant_client,
                                                                            inspector_client, entry):
        url = f"/api/records/{entry['id']}"
        assert sergeant_client.post(f"{url}/return", {"base_version": 1, "comment": "Add the place"}).status_code == 200
        resp = inspector_client.post(f"{url}/return", {"base_version": 1, "comment": "Add the place"})
        assert resp.status_code == 409
        assert resp.get_json()["error"]["record"]["status"] == "returned"
        resp = inspector_client.post(f"{url}/verify", {"base_version": 1})
        assert resp.status_code == 409 and resp.get_json()["error"]["record"]["version"] == 2
        history = inspector_client.get(f"{url}/history").get_json()["entries"]
        assert [(e["action"], e["version"]) for e in history] == [("create", 1), ("return", 2)]


class TestVoid:
    def test_a_void_of_a_version_since_edited_is_refused(self, officer_client, sergeant_client, entry):
        url = f"/api/records/{entry['id']}"
        assert officer_client.patch(url, {"base_version": 1, "notes": "Corrected"}).status_code == 200
        resp = sergeant_client.post(f"{url}/void", {"reason": "Duplicate of an earlier log", "base_version": 1})
        assert resp.status_code == 409
        err = resp.get_json()["error"]
        assert err["code"] == "version_conflict" and err["record"]["notes"] == "Corrected"
        assert officer_client.get(url).get_json()["record"]["status"] == "submitted"
        resp = sergeant_client.post(f"{url}/void", {"reason": "Duplicate of an earlier log", "base_version": 2})
        assert resp.status_code == 200 and resp.get_json()["record"]["version"] == 3
        # A retry after it landed is not an error, whatever version it was based on.
        assert sergeant_client.post(f"{url}/void", {"reason": "Duplicate of an earlier log", "base_version": 2}
                                    ).status_code == 200

    def test_a_void_without_a_version_still_works(self, officer_client, entry):
        resp = officer_client.post(f"/api/records/{entry['id']}/void", {"reason": "Logged twice"})
        assert resp.status_code == 200 and resp.get_json()["record"]["status"] == "voided"

    def test_a_bad_version_names_the_field(self, officer_client, entry):
        resp = officer_client.post(f"/api/records/{entry['id']}/void", {"reason": "Logged twice", "base_version": "2"})
        assert resp.status_code == 422 and "base_version" in resp.get_json()["error"]["fields"]

    def test_the_administrator_does_not_void(self, admin_client, officer_client, entry):
        url = f"/api/records/{entry['id']}"
        resp = admin_client.post(f"{url}/void", {"reason": "Tidying up"})
        assert resp.status_code == 403
        assert admin_client.post(f"{url}/verify", {"base_version": 1}).status_code == 403
        assert admin_client.post(f"{url}/return", {"base_version": 1, "comment": "Tidy"}).status_code == 403
        stored = officer_client.get(url).get_json()["record"]
        assert stored["status"] == "submitted" and stored["version"] == 1

    def test_the_chain_of_command_voids(self, login_as, officer_client, operation):
        sergeant, inspector = login_as("sergeant"), login_as("inspector", team=None)
        other_sergeant = login_as("sergeant", team="West Team 3")
        one, two = (_log(officer_client, f.arrest(operation.id)) for _ in range(2))
        assert other_sergeant.post(f"/api/records/{one['id']}/void", {"reason": "Not my team"}).status_code == 404
        assert sergeant.post(f"/api/records/{one['id']}/void", {"reason": "Entered twice"}).status_code == 200
        assert inspector.post(f"/api/records/{two['id']}/void", {"reason": "Entered twice"}).status_code == 200


class TestLinkedStopSearch:
    """An arrest links only a stop search its officer may see; any other id reads as no such search."""

    NOT_FOUND = {"linked_stop_search_id": ["No such stop search."]}

    @pytest.fixture
    def searches(self, colleague_client, other_team_client, operation):
        return {"colleague": _log(colleague_client, f.stop_search(operation.id))["id"],
                "other_team": _log(other_team_client, f.stop_search(operation.id))["id"],
                "not_a_search": _log(other_team_client, f.safeguarding_referral(operation.id))["id"],
                "random": f.new_id()}

    @pytest.mark.parametrize("whose", ["colleague", "other_team", "not_a_search", "random"])
    def test_by_sync(self, officer_client, searches, operation, whose):
        resp = officer_client.sync(records=[f.arrest(operation.id, linked_stop_search_id=searches[whose])])
        item = resp.get_json()["records"][0]
        assert item["status"] == "rejected" and item["errors"] == self.NOT_FOUND

    @pytest.mark.parametrize("whose", ["colleague", "other_team", "not_a_search", "random"])
    def test_by_patch(self, officer_client, searches, operation, whose):
        arrest = _log(officer_client, f.arrest(operation.id))
        resp = officer_client.patch(f"/api/records/{arrest['id']}",
                                    {"base_version": 1, "linked_stop_search_id": searches[whose]})
        assert resp.status_code == 422 and resp.get_json()["error"]["fields"] == self.NOT_FOUND
        assert officer_client.get(f"/api/records/{arrest['id']}").get_json()["record"]["linked_stop_search_id"] is None

    def test_an_officers_own_search_links(self, officer_client, operation):
        search = _log(officer_client, f.stop_search(operation.id))
        arrest = _log(officer_client, f.arrest(operation.id))
        resp = officer_client.patch(f"/api/records/{arrest['id']}",
                                    {"base_version": 1, "linked_stop_search_id": search["id"]})
        assert resp.status_code == 200 and resp.get_json()["record"]["linked_stop_search_id"] == search["id"]

    def test_a_sergeant_links_a_search_of_their_team_they_may_see(self, sergeant_client, searches, operation):
        resp = sergeant_client.sync(records=[f.arrest(operation.id, linked_stop_search_id=searches["colleague"])])
        assert resp.get_json()["records"][0]["status"] == "created"
        resp = sergeant_client.sync(records=[f.arrest(operation.id, linked_stop_search_id=searches["other_team"])])
        assert resp.get_json()["records"][0]["errors"] == self.NOT_FOUND


class TestOneAuditEntryPerVersion:
    def test_the_database_refuses_a_second_entry_for_a_version(self, app, officer_client, entry):
        rid = uuid.UUID(entry["id"])
        with app.app_context():
            officer_id = db.session.scalar(select(Record.officer_id).where(Record.id == rid))
            db.session.add(AuditEntry(actor_id=officer_id, record_id=rid, record_officer_id=officer_id,
                                      action="amend", version=1, at=utcnow()))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            db.session.add(AuditEntry(actor_id=officer_id, record_id=rid, record_officer_id=officer_id,
                                      action="amend", version=2, at=utcnow()))
            db.session.commit()  # the next version is fine
            versions = db.session.scalars(select(AuditEntry.version).where(AuditEntry.record_id == rid)
                                          .order_by(AuditEntry.version)).all()
            db.session.remove()
        assert versions == [1, 2]

    def test_the_upgrade_stops_at_versions_already_written_twice(self, fresh_database):  # noqa: F811
        """A database where a change was lost before the lock (two entries for one version): the
        upgrade names the record and changes nothing, rather than renumbering or dropping evidence."""
        from alembic import command
        other = create_app({"BEATBOOK_ENV": "testing", "DATABASE_URL": fresh_database, "SECRET_KEY": SECRET})
        rid, now = uuid.uuid4(), utcnow()
        # The tables as revision 0004 has them: only the columns given here.
        officers = sa.table("officers", sa.column("id"), sa.column("shoulder_number"), sa.column("display_name"),
                            sa.column("role"), sa.column("team"), sa.column("active"), sa.column("password_hash"),
                            sa.column("created_at", UTCDateTime))
        operations = sa.table("operations", sa.column("id"), sa.column("name"), sa.column("slug"),
                              sa.column("description"), sa.column("local_policing_area"),
                              sa.column("target_areas", sa.JSON), sa.column("starts_on", sa.Date),
                              sa.column("created_at", UTCDateTime), sa.column("updated_at", UTCDateTime))
        records = sa.table("records", *(sa.column(c) for c in ("kind", "operation_id", "officer_id", "area", "notes",
                                                                "status", "version")),
                           sa.column("id", sa.Uuid), sa.column("occurred_at", UTCDateTime),
                           sa.column("occurred_on", sa.Date), sa.column("received_at", UTCDateTime),
                           sa.column("updated_at", UTCDateTime))
        audit = sa.table("audit_entries", sa.column("actor_id"), sa.column("record_officer_id"), sa.column("action"),
                         sa.column("version"), sa.column("record_id", sa.Uuid), sa.column("at", UTCDateTime))
        try:
            with other.app_context():
                config = other.extensions["migrate"].migrate.get_config()
                command.upgrade(config, "0004")
                with db.engine.begin() as conn:
                    conn.execute(officers.insert().values(id=1, shoulder_number="PC1", display_name="PC 1",
                                                          role="officer", team="West Team 2", active=True,
                                                          password_hash="x", created_at=now))
                    conn.execute(operations.insert().values(id=1, name="Op", slug="op", description="",
                                                            local_policing_area="West", target_areas=["NN3"],
                                                            starts_on=date(2026, 1, 1), created_at=now,
                                                            updated_at=now))
                    conn.execute(records.insert().values(id=rid, kind="safeguarding_referral", operation_id=1,
                                                         officer_id=1, area="NN3", notes="", status="submitted",
                                                         version=2, occurred_at=now, occurred_on=now.date(),
                                                         received_at=now, updated_at=now))
                    conn.execute(audit.insert(), [dict(actor_id=1, record_officer_id=1, action=a, version=v,
                                                       record_id=rid, at=now)
                                                  for a, v in (("create", 1), ("amend", 2), ("amend", 2))])
                with pytest.raises(RuntimeError, match=f"1 record versions .*{rid} v2 \\(2 entries\\)"):
                    command.upgrade(config, "0005")
                with db.engine.connect() as conn:
                    assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0004"
                    assert conn.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar() == 3
        finally:
            with other.app_context():
                db.session.remove()
                db.engine.dispose()
