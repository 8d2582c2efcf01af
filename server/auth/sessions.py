"""Cookie sessions backed by a server-side LoginSession row."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app, session
from flask_login import LoginManager, login_user, logout_user
from sqlalchemy import bindparam, select, update

from ..core.db import core_execute, db, utcnow
from ..core.errors import ApiError
from ..core.seclog import security_event
from ..core.writer_queue import start_reading, write_apart
from .models import LoginSession, Officer

log = logging.getLogger(__name__)
login_manager = LoginManager()
# Phones change address all the time; revocable server sessions do the protecting.
login_manager.session_protection = None

# last_seen_at is written when it is this stale, not on every request (a write per request would
# make every read a writer): at most a minute, and at most a tenth of the idle timeout, so a session
# used more often than nine tenths of the idle timeout is never taken for idle, whatever it is.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)
LAST_SEEN_FRACTION = 10


def last_seen_granularity(idle: timedelta) -> timedelta:
    return min(LAST_SEEN_GRANULARITY, idle / LAST_SEEN_FRACTION)


class SignedInOfficer:
    """The officer a request runs as, read once per request by one query.

    A plain snapshot, not the ORM Officer: nothing about it expires when the request
    commits, so reading current_user.id afterwards (the request log, a second step)
    never costs another query and another transaction."""

    __slots__ = ("id", "shoulder_number", "display_name", "role", "team", "active", "must_change_password",
                 "session_id", "csrf_token")
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, **values):
        for name in self.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name, value):
        raise AttributeError("a signed-in officer is read-only")

    def get_id(self) -> str:
        return self.session_id

    def __repr__(self) -> str:
        return f"<SignedInOfficer {self.shoulder_number} {self.role}>"

    @classmethod
    def of(cls, officer: Officer, ls: LoginSession) -> "SignedInOfficer":
        return cls(id=officer.id, shoulder_number=officer.shoulder_number, display_name=officer.display_name,
                   role=officer.role, team=officer.team, active=officer.active,
                   must_change_password=officer.must_change_password, session_id=ls.id, csrf_token=ls.csrf_token)


_SESSION_QUERY = (
    select(LoginSession.id, LoginSession.csrf_token, LoginSession.created_at, LoginSession.last_seen_at,
           LoginSession.ended_at, Officer.id.label("officer_id"), Officer.shoulder_number, Officer.display_name,
           Officer.role, Officer.team, Officer.active, Officer.must_change_password)
    .join(Officer, Officer.id == LoginSession.officer_id)
    .where(LoginSession.id == bindparam("session_id")))


@login_manager.user_loader
def load_officer(session_id: str) -> SignedInOfficer | None:
    if not isinstance(session_id, str) or len(session_id) > 64:
        return None
    # On SQLite a write request checks the session before it queues to write; the read phase
    # ends before the view or in it (core/writer_queue.py).
    start_reading()
    row = core_execute(_SESSION_QUERY, {"session_id": session_id}).first()
    if row is None or row.ended_at is not None or not row.active:
        return None
    now = utcnow()
    cfg = current_app.config
    idle = timedelta(minutes=cfg["SESSION_IDLE_MINUTES"])
    absolute = timedelta(minutes=cfg["SESSION_ABSOLUTE_MINUTES"])
    if now - row.last_seen_at > idle or now - row.created_at > absolute:
        _end(row.id)
        security_event("session_expired", officer=row.officer_id,
                       reason="idle" if now - row.last_seen_at > idle else "absolute")
        return None
    if now - row.last_seen_at > last_seen_granularity(idle):
        _bookkeeping(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
    return SignedInOfficer(id=row.officer_id, shoulder_number=row.shoulder_number, display_name=row.display_name,
                           role=row.role, team=row.team, active=row.active,
                           must_change_password=row.must_change_password, session_id=row.id,
                           csrf_token=row.csrf_token)


@login_manager.unauthorized_handler
def _unauthorized():
    raise ApiError(401, "Log in first.", code="not_authenticated")


def _end(session_id: str) -> None:
    _bookkeeping(update(LoginSession).where(LoginSession.id == session_id).values(ended_at=utcnow()))


def _bookkeeping(stmt) -> None:
    """Session bookkeeping, written apart from the request: a read request must not turn into a writer."""
    busy = write_apart(stmt)
    if busy is not None:
        # The write lock is held elsewhere (a backup) past the write wait: a read is still served;
        # the next request records when the session was seen.
        log.warning("session bookkeeping skipped: %s", type(busy.orig).__name__ if busy.orig else busy)


def start_session(officer: Officer) -> SignedInOfficer:
    # A fresh session id at every login: a planted cookie is worthless.
    session.clear()
    ls = LoginSession(officer_id=officer.id)
    db.session.add(ls)
    db.session.flush()
    signed_in = SignedInOfficer.of(officer, ls)
    db.session.commit()
    session.permanent = True
    login_user(signed_in)
    return signed_in


def end_session(officer: SignedInOfficer) -> None:
    db.session.execute(update(LoginSession).where(LoginSession.id == officer.session_id, LoginSession.ended_at.is_(None))
                       .values(ended_at=utcnow()))
    db.session.commit()
    logout_user()
    session.clear()


def end_other_sessions(officer_id: int, keep: str | None = None) -> int:
    """End the officer's open sessions but one (None: all): the next request with one is 401."""
    stmt = update(LoginSession).where(LoginSession.officer_id == officer_id, LoginSession.ended_at.is_(None))
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep)
    return db.session.execute(stmt.values(ended_at=utcnow())).rowcount
