"""The inspector's tally on a 360x640 phone says what it compares: the two counts the change is worked out
from, the comparison in words, and a comparison period chosen by name, which the exports carry too."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from server.core.db import db
from server.operations.models import Operation
from tests import factories as f
from tests.conftest import DEMO_PASSWORD
from tests.e2e.test_supervisor_phone import LONDON, fits, local, shot

TALLY_ANSWER = "async (q) => (await fetch(`/api/operations/${q.op}/tally?${q.query}`)).json()"


@pytest.fixture
def touch_phone(phone_factory):
    """The inspector's touch phone (tap events, mobile viewport)."""
    return phone_factory(color_scheme="light", touch=True)


def figure(page, kind: str, cell: str) -> int:
    return int(page.locator(f".kind-row[data-kind={kind}] .{cell} dd").inner_text())


def test_the_inspector_sees_what_is_compared_and_chooses_the_previous_month(app, touch_phone, login_as,
                                                                            operation):
    today = datetime.now(LONDON).date()
    with app.app_context():
        other = Operation(name="Operation Nightjar", slug="nightjar", local_policing_area="West",
                          target_areas=["NN5"], starts_on=today - timedelta(days=400), description="")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
        db.session.remove()
    officer_client = login_as("officer", team="West Team 2")
    days = [today - timedelta(days=n) for n in (1, 2, 20, 35, 70)]
    recs = [f.arrest(operation.id, occurred_at=local(d, 12).isoformat()) for d in days if d >= operation.starts_on]
    # In the operation's districts under another operation: counted when the comparison counts the districts.
    recs += [f.arrest(other_id, area="NN5", occurred_at=local(d, 14).isoformat()) for d in days]
    assert all(r["status"] == "created" for r in officer_client.sync([], recs).get_json()["records"])
    inspector = login_as("inspector", team=None).officer

    phone = touch_phone
    page = phone.page
    phone.open_and_login(inspector.shoulder_number, DEMO_PASSWORD)
    page.wait_for_selector(".comparison-description")
    assert page.evaluate("location.hash") == "#/tally"

    # Since launch against as many days before it: both sides count the districts, so "Now" is the
    # districts' count beside the operation's own total, and the change is worked out from Before and Now.
    start = operation.starts_on.isoformat()
    answer = page.evaluate(TALLY_ANSWER, {"op": operation.id,
                                          "query": f"from={start}&to={today}&compare=previous_period"})
    c = answer["comparison"]
    assert c["population"] == "districts" and c["current_totals"]["arrest"] > answer["totals"]["arrest"]
    assert page.locator(".comparison-description").inner_text() == c["description"]
    assert "every record in NN3 and NN5" in c["description"]
    assert figure(page, "arrest", "kind-total") == answer["totals"]["arrest"]
    assert figure(page, "arrest", "kind-before") == c["totals"]["arrest"]
    assert figure(page, "arrest", "kind-now") == c["current_totals"]["arrest"]
    assert page.locator(".kind-row[data-kind=arrest] .kind-change dd").inner_text() == c["change"]["arrest"]["label"]
    assert page.locator("label:has-text('Compare with') + select option:checked").inner_text() == "Same length just before"
    shot(phone, "tally-compared-before")
    fits(phone, "tally-compared-before")

    # The previous month: the period becomes this month from its 1st, the server is asked again, and its
    # description (the previous month, in words) is what the screen says.
    labels = page.eval_on_selector_all("label:has-text('Compare with') + select option", "os => os.map(o => o.textContent)")
    assert {"Same length before launch", "Previous month", "Previous week", "Same period last year"} <= set(labels)
    page.select_option("label:has-text('Compare with') + select", label="Previous month")
    first = today.replace(day=1).isoformat()
    assert page.input_value("label:has-text('From') + input") == first
    with page.expect_response(lambda r: "/tally?" in r.url and "compare=previous_month" in r.url) as asked:
        page.click("button:has-text('Show')")
    month = asked.value.json()["comparison"]
    page.wait_for_function("d => document.querySelector('.comparison-description')?.textContent === d",
                           arg=month["description"])
    assert month["rule"] == "previous_month" and "the previous month" in month["description"]
    previous_end = date.fromisoformat(first) - timedelta(days=1)
    assert month["period"] == {"from": previous_end.replace(day=1).isoformat(), "to": previous_end.isoformat()}
    assert figure(page, "arrest", "kind-now") == month["current_totals"]["arrest"]
    # The exports count the same comparison.
    for name in ("Tally (CSV)", "Briefing (printable)"):
        href = page.locator(f"a:has-text('{name}')").get_attribute("href")
        assert "compare=previous_month" in href and f"from={first}" in href, href
    shot(phone, "tally-compared-previous-month")
    fits(phone, "tally-compared-previous-month")

    # Counting only the operation's own entries, where the comparison period allows it.
    if month["population"] == "operation":
        page.select_option("label:has-text('Count, in both periods') + select", "districts")
        with page.expect_response(lambda r: "/tally?" in r.url and "population=districts" in r.url) as asked:
            page.click("button:has-text('Show')")
        districts = asked.value.json()["comparison"]
        page.wait_for_function("d => document.querySelector('.comparison-description')?.textContent === d",
                               arg=districts["description"])
        assert districts["population"] == "districts"
        assert "population=districts" in page.locator("a:has-text('Tally (CSV)')").get_attribute("href")
    assert not phone.errors, phone.errors
