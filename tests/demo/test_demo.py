from sqlalchemy import func, select

from server.admin.models import Team, TeamMembership
from server.core.db import db
from server.operations.models import Operation
from server.records.models import Record, Shift
from tests.conftest import ApiClient


def test_the_demo_reproduces_operation_revives_published_totals(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["load-demo"])
    assert result.exit_code == 0, result.output
    assert "77 intelligence logs, 9 arrests, 17 safeguarding referrals, 14 stop searches" in result.output
    logins = runner.invoke(args=["demo-logins"]).output
    assert "PS1401" in logins and "PC2201" in logins and "revive-demo-2026" in logins
    with app.app_context():
        revive = db.session.scalar(select(Operation).where(Operation.slug == "revive"))
        assert revive.local_policing_area == "West" and revive.target_areas == ["NN3", "NN5"]
        assert (revive.starts_on.month, revive.starts_on.day) == (1, 1)
        rows = db.session.execute(select(Record.kind, func.count()).where(
            Record.operation_id == revive.id, Record.status != "voided",
            Record.occurred_on >= revive.starts_on).group_by(Record.kind)).all()
        assert dict(rows) == {"intelligence_log": 77, "arrest": 9, "safeguarding_referral": 17, "stop_search": 14}
        areas = set(db.session.scalars(select(Record.area).where(Record.operation_id == revive.id)))
        assert areas == {"NN3", "NN5"}
        shifts = db.session.scalar(select(func.count(func.distinct(Record.shift_id))).where(
            Record.operation_id == revive.id))
        assert shifts >= 20
        officers = db.session.scalar(select(func.count(func.distinct(Record.officer_id))).where(
            Record.operation_id == revive.id))
        assert officers >= 4
        baseline = db.session.scalar(select(Operation).where(Operation.slug == "west-routine-before-revive"))
        assert baseline.ends_on < revive.starts_on
        assert db.session.scalar(select(func.count()).select_from(Record).where(
            Record.operation_id == baseline.id, Record.kind == "safeguarding_referral")) == 6
        assert db.session.scalar(select(func.count()).select_from(Shift)) > 0
        # The demo's teams are teams the administrator can pick, and each officer's membership is recorded.
        assert list(db.session.scalars(select(Team.name).order_by(Team.name))) == ["West Team 2", "West Team 3"]
        assert db.session.scalar(select(func.count()).select_from(TeamMembership)) == 8

    # Running it again with --if-empty (as make run does) changes nothing.
    again = runner.invoke(args=["load-demo", "--if-empty"])
    assert again.exit_code == 0 and "already loaded" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Operation).where(Operation.slug == "revive")) == 1

    client = ApiClient(app)
    assert client.login("PS1401", "revive-demo-2026").status_code == 200
    assert client.get("/api/records?per_page=1").get_json()["total"] > 0


def test_the_readme_says_how_the_demo_figure_relates_to_the_published_one(app):
    """The README quotes the demo's comparison as the tally computes it, and the force's rounded figure."""
    import re
    from pathlib import Path
    runner = app.test_cli_runner()
    assert runner.invoke(args=["load-demo"]).exit_code == 0
    client = ApiClient(app)
    assert client.login("INSP301", "revive-demo-2026").status_code == 200
    with app.app_context():
        revive = db.session.scalar(select(Operation.id).where(Operation.slug == "revive"))
        routine = db.session.scalar(select(Operation).where(Operation.slug == "west-routine-before-revive"))
        assert routine.is_policing_operation is False
    change = client.get(f"/api/operations/{revive}/tally?compare=before_launch").get_json()["comparison"]["change"]
    safeguarding = change["safeguarding_referral"]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**The demo's figure.**"):]
    section = " ".join(section[:section.index("\n\n")].split())
    assert f"{safeguarding['previous']} -> {safeguarding['current']}" in section
    assert f"\"safeguarding referrals {safeguarding['label']}\"" in section
    assert f"({safeguarding['change_percent']}%)" in section
    published = int(re.search(r"up (\d+) percent", section).group(1))
    assert published == round(safeguarding["change_percent"], -1) == 180  # the published figure, rounded
    assert "compare=before_launch" in section


def test_create_officer_and_operation_commands(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-officer", "--shoulder-number", "pc9001", "--name", "PC New",
                                 "--role", "officer", "--team", "West Team 2", "--password", "long-enough-pass"])
    assert result.exit_code == 0, result.output
    assert ApiClient(app).login("PC9001", "long-enough-pass").status_code == 200
    dup = runner.invoke(args=["create-officer", "--shoulder-number", "PC9001", "--name", "X", "--password",
                              "long-enough-pass"])
    assert dup.exit_code != 0 and "already taken" in dup.output
    result = runner.invoke(args=["create-operation", "--name", "Operation Test", "--slug", "test-op", "--lpa",
                                 "East", "--areas", "NN8,nn9", "--starts", "2026-03-01"])
    assert result.exit_code == 0, result.output
    routine = runner.invoke(args=["create-operation", "--name", "Routine", "--slug", "routine", "--lpa", "East",
                                  "--areas", "NN8", "--starts", "2026-03-01", "--routine"])
    assert routine.exit_code == 0, routine.output
    with app.app_context():
        flags = dict(db.session.execute(select(Operation.slug, Operation.is_policing_operation)).all())
    assert flags == {"test-op": True, "routine": False}
    bad = runner.invoke(args=["create-operation", "--name", "X", "--slug", "x", "--lpa", "East", "--areas",
                              "Wellingborough", "--starts", "2026-03-01"])
    assert bad.exit_code != 0 and "target_areas" in bad.output
