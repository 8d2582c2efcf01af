"""record_day_counts stays equal to a GROUP BY over records whatever writes them."""
from sqlalchemy import func, select, text

from server.core.db import db
from server.records.models import Record
from server.tallies.models import RecordDayCount
from tests import factories as f

from .week_counts import week_counts_agree

KEY = ("operation_id", "occurred_on", "kind", "area", "status")


def counts_agree(app):
    with app.app_context():
        t = Record.__table__
        expected = {tuple(r[:-1]): r[-1] for r in db.session.execute(
            select(*[t.c[k] for k in KEY], func.count()).group_by(*[t.c[k] for k in KEY]))}
        kept = {tuple(getattr(r, k) for k in KEY): r.n for r in db.session.scalars(select(RecordDayCount))}
        weeks_ok, _ = week_counts_agree()  # migration 0004 keeps the weeks from the days
        return expected == {k: n for k, n in kept.items() if n != 0} and weeks_ok, expected, kept


def test_the_triggers_are_installed(app):
    """A later migration that rebuilds `records` (SQLite batch mode) would drop them: this catches it."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = db.session.scalars(text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'records'::regclass AND NOT tgisinternal")).all()
        else:
            names = db.session.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'records'")).all()
    assert set(names) == {"records_day_counts_insert", "records_day_counts_update", "records_day_counts_delete",
                          # migration 0003: the per-team day counts
                          "records_team_day_counts_insert", "records_team_day_counts_update",
                          "records_team_day_counts_delete"}


def test_counts_follow_sync_review_void_and_edits(app, officer_client, colleague_client, sergeant_client,
                                                  operation):
    recs = [f.arrest(operation.id), f.stop_search(operation.id), f.intelligence_log(operation.id, area="NN5"),
            f.safeguarding_referral(operation.id)]
    officer_client.sync(records=recs)
    colleague_client.sync(records=[f.arrest(operation.id)])
    officer_client.sync(records=recs)  # a re-send changes nothing
    assert counts_agree(app)[0]
    sergeant_client.post(f"/api/records/{recs[0]['id']}/verify", {"base_version": 1})
    sergeant_client.post(f"/api/records/{recs[1]['id']}/return", {"comment": "Check the outcome", "base_version": 1})
    officer_client.post(f"/api/records/{recs[2]['id']}/void", {"reason": "Wrong operation"})
    officer_client.patch(f"/api/records/{recs[3]['id']}", {"base_version": 1, "area": "NN5",
                                                          "occurred_at": f.now_iso(60 * 30)})
    ok, expected, kept = counts_agree(app)
    assert ok, (expected, kept)
    assert sum(kept.values()) == 5
