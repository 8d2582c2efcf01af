"""Fixtures for administration tests: the teams the usual officers belong to."""
from __future__ import annotations

import pytest

from server.admin.models import Team
from server.core.db import db


@pytest.fixture
def teams(app):
    with app.app_context():
        db.session.add_all([Team(name="West Team 2"), Team(name="West Team 3")])
        db.session.commit()
    return ["West Team 2", "West Team 3"]


def new_officer(admin, teams=None, **kw) -> dict:
    body = {"shoulder_number": "PC2401", "display_name": "PC Jo Bloggs", "role": "officer", "team": "West Team 2"}
    body.update(kw)
    resp = admin.post("/api/admin/officers", json=body)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()
