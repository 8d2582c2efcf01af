"""Who may read and change the roster: the administrator everything; a sergeant reads their own
team's roster; nobody else."""
from __future__ import annotations

from ..core.security import ADMIN, SERGEANT

ADMINISTRATORS = frozenset({ADMIN})
ROSTER_READERS = frozenset({ADMIN, SERGEANT})


def scope_roster(stmt, user, officer_model):
    """Restrict a SELECT over officers to the ones the user may see."""
    if user.role == ADMIN:
        return stmt
    if user.role == SERGEANT and user.team:
        return stmt.where(officer_model.team == user.team)
    return stmt.where(officer_model.id.is_(None))  # sees nobody


def can_view_officer(user, officer) -> bool:
    if user.role == ADMIN:
        return True
    return user.role == SERGEANT and user.team is not None and officer.team == user.team
