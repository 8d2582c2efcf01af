"""The authorisation matrix: every endpoint (read from app.url_map) x every role
(officer, sergeant, inspector, analyst, admin, anonymous) x whose record it is
(own / same team / other team), for reads and writes, and the role-restricted
fields: an intelligence log reaches whole only its author and cleared roles that
may see the record (sergeant of the team, inspector, analyst); anyone else who
may see it (admin) gets only what a count needs, in every answer and in the
records CSV; and the police.uk stop-search CSV never names an officer.

A new endpoint without a row in EXPECTED fails here: add its row."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from server.admin.models import AdminAuditEntry, Team, TeamMembership
from server.auth.models import Officer
from server.core.db import db
from server.operations.models import Operation
from server.records.models import AuditEntry, IntelligenceLog, Record, Shift
from server.records.reference import POLICE_UK_CSV_HEADER
from tests import factories as f
from tests.conftest import DEMO_PASSWORD, ApiClient
from tests.security.conftest import SECRET_TEXT
from tests.security.endpoints import ALL_ROUTES

ROLES = ("officer", "sergeant", "inspector", "analyst", "admin", "anonymous")
RELATIONS = ("own", "same_team", "other_team")
# Who acts for each role, and whose record is "same team" / "other team" to them.
# Force-wide roles have no team: their "same team" is West Team 2, "other team" West Team 3.
PEOPLE = {
    "officer": ("officer", "West Team 2"),
    "colleague": ("officer", "West Team 2"),
    "other_officer": ("officer", "West Team 3"),
    "sergeant": ("sergeant", "West Team 2"),
    "other_sergeant": ("sergeant", "West Team 3"),
    "inspector": ("inspector", None),
    "analyst": ("analyst", None),
    "admin": ("admin", None),
}
AUTHOR = {
    "officer": {"own": "officer", "same_team": "colleague", "other_team": "other_officer"},
    "sergeant": {"own": "sergeant", "same_team": "officer", "other_team": "other_officer"},
    "inspector": {"own": "inspector", "same_team": "officer", "other_team": "other_officer"},
    "analyst": {"own": None, "same_team": "officer", "other_team": "other_officer"},  # analysts cannot log
    "admin": {"own": None, "same_team": "officer", "other_team": "other_officer"},  # nor can admin
    "anonymous": {"own": None, "same_team": "officer", "other_team": "other_officer"},
}
LOGGERS = ("officer", "colleague", "other_officer", "sergeant", "other_sergeant", "inspector")


def rel(own, same_team, other_team):
    return {"own": own, "same_team": same_team, "other_team": other_team}


ANON = 401
EVERYONE = {**dict.fromkeys(ROLES, 200), "anonymous": ANON}
# Tally CSV, police.uk CSV and the briefing (and its styles): sergeant (their team's), inspector, analyst, admin.
EXPORTERS_ONLY = {"officer": 403, "sergeant": 200, "inspector": 200, "analyst": 200, "admin": 200, "anonymous": ANON}
ADMIN_ONLY = {**dict.fromkeys(ROLES, 403), "admin": 200, "anonymous": ANON}
ROSTER_READERS = {**ADMIN_ONLY, "sergeant": 200}
# (rule, method) -> role -> status, or role -> {relation: status}; None: the role has no such record.
EXPECTED: dict[tuple[str, str], dict] = {
    ("/", "GET"): dict.fromkeys(ROLES, 200),
    ("/<client_path:path>", "GET"): dict.fromkeys(ROLES, 200),
    ("/api/openapi.json", "GET"): dict.fromkeys(ROLES, 200),
    # Probes and metrics (server/ops): public; /metrics is guarded by address or token, not by role
    # (the test client is 127.0.0.1). Its refusals are in tests/ops/test_metrics.py.
    ("/healthz", "GET"): dict.fromkeys(ROLES, 200),
    ("/readyz", "GET"): dict.fromkeys(ROLES, 200),
    ("/metrics", "GET"): dict.fromkeys(ROLES, 200),
    ("/api/auth/login", "POST"): dict.fromkeys(ROLES, 200),
    ("/api/auth/logout", "POST"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    ("/api/auth/me", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    ("/api/auth/options", "GET"): dict.fromkeys(ROLES, 200),
    # Public; 404 here, where no identity provider is set up (signing in through one: tests/oidc).
    ("/api/auth/provider/start", "GET"): dict.fromkeys(ROLES, 404),
    ("/api/auth/provider/callback", "GET"): dict.fromkeys(ROLES, 404),
    ("/api/reference", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    ("/api/operations", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    ("/api/operations", "POST"): {"officer": 403, "sergeant": 403, "inspector": 201, "analyst": 403,
                                  "admin": 201, "anonymous": ANON},
    ("/api/operations/<int:operation_id>", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    ("/api/operations/<int:operation_id>", "PATCH"): {"officer": 403, "sergeant": 403, "inspector": 200,
                                                      "analyst": 403, "admin": 200, "anonymous": ANON},
    ("/api/records", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    ("/api/records/<uuid:record_id>", "GET"): {
        "officer": rel(200, 404, 404), "sergeant": rel(200, 200, 404), "inspector": rel(200, 200, 200),
        "analyst": rel(None, 200, 200), "admin": rel(None, 200, 200), "anonymous": ANON},
    ("/api/records/<uuid:record_id>/history", "GET"): {
        "officer": rel(200, 404, 404), "sergeant": rel(200, 200, 404), "inspector": rel(200, 200, 200),
        "analyst": rel(None, 200, 200), "admin": rel(None, 200, 200), "anonymous": ANON},
    ("/api/records/<uuid:record_id>", "PATCH"): {  # only the author edits
        "officer": rel(200, 404, 404), "sergeant": rel(200, 403, 404), "inspector": rel(200, 403, 403),
        "analyst": rel(None, 403, 403), "admin": rel(None, 403, 403), "anonymous": ANON},
    ("/api/records/<uuid:record_id>/void", "POST"): {  # the author or the chain of command; not admin
        "officer": rel(200, 404, 404), "sergeant": rel(200, 200, 404), "inspector": rel(200, 200, 200),
        "analyst": rel(None, 403, 403), "admin": rel(None, 403, 403), "anonymous": ANON},
    ("/api/records/<uuid:record_id>/verify", "POST"): {  # a supervisor over the team, never one's own
        "officer": 403, "sergeant": rel(403, 200, 404), "inspector": rel(403, 200, 200),
        "analyst": 403, "admin": 403, "anonymous": ANON},
    ("/api/records/<uuid:record_id>/return", "POST"): {
        "officer": 403, "sergeant": rel(403, 200, 404), "inspector": rel(403, 200, 200),
        "analyst": 403, "admin": 403, "anonymous": ANON},
    ("/api/sync", "POST"): {"officer": 200, "sergeant": 200, "inspector": 200, "analyst": 403, "admin": 403,
                            "anonymous": ANON},
    ("/api/sync/changes", "GET"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    # Tallies: everyone counts, each within their scope (officer own, sergeant team, others all);
    # what each answer holds is checked in test_tallies_and_exports_hold_exactly_what_the_role_may_see.
    ("/api/operations/<int:operation_id>/tally", "GET"): EVERYONE,
    ("/api/shifts", "GET"): EVERYONE,
    ("/api/shifts/<uuid:shift_id>/tally", "GET"): {  # own shift; a sergeant the team's; force-wide roles any
        "officer": rel(200, 404, 404), "sergeant": rel(200, 200, 404), "inspector": rel(200, 200, 200),
        "analyst": rel(None, 200, 200), "admin": rel(None, 200, 200), "anonymous": ANON},
    # Exports: an officer only the CSV of their own records; intelligence text only for the author and
    # cleared roles (never admin); the police.uk CSV has no officer identity.
    ("/api/exports/records.csv", "GET"): EVERYONE,
    ("/api/operations/<int:operation_id>/tally.csv", "GET"): EXPORTERS_ONLY,
    ("/api/exports/stop-searches.csv", "GET"): EXPORTERS_ONLY,
    ("/api/operations/<int:operation_id>/briefing", "GET"): EXPORTERS_ONLY,
    ("/api/exports/briefing.css", "GET"): EXPORTERS_ONLY,
    # Everyone changes their own password (the body's current one is right for each).
    ("/api/auth/password", "POST"): {**dict.fromkeys(ROLES, 200), "anonymous": ANON},
    # Administration: the administrator; a sergeant reads their own team's roster (the officer asked
    # about is the colleague, in the sergeant's team).
    ("/api/admin/teams", "GET"): ADMIN_ONLY,
    ("/api/admin/teams", "POST"): {**ADMIN_ONLY, "admin": 201},
    ("/api/admin/officers", "GET"): ROSTER_READERS,
    ("/api/admin/officers", "POST"): {**ADMIN_ONLY, "admin": 201},
    ("/api/admin/officers/<int:officer_id>", "GET"): ROSTER_READERS,
    ("/api/admin/officers/<int:officer_id>", "PATCH"): ADMIN_ONLY,
    ("/api/admin/officers/<int:officer_id>/move", "POST"): ADMIN_ONLY,
    ("/api/admin/officers/<int:officer_id>/deactivate", "POST"): ADMIN_ONLY,
    ("/api/admin/officers/<int:officer_id>/reactivate", "POST"): ADMIN_ONLY,
    ("/api/admin/officers/<int:officer_id>/reset-password", "POST"): ADMIN_ONLY,
    ("/api/admin/operations", "POST"): {**ADMIN_ONLY, "admin": 201},
    ("/api/admin/operations/<int:operation_id>", "PATCH"): ADMIN_ONLY,
    ("/api/admin/operations/<int:operation_id>/close", "POST"): ADMIN_ONLY,
    ("/api/admin/audit", "GET"): ADMIN_ONLY,
}
ERROR_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}


@dataclass
class World:
    app: object
    operation_id: int
    clients: dict = field(default_factory=dict)
    officers: dict = field(default_factory=dict)
    records: dict = field(default_factory=dict)  # author -> [record id], their intelligence log first
    texts: dict = field(default_factory=dict)  # record id -> its intelligence text
    shifts: dict = field(default_factory=dict)  # author -> their shift's id
    searches: dict = field(default_factory=dict)  # author -> [stop search id]

    def client(self, role: str) -> ApiClient:
        if role == "anonymous":
            return self.clients.setdefault("anonymous", ApiClient(self.app))
        return self.clients[role]

    def log_intel(self, author: str) -> str:
        rid = f.new_id()
        text = f"{SECRET_TEXT} [{author} {rid[:8]}]"
        rec = f.intelligence_log(self.operation_id, id=rid, intelligence_text=text)
        resp = self.clients[author].sync(records=[rec])
        assert resp.get_json()["records"][0]["status"] == "created", resp.get_json()
        self.records.setdefault(author, []).append(rid)
        self.texts[rid] = text
        return rid

    def log_shift_and_search(self, author: str) -> None:
        """An open shift, and a stop search whose notes name the officer (which the police.uk CSV must not)."""
        shift = f.shift(self.operation_id)
        who = self.officers[author]
        search = f.stop_search(self.operation_id, shift_id=shift["id"],
                               notes=f"Searched by {who.shoulder_number} {who.display_name}")
        body = self.clients[author].sync(shifts=[shift], records=[search]).get_json()
        assert body["records"][0]["status"] == "created", body
        self.shifts[author] = shift["id"]
        self.records.setdefault(author, []).append(search["id"])
        self.searches.setdefault(author, []).append(search["id"])

    def author_of(self, record_id: str) -> str:
        return next(a for a, ids in self.records.items() if record_id in ids)

    def visible(self, viewer: str) -> set[str]:
        return {rid for author, ids in self.records.items() for rid in ids if can_see(viewer, author)}


def team(person):
    return PEOPLE[person][1]


def role(person):
    return PEOPLE[person][0]


def can_see(viewer: str, author: str) -> bool:
    if role(viewer) in ("inspector", "analyst", "admin") or viewer == author:
        return True
    return role(viewer) == "sergeant" and team(viewer) == team(author)


def cleared_for_text(viewer: str, author: str) -> bool:
    """The rule written out independently of server/core/security.py."""
    if viewer == author:
        return True
    if role(viewer) in ("inspector", "analyst"):
        return True
    return role(viewer) == "sergeant" and team(viewer) == team(author)


@pytest.fixture
def world(app, quick_officer, operation) -> World:
    w = World(app=app, operation_id=operation.id)
    with app.app_context():
        db.session.add_all([Team(name=t) for t in sorted({t for _, t in PEOPLE.values() if t})])
        db.session.commit()
        db.session.remove()
    for person, (r, t) in PEOPLE.items():
        officer = quick_officer(role=r, team=t)
        client = ApiClient(app, officer)
        assert client.login(officer.shoulder_number).status_code == 200
        w.clients[person], w.officers[person] = client, officer
    for person in LOGGERS:
        w.log_intel(person)
        w.log_shift_and_search(person)
    return w


def fingerprint(app) -> tuple:
    """Everything a write could change."""
    with app.app_context():
        s = db.session
        out = (s.scalar(select(func.count()).select_from(Record)),
               s.scalar(select(func.coalesce(func.sum(Record.version), 0))),
               tuple(s.execute(select(Record.id, Record.status, Record.version, Record.notes).order_by(Record.id)).all()),
               s.scalar(select(func.count()).select_from(AuditEntry)),
               s.scalar(select(func.count()).select_from(Shift)),
               tuple(s.execute(select(Operation.id, Operation.name, Operation.description, Operation.ends_on)
                               .order_by(Operation.id)).all()),
               tuple(s.execute(select(Officer.id, Officer.shoulder_number, Officer.display_name, Officer.role,
                                      Officer.team, Officer.active, Officer.password_hash).order_by(Officer.id)).all()),
               s.scalar(select(func.count()).select_from(Team)),
               s.scalar(select(func.count()).select_from(TeamMembership)),
               s.scalar(select(func.count()).select_from(AdminAuditEntry)))
        s.remove()
        return out


def record_version(app, record_id: str) -> int:
    with app.app_context():
        v = db.session.scalar(select(Record.version).where(Record.id == uuid.UUID(record_id)))
        db.session.remove()
        return v


def url_for(rule: str, world: World, record_id: str | None, author: str | None = None) -> str:
    values = {"<uuid:record_id>": record_id, "<int:operation_id>": str(world.operation_id),
              "<uuid:shift_id>": world.shifts.get(author), "<client_path:path>": "records/new",
              "<int:officer_id>": str(world.officers["colleague"].id)}
    url = rule
    for placeholder, value in values.items():
        if placeholder in url:
            url = url.replace(placeholder, value)
    assert "<" not in url, f"tests/security/test_access_matrix.py: give a value for {url}"
    return url


def body_for(rule: str, method: str, world: World, actor_role: str, record_id: str | None):
    if rule == "/api/auth/login":
        person = "officer" if actor_role == "anonymous" else actor_role
        return {"shoulder_number": world.officers[person].shoulder_number, "password": DEMO_PASSWORD}
    if rule == "/api/operations":
        return {"name": "Operation Matrix", "slug": f"matrix-{uuid.uuid4().hex[:8]}", "local_policing_area": "West",
                "target_areas": ["NN3"], "starts_on": "2026-01-01"}
    if rule == "/api/operations/<int:operation_id>":
        return {"description": f"Changed by {actor_role}"}
    if rule == "/api/records/<uuid:record_id>":
        return {"base_version": record_version(world.app, record_id), "notes": f"amended by {actor_role}"}
    if rule.endswith("/void"):
        return {"reason": "Logged twice by mistake"}
    if rule.endswith("/return"):
        return {"comment": "Please add the place", "base_version": record_version(world.app, record_id)}
    if rule.endswith("/verify"):
        return {"comment": "Checked", "base_version": record_version(world.app, record_id)}
    if rule == "/api/auth/password":
        return {"current_password": DEMO_PASSWORD, "new_password": "lantern-orchard-velvet-42"}
    if rule == "/api/admin/teams":
        return {"name": f"Matrix Team {uuid.uuid4().hex[:6]}"}
    if rule == "/api/admin/officers":
        return {"shoulder_number": f"PC{uuid.uuid4().int % 10**6}", "display_name": "PC Matrix", "role": "officer",
                "team": "West Team 2"}
    if rule == "/api/admin/officers/<int:officer_id>":
        return {"display_name": f"Renamed by {actor_role}"}
    if rule.endswith("/move"):
        return {"team": "West Team 3", "starts_on": date.today().isoformat()}
    if rule == "/api/admin/operations":
        return {"name": "Operation Matrix", "local_policing_area": "West", "target_areas": ["NN3"],
                "starts_on": "2026-01-01"}
    if rule == "/api/admin/operations/<int:operation_id>":
        return {"description": f"Changed by {actor_role}"}
    if rule == "/api/sync":
        return {"device_id": "matrix-phone", "records": [f.stop_search(world.operation_id)]}
    return {}


def call(client: ApiClient, method: str, url: str, body):
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, json=body) if method != "DELETE" else client.delete(url)


def intelligence_items(payload):
    """Every intelligence-log record anywhere in a JSON answer."""
    if isinstance(payload, dict):
        if payload.get("kind") == "intelligence_log" and "id" in payload:
            yield payload
        for k, v in payload.items():
            if k != "example":  # the OpenAPI document's made-up examples are no one's record
                yield from intelligence_items(v)
    elif isinstance(payload, list):
        for v in payload:
            yield from intelligence_items(v)


def check_restricted_fields(world: World, actor: str, resp, where: str) -> None:
    raw = resp.get_data(as_text=True)
    for rid, text in world.texts.items():
        author = world.author_of(rid)
        if text in raw:
            assert actor != "anonymous" and cleared_for_text(actor, author), \
                f"{where}: {actor} was sent the intelligence text of {author}'s log"
    if resp.is_json:
        for item in intelligence_items(resp.get_json()):
            author = world.author_of(item["id"])
            assert ("intelligence_text" in item) == cleared_for_text(actor, author), \
                f"{where}: intelligence_text shown={('intelligence_text' in item)} to {actor} for {author}'s log"
            if cleared_for_text(actor, author):
                assert "withheld" not in item and {"notes", "place", "latitude", "occurred_at"} <= set(item), where
            else:
                # Only what a count needs, and a list of what was left out so the app can say so.
                assert set(item) == COUNTABLE | {"withheld"}, f"{where}: {actor} got {sorted(set(item) - COUNTABLE)}"
                assert set(item["withheld"]) == SHOWN_WHEN_CLEARED, where


# What anyone who may see an intelligence log sees of it; the rest only with clearance.
COUNTABLE = {"id", "kind", "operation_id", "occurred_on", "area", "officer", "status", "version",
             "source_evaluation", "intelligence_assessment", "handling_code", "topics", "how_obtained"}
SHOWN_WHEN_CLEARED = {"intelligence_text", "notes", "place", "latitude", "longitude", "handling_conditions",
                      "occurred_at", "received_at", "updated_at", "shift_id", "review_comment", "void_reason"}


def about_one_thing(rule: str) -> bool:
    """About one record or one shift: the answer depends on whose it is."""
    return "<uuid:record_id>" in rule or "<uuid:shift_id>" in rule


def csv_rows(resp) -> list[list[str]]:
    return list(csv.reader(io.StringIO(resp.get_data().decode("utf-8-sig"))))


def check_export(world: World, actor: str, resp, where: str) -> None:
    """The role-restricted fields in the exports (the text itself is also looked for in every body by
    check_restricted_fields): the records CSV has an intelligence_text cell filled exactly where the
    viewer may read it, the column only for those who may read some; the police.uk CSV names no officer."""
    if resp.mimetype != "text/csv":
        return
    rows = csv_rows(resp)
    header, body = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
    if tuple(header) == POLICE_UK_CSV_HEADER:
        raw = resp.get_data(as_text=True)
        for person, officer in world.officers.items():
            for identity in (officer.shoulder_number, officer.display_name):
                assert identity not in raw, f"{where}: the police.uk CSV names {person} ({identity!r})"
        assert not {"officer", "officer_name", "team", "id"} & set(header), where
        return
    if "kind" not in header or "id" not in header:
        return  # a tally: counts, no record content
    intel = [r for r in body if r["kind"] == "intelligence_log"]
    # The column: cleared roles, and officers (whose export is only their own entries); admin never.
    assert ("intelligence_text" in header) == (role(actor) != "admin"), f"{where}: intelligence_text column"
    for r in intel:
        author = world.author_of(r["id"])
        cleared = actor != "anonymous" and cleared_for_text(actor, author)
        if "intelligence_text" in header:
            assert (r["intelligence_text"] == world.texts[r["id"]]) == cleared, \
                f"{where}: intelligence_text shown={not cleared} to {actor} for {author}'s log"
        withheld = {c for c, v in r.items() if v == "[withheld]"}
        assert withheld == (set() if cleared else set(header) & IntelligenceLog.SOURCE_REVEALING), where
        if not cleared:
            assert r["local_date"] and r["area"] == "NN3" and r["source_evaluation"] == "2", where  # still countable


def expectations(rule: str, method: str):
    """(role, relation, status) triples; relation None when the endpoint is not about one record or shift."""
    row = EXPECTED[(rule, method)]
    about_a_record = about_one_thing(rule)
    for r in ROLES:
        want = row[r]
        if not about_a_record:
            yield r, None, want
        elif isinstance(want, int):
            for relation in RELATIONS if r != "anonymous" else ("same_team",):
                if AUTHOR[r][relation] is not None:
                    yield r, relation, want
        else:
            for relation in RELATIONS:
                if want[relation] is not None:
                    yield r, relation, want[relation]


def test_every_endpoint_has_expectations_and_no_row_is_stale():
    served = {(rule, method) for rule, method, _ in ALL_ROUTES}
    missing = sorted(served - set(EXPECTED))
    stale = sorted(set(EXPECTED) - served)
    assert not missing, f"Endpoints without access expectations (add rows to EXPECTED): {missing}"
    assert not stale, f"Expectations for endpoints that no longer exist: {stale}"
    for key, row in EXPECTED.items():
        assert set(row) == set(ROLES), f"{key}: every role needs an expectation"


@pytest.mark.parametrize("rule,method", [(r, m) for r, m, _ in ALL_ROUTES], ids=[f"{m} {r}" for r, m, _ in ALL_ROUTES])
def test_access(rule, method, world, app):
    if (rule, method) not in EXPECTED:
        pytest.fail(f"No access expectations for {method} {rule}: add a row to EXPECTED in {__file__}")
    writes = method != "GET"
    failures = []
    for actor, relation, want in expectations(rule, method):
        record_id = author = None
        if relation is not None:
            author = AUTHOR[actor][relation]
            # A fresh record for each write, so one check never depends on another.
            record_id = world.log_intel(author) if writes else world.records[author][0]
        url = url_for(rule, world, record_id, author)
        body = body_for(rule, method, world, actor, record_id)
        before = fingerprint(app) if writes else None
        client = world.client(actor)
        resp = call(client, method, url, body)
        where = f"{method} {rule} as {actor}" + (f" on {relation} record" if relation else "")
        if resp.status_code != want:
            failures.append(f"{where}: {resp.status_code}, expected {want}: {resp.get_data(as_text=True)[:200]}")
            continue
        if want in ERROR_CODES:
            assert resp.is_json, where
            assert resp.get_json()["error"]["code"] == ERROR_CODES[want], (where, resp.get_json())
            if writes:
                assert fingerprint(app) == before, f"{where}: a refused write changed something"
        if resp.status_code < 300:
            check_restricted_fields(world, actor, resp, where)
            check_export(world, actor, resp, where)
        if rule == "/api/auth/logout" and resp.status_code == 200 and actor != "anonymous":
            assert client.get("/api/auth/me").status_code == 401
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("actor", [r for r in ROLES if r != "anonymous"])
def test_lists_hold_exactly_what_the_role_may_see(actor, world):
    client = world.client(actor)
    body = client.get("/api/records?per_page=200").get_json()
    got = {item["id"] for item in body["items"]}
    assert got == world.visible(actor)
    assert body["total"] == len(got)
    check_restricted_fields(world, actor, client.get("/api/records?per_page=200"), f"list as {actor}")
    # Filtering by another team's officer cannot widen the scope.
    other = world.officers["other_officer"].id
    got = {i["id"] for i in client.get(f"/api/records?officer={other}&per_page=200").get_json()["items"]}
    assert got == {rid for rid in world.records["other_officer"] if rid in world.visible(actor)}
    # The change feed: only one's own entries.
    changes = client.get("/api/sync/changes").get_json()
    assert {r["id"] for r in changes["records"]} == set(world.records.get(actor, []))


def test_intelligence_text_after_review_and_void_still_follows_the_rule(world):
    """Answers to writes carry the record too: the rule holds there as well."""
    rid = world.log_intel("officer")
    # The administrator, not cleared, is outside the chain of command: refused, and shown nothing.
    resp = world.client("admin").post(f"/api/records/{rid}/void", json={"reason": "Duplicate entry"})
    assert resp.status_code == 403 and "record" not in resp.get_json()["error"]
    check_restricted_fields(world, "admin", resp, "void as admin")
    for actor, path, body in (("sergeant", "verify", {"base_version": 1}),
                              ("inspector", "return", {"comment": "Add detail", "base_version": 2}),
                              ("officer", "void", {"reason": "Duplicate entry", "base_version": 3})):
        resp = world.client(actor).post(f"/api/records/{rid}/{path}", json=body)
        assert resp.status_code == 200, resp.get_json()
        check_restricted_fields(world, actor, resp, f"{path} as {actor}")
        assert "intelligence_text" in resp.get_json()["record"]
    for actor in ("officer", "colleague", "other_officer", "sergeant", "other_sergeant", "inspector", "analyst",
                  "admin"):
        resp = world.client(actor).get(f"/api/records/{rid}")
        check_restricted_fields(world, actor, resp, f"GET voided as {actor}")


def _n(world: World, actor: str, ids_by_author: dict) -> int:
    return sum(1 for author, ids in ids_by_author.items() for _ in ids if can_see(actor, author))


@pytest.mark.parametrize("actor", [r for r in ROLES if r != "anonymous"])
def test_tallies_and_exports_hold_exactly_what_the_role_may_see(actor, world):
    """Officer: own; sergeant: team; inspector, analyst, admin: everything; in every count and export."""
    client = world.client(actor)
    op = world.operation_id
    tally = client.get(f"/api/operations/{op}/tally").get_json()
    assert tally["totals"]["all"] == len(world.visible(actor))
    assert tally["totals"]["stop_search"] == _n(world, actor, world.searches)
    shifts = {i["id"] for i in client.get("/api/shifts").get_json()["items"]}
    assert shifts == {sid for author, sid in world.shifts.items() if can_see(actor, author)}
    resp = client.get("/api/exports/records.csv")
    assert resp.status_code == 200
    assert {r[0] for r in csv_rows(resp)[1:]} == world.visible(actor)
    check_export(world, actor, resp, f"records.csv as {actor}")
    resp = client.get(f"/api/exports/stop-searches.csv?operation={op}")
    if actor == "officer":
        assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "forbidden"
        return
    assert resp.status_code == 200
    assert len(csv_rows(resp)) - 1 == _n(world, actor, world.searches) > 0
    check_export(world, actor, resp, f"stop-searches.csv as {actor}")
    tally_csv = csv_rows(client.get(f"/api/operations/{op}/tally.csv?group_by=kind"))
    assert sum(int(r[-1]) for r in tally_csv[1:]) == len(world.visible(actor))
    html = client.get(f"/api/operations/{op}/briefing").get_data(as_text=True)
    assert f"{tally['totals']['intelligence_log']} intelligence logs" in html
    for text in world.texts.values():
        assert text not in html  # the briefing counts; it never quotes a record
