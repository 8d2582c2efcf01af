"""Who may see what: which records a user may view, edit, review or void, and which they are
listed, here in one file. An intelligence log reaches someone who may not read its text (admin, and
anyone else uncleared) only as what a count needs: never anything in IntelligenceLog.SOURCE_REVEALING.
Record answers, the history, sync and the exports all ask here. (Who may call an endpoint at all is
core/security.py.)"""
from __future__ import annotations

from sqlalchemy import and_, case, null, or_, select

from ..auth.models import Officer
from ..core.security import CLEARED_FOR_INTELLIGENCE, FORCE_WIDE, INSPECTOR, SERGEANT, SUPERVISORS
from ..core.timezone import local_date
from .models import AuditEntry, IntelligenceLog, Record

# ---- records: who may view, edit, review, void ------------------------------------

def can_view_record(user, record) -> bool:
    if user.role in FORCE_WIDE:
        return True
    if record.officer_id == user.id:
        return True
    if user.role == SERGEANT:  # the team it was logged under, as the team's tally counts it
        return user.team is not None and record.team == user.team
    return False


def can_read_intelligence_text(user, record) -> bool:
    """Intelligence text: its author, and cleared roles that may see the record."""
    if record.officer_id == user.id:
        return True
    return user.role in CLEARED_FOR_INTELLIGENCE and can_view_record(user, record)


def can_edit_record(user, record) -> bool:
    return record.officer_id == user.id


def can_review_record(user, record) -> bool:
    """Verify or return: a supervisor over the author's team, never one's own entry."""
    if user.role not in SUPERVISORS or record.officer_id == user.id:
        return False
    if user.role == INSPECTOR:
        return True
    return user.team is not None and record.team == user.team


def can_void_record(user, record) -> bool:
    """Its author, or the chain of command over them; not the administrator, who is outside it."""
    return can_edit_record(user, record) or can_review_record(user, record)


def scope_records(stmt, user, officer_model, record_model):
    """Restrict a SELECT over records to what the user may see."""
    if user.role in FORCE_WIDE:
        return stmt
    if user.role == SERGEANT and user.team:
        # The records logged under their team (what the team's tally counts), and their own.
        return stmt.where(or_(record_model.team == user.team, record_model.officer_id == user.id))
    return stmt.where(record_model.officer_id == user.id)


# ---- what of a record is withheld ------------------------------------------------------

NOTHING: frozenset[str] = frozenset()
WITHHELD = "[withheld]"
# Of an audit entry: when (the day is shown instead) and the supervisor's or voider's words.
AUDIT_WITHHELD = ("at", "comment")


def withheld_fields(record: Record, viewer) -> frozenset[str]:
    """The fields of `record` that `viewer` may not see (none, for anything but an uncleared intelligence log)."""
    if record.kind == "intelligence_log" and not can_read_intelligence_text(viewer, record):
        return IntelligenceLog.SOURCE_REVEALING
    return NOTHING


def withheld_rows(model, viewer):
    """withheld_fields as SQL, over rows `viewer` may view: the intelligence logs they may not read
    whole (someone uncleared, of a log not their own), or None when there can be none. Kept beside
    withheld_fields and can_read_intelligence_text so the two forms of the one rule stay together."""
    if viewer.role in CLEARED_FOR_INTELLIGENCE:
        return None
    return and_(model.kind == "intelligence_log", model.officer_id != viewer.id)


def listing_order(model, viewer, newest_first: bool = True) -> tuple:
    """ORDER BY for a list of records: by exact time, except that a log `viewer` may not read whole is
    placed by its day alone (after that day's other records, then by id): its place reveals no time."""
    withheld = withheld_rows(model, viewer)
    if withheld is None:
        return (model.occurred_at.desc() if newest_first else model.occurred_at, model.id)
    at = case((withheld, null()), else_=model.occurred_at)
    return (model.occurred_on.desc() if newest_first else model.occurred_on, case((withheld, 1), else_=0),
            at.desc() if newest_first else at, model.id)


def audit_view(entry: AuditEntry, hidden: frozenset[str]) -> AuditEntry | dict:
    """An audit entry as a viewer sees it: for a log they are not cleared for, that a withheld field
    changed but not its values, the day but not the time, and no comment."""
    if not hidden:
        return entry
    changes = None
    if entry.changes is not None:
        changes = {name: [WITHHELD, WITHHELD] if name in hidden else values
                   for name, values in entry.changes.items()}
    return {"id": entry.id, "on": local_date(entry.at), "actor": entry.actor, "action": entry.action,
            "version": entry.version, "changes": changes, "comment": None,
            "withheld": sorted(set(AUDIT_WITHHELD) | (set(entry.changes or ()) & hidden))}


# ---- Shifts -------------------------------------------------------------------------------------
# Who may review which shift, and whose records a shift's window and a tally count: an officer
# their own, a sergeant their team's, inspector, analyst and admin everyone's.

def _team_officer_ids(team: str):
    return select(Officer.id).where(Officer.team == team).scalar_subquery()


def can_view_shift(viewer: Officer, shift) -> bool:
    if viewer.role in FORCE_WIDE or shift.officer_id == viewer.id:
        return True
    return viewer.role == SERGEANT and viewer.team is not None and shift.officer.team == viewer.team


def scope_shifts(stmt, viewer: Officer, shift_model):
    """The shifts of `stmt` that `viewer` may review (by each officer's team today)."""
    if viewer.role in FORCE_WIDE:
        return stmt
    if viewer.role == SERGEANT and viewer.team:
        return stmt.where(shift_model.officer_id.in_(_team_officer_ids(viewer.team)))
    return stmt.where(shift_model.officer_id == viewer.id)


def scope_window(stmt, viewer: Officer, shift, officer_col):
    """The records in a shift's window that `viewer` reviews: a sergeant their team's; an inspector,
    analyst or admin those of the shift officer's team (or of the officer alone, without a team);
    an officer their own."""
    if viewer.role == SERGEANT and viewer.team:
        return stmt.where(officer_col.in_(_team_officer_ids(viewer.team)))
    if viewer.role in FORCE_WIDE:
        team = shift.officer.team
        if team:
            return stmt.where(officer_col.in_(_team_officer_ids(team)))
        return stmt.where(officer_col == shift.officer_id)
    return stmt.where(officer_col == viewer.id)


def scope_counted_records(stmt, viewer: Officer, team_col, officer_col):
    """The records a tally counts for `viewer`: a sergeant's team by the team each record was logged
    under (records.team, as the team counts are), so past figures stay put when an officer moves."""
    if viewer.role in FORCE_WIDE:
        return stmt
    if viewer.role == SERGEANT and viewer.team:
        return stmt.where(team_col == viewer.team)
    return stmt.where(officer_col == viewer.id)
