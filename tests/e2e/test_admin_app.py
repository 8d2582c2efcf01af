"""A force sets Beatbook up from the browser: from a fresh database the administrator creates a team,
two officers and an operation; one of those officers signs in on a phone, chooses their own password in
place of the one-time one, and logs an entry that reaches the server."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from server.auth.models import Officer
from server.core.db import db
from server.records.models import Record
from tests.conftest import DEMO_PASSWORD
from tests.e2e.conftest import PHONE, fill_entry

NEW_PASSWORD = "lantern-orchard-velvet-42"


def create_officer(page, number: str, name: str, role: str, team: str) -> str:
    form = page.locator("form.officer-form")
    form.locator("input[name=shoulder_number]").fill(number)
    form.locator("input[name=display_name]").fill(name)
    form.locator("select[name=role]").select_option(role)
    form.locator("select[name=team]").select_option(team)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#one-time-password >> xpath=.. >> text={number}")
    password = page.locator("#one-time-password").inner_text().strip()
    page.wait_for_selector(f"li.roster-item[data-officer={number}]")
    return password


def test_the_admin_sets_up_a_team_and_an_officer_logs_an_entry_on_a_phone(app, phone_factory, make_officer):
    with app.app_context():  # a fresh database: nothing but the administrator `create-officer` made
        assert db.session.scalar(select(func.count()).select_from(Officer)) == 0
        db.session.remove()
    admin = make_officer("admin", team=None, password=DEMO_PASSWORD)

    desk = phone_factory()
    desk.context.pages[0].set_viewport_size({"width": 1024, "height": 800})
    page = desk.page
    desk.goto("/")
    page.wait_for_selector("form.login")
    desk.login(admin.shoulder_number, DEMO_PASSWORD)
    page.click("#nav-admin")
    page.wait_for_selector("form.officer-form")

    # A team, a bad officer refused naming the field, then two officers
    page.click("#admin-tab-teams")
    page.fill("form.team-form input[name=name]", "North Team 1")
    page.click("form.team-form button[type=submit]")
    page.wait_for_selector("ul.teams li:has-text('North Team 1')")
    desk.shot("admin-01-teams")
    page.click("#admin-tab-officers")
    page.wait_for_selector("form.officer-form select[name=team] option[value='North Team 1']", state="attached")
    form = page.locator("form.officer-form")
    form.locator("input[name=shoulder_number]").fill("24-01!")
    form.locator("input[name=display_name]").fill("PC Jo Bloggs")
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".field[data-field=shoulder_number].has-error")
    assert "letters then digits" in page.locator(".field[data-field=shoulder_number] .field-error").inner_text()
    create_officer(page, "PS1501", "Sgt Kim Lowe", "sergeant", "North Team 1")
    one_time = create_officer(page, "PC2501", "PC Jo Bloggs", "officer", "North Team 1")
    desk.shot("admin-02-officers")

    # An operation, with a district that is not one refused first
    page.click("#admin-tab-operations")
    op = page.locator("form.operation-form")
    op.locator("input[name=name]").fill("Operation Kestrel")
    op.locator("input[name=local_policing_area]").fill("North")
    op.locator("input[name=target_areas]").fill("NN3, Northampton")
    op.locator("input[name=starts_on]").fill((date.today() - timedelta(days=1)).isoformat())
    op.locator("button[type=submit]").click()
    page.wait_for_selector(".field[data-field=target_areas].has-error")
    op.locator("input[name=target_areas]").fill("NN3, NN5")
    op.locator("button[type=submit]").click()
    page.wait_for_selector("ul.operations li[data-operation=kestrel]")
    desk.shot("admin-03-operations")
    page.click("#admin-tab-audit")
    page.wait_for_selector("ul.audit li:has-text('opened operation')")
    assert page.locator("ul.audit li").count() == 4  # a team, two officers, an operation
    assert one_time not in page.inner_text("body")  # the one-time password is shown once, then never

    # The officer, on a phone, with the one-time password
    pc = phone_factory()
    assert pc.page.viewport_size == PHONE
    p = pc.page
    pc.goto("/")
    p.wait_for_selector("form.login")
    pc.login("PC2501", one_time)
    p.wait_for_selector("#must-change")
    pc.shot("admin-04-choose-password")
    p.goto(pc.base + "/#/today")  # nothing else until the password is changed
    p.wait_for_selector("#must-change")
    p.fill("form.password-form input[name=current_password]", one_time)
    p.fill("form.password-form input[name=new_password]", "password1234")
    p.fill("form.password-form input[name=repeat]", "password1234")
    p.click("form.password-form button[type=submit]")
    p.wait_for_selector(".field[data-field=new_password].has-error")
    assert "guess" in p.locator(".field[data-field=new_password] .field-error").inner_text()
    p.fill("form.password-form input[name=new_password]", NEW_PASSWORD)
    p.fill("form.password-form input[name=repeat]", NEW_PASSWORD)
    p.click("form.password-form button[type=submit]")
    p.wait_for_selector("a.big-button")
    fill_entry(p, "stop_search", "first entry under Operation Kestrel")
    p.wait_for_selector("#unsent-count[data-count='0']", timeout=30_000)
    pc.shot("admin-05-officer-home")
    with app.app_context():
        officer = db.session.scalar(select(Officer).where(Officer.shoulder_number == "PC2501"))
        records = db.session.scalars(select(Record).where(Record.officer_id == officer.id)).all()
        assert officer.must_change_password is False
        assert [(r.team, r.notes) for r in records] == [("North Team 1", "first entry under Operation Kestrel")]
        db.session.remove()
    assert not pc.errors and not desk.errors, pc.errors + desk.errors
