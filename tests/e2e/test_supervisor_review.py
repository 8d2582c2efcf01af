"""The sergeant's review names the version on screen: an entry edited after the card was drawn is not
verified unseen; the card shows the newer copy to check again."""
from __future__ import annotations

import uuid

from server.core.db import db
from server.records.models import Record
from tests import factories as f
from tests.conftest import DEMO_PASSWORD


def test_verifying_an_entry_edited_meanwhile_shows_the_newer_copy(app, phone_factory, make_officer, login_as,
                                                                   operation):
    officer = login_as("officer", team="West Team 2")
    sergeant = make_officer("sergeant", team="West Team 2", password=DEMO_PASSWORD)
    shift = f.shift(operation.id)
    arrest = f.arrest(operation.id, shift_id=shift["id"], notes="Detained at the corner shop")
    assert officer.sync(shifts=[shift], records=[arrest]).get_json()["records"][0]["status"] == "created"

    sgt = phone_factory()
    page = sgt.page
    sgt.goto("/")
    sgt.login(sergeant.shoulder_number, DEMO_PASSWORD)
    sgt.goto(f"/#/review/{shift['id']}")
    card = page.locator(f"li.review-item[data-id='{arrest['id']}']")
    card.get_by_text("Detained at the corner shop").wait_for()

    # The officer corrects the entry while the sergeant has it open.
    resp = officer.patch(f"/api/records/{arrest['id']}", {"base_version": 1, "notes": "Detained outside the shop"})
    assert resp.status_code == 200

    card.get_by_role("button", name="Verify").click()
    card.get_by_text("The officer changed this entry since you opened it").wait_for()
    assert "Detained outside the shop" in card.inner_text()
    with app.app_context():
        stored = db.session.get(Record, uuid.UUID(arrest["id"]))
        assert (stored.status, stored.version) == ("submitted", 2)
        db.session.remove()
    sgt.check_a11y("review-newer-copy")

    # Checked again, the newer copy is verified and leaves the queue.
    card.get_by_role("button", name="Verify").click()
    page.wait_for_function("() => !document.querySelector('li.review-item')")
    with app.app_context():
        stored = db.session.get(Record, uuid.UUID(arrest["id"]))
        assert (stored.status, stored.version) == ("verified", 3)
        db.session.remove()
    assert not sgt.errors, sgt.errors
