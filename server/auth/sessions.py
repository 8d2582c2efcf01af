"""Cookie sessions backed by a server-side LoginSession row."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, request, session
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import update

from ..core.db import WRITE_METHODS, db, utcnow
from ..core.errors import ApiError
from ..core.seclog import security_event
from .models import LoginSession, Officer

login_manager = LoginManager()
# Phones change address all the time; revocable server sessions do the protecting.
login_manager.session_protection = None

LAST_SEEN_GRANULARITY = timedelta(seconds=60)


@login_manager.user_loader
def load_officer(session_id: str) -> Officer | None:
    ls = db.session.get(LoginSession, session_id)
    if ls is None or ls.ended_at is not None or not ls.officer.active:
        return None
    now = utcnow()
    cfg = current_app.config
    idle = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = timedelta(minutes=cfg["SESSION_ABSOLUTE_MINUTES"])
    if now - ls.last_seen_at > idle or now - ls.created_at > absolute:
        _end(ls.id)
        security_event("session_expired", officer=ls.officer_id,
                       reason="idle" if now - ls.last_seen_at > idle else "absolute")
        return None
    if now - ls.last_seen_at > LAST_SEEN_GRANULARITY:
        _bookkeeping(update(LoginSession).where(LoginSession.id == ls.id).values(last_seen_at=now))
    officer = ls.officer
    officer.login_session = ls
    return officer


@login_manager.unauthorized_handler
def _unauthorized():
    raise ApiError(401, "Log in first.", code="not_authenticated")


def _end(session_id: str) -> None:
    _bookkeeping(update(LoginSession).where(LoginSession.id == session_id).values(ended_at=utcnow()))


def _bookkeeping(stmt) -> None:
    """Write session bookkeeping in a short transaction of its own: a read request must not
    turn into a writer. But on SQLite a write request has already taken the database's write
    lock for its own transaction (BEGIN IMMEDIATE, core/db.py), so a second connection would
    wait for that lock until busy_timeout (30 s) and fail with a 503: there the statement goes
    into the request's own transaction, committed at once (nothing else has happened in it yet)."""
    if (has_request_context() and request.method in WRITE_METHODS
            and db.session.get_bind().dialect.name == "sqlite"):
        db.session.execute(stmt)
        db.session.commit()
        return
    with db.engine.begin() as conn:
        conn.execute(stmt)


def start_session(officer: Officer) -> LoginSession:
    # A fresh session id at every login: a planted cookie is worthless.
    session.clear()
    ls = LoginSession(officer_id=officer.id)
    db.session.add(ls)
    db.session.commit()
    officer.login_session = ls
    session.permanent = True
    login_user(officer)
    return ls


def end_session(officer: Officer) -> None:
    if officer.login_session is not None:
        officer.login_session.ended_at = utcnow()
        db.session.commit()
    logout_user()
    session.clear()
