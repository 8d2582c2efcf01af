"""The demo operation's numbers, as the briefing will read them, in every view."""
import csv
import io
import re

import pytest
from sqlalchemy import select

from server.core.db import db
from server.operations.models import Operation

DEMO_PASSWORD = "revive-demo-2026"
REVIVE = {"intelligence_log": 77, "arrest": 9, "safeguarding_referral": 17, "stop_search": 14}
HEADLINE = "77 intelligence logs, 9 arrests, 17 safeguarding referrals and 14 stop searches since launch"


@pytest.fixture
def demo(app):
    with app.app_context():  # the command is a plain click command: it needs the app's context
        result = app.test_cli_runner().invoke(args=["load-demo"])
        assert result.exit_code == 0, result.output
        db.session.remove()
    with app.app_context():
        return db.session.scalar(select(Operation.id).where(Operation.slug == "revive"))


def demo_client(app, shoulder_number):
    from tests.conftest import ApiClient
    client = ApiClient(app)
    assert client.login(shoulder_number, DEMO_PASSWORD).status_code == 200
    return client


def test_demo_tally_since_launch_reads_77_9_17_14_and_safeguarding_up_183(app, demo):
    inspector = demo_client(app, "INSP301")
    resp = inspector.get(f"/api/operations/{demo}/tally?group_by=kind,area,week&compare=previous")
    body = resp.get_json()
    assert resp.status_code == 200, body
    totals = body["totals"]
    assert {k: totals[k] for k in REVIVE} == REVIVE
    assert totals["all"] == 117
    assert body["headline"] == HEADLINE
    assert sum(g["count"] for g in body["groups"]) == 117
    assert {g["area"] for g in body["groups"]} == {"NN3", "NN5"}
    safeguarding = body["comparison"]["change"]["safeguarding_referral"]
    assert safeguarding == {"previous": 6, "current": 17, "change_percent": 183.3, "label": "up 183%"}
    assert body["comparison"]["totals"]["safeguarding_referral"] == 6
    # the rule: as many days just before launch, every record in NN3 and NN5 on both sides
    comparison = body["comparison"]
    assert (comparison["rule"], comparison["population"], comparison["daily_rate"]) == (
        "previous_period", "districts", False)
    assert comparison["description"].endswith(
        "both periods count every record in NN3 and NN5, whatever the operation. Voided records never count.")
    named = inspector.get(f"/api/operations/{demo}/tally?compare=before_launch").get_json()["comparison"]
    assert named["change"] == comparison["change"] and named["period"] == comparison["period"]
    # the default period is launch .. today, and the comparison the same length just before
    period, previous = body["period"], body["comparison"]["period"]
    assert period["from"] == body["operation"]["starts_on"]
    from datetime import date
    days = (date.fromisoformat(period["to"]) - date.fromisoformat(period["from"])).days
    assert (date.fromisoformat(previous["to"]) - date.fromisoformat(previous["from"])).days == days
    assert (date.fromisoformat(period["from"]) - date.fromisoformat(previous["to"])).days == 1


@pytest.mark.parametrize("who", ["INSP301", "AN401", "ADMIN1"])
def test_force_wide_roles_see_the_same_totals(app, demo, who):
    body = demo_client(app, who).get(f"/api/operations/{demo}/tally").get_json()
    assert {k: body["totals"][k] for k in REVIVE} == REVIVE


def test_demo_tally_csv_says_the_same_numbers(app, demo):
    inspector = demo_client(app, "INSP301")
    resp = inspector.get(f"/api/operations/{demo}/tally.csv?group_by=kind,area")
    assert resp.status_code == 200
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    by_kind = {}
    for row in rows:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + int(row["count"])
    assert by_kind == {"Intelligence log": 77, "Arrest": 9, "Safeguarding referral": 17, "Stop search": 14}
    json_groups = inspector.get(f"/api/operations/{demo}/tally?group_by=kind,area").get_json()["groups"]
    assert [int(r["count"]) for r in rows] == [g["count"] for g in json_groups]


def test_demo_briefing_says_the_same_numbers(app, demo):
    inspector = demo_client(app, "INSP301")
    resp = inspector.get(f"/api/operations/{demo}/briefing")
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/html")
    html = resp.get_data(as_text=True)
    assert HEADLINE in html
    for kind, n in REVIVE.items():
        assert f'data-kind="{kind}">{n}<' in html
    assert "safeguarding referrals up 183%" in html
    assert "<svg" in html and "<script" not in html and "style=" not in html
    assert re.search(r'<link rel="stylesheet" href="/api/exports/briefing.css">', html)
    css = inspector.get("/api/exports/briefing.css")
    assert css.status_code == 200 and css.content_type.startswith("text/css") and b"@media print" in css.data


def test_demo_sergeant_sees_only_their_team(app, demo):
    team2 = demo_client(app, "PS1401").get(f"/api/operations/{demo}/tally?group_by=team").get_json()
    team3 = demo_client(app, "PS1402").get(f"/api/operations/{demo}/tally?group_by=team").get_json()
    assert {g["team"] for g in team2["groups"]} <= {"West Team 2"}
    assert {g["team"] for g in team3["groups"]} <= {"West Team 3"}
    for kind in REVIVE:
        assert team2["totals"][kind] + team3["totals"][kind] == REVIVE[kind]
