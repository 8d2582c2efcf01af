from __future__ import annotations

import secrets
from datetime import datetime

from argon2 import PasswordHasher
from flask import current_app, has_app_context
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, db, utcnow

_HASHERS: dict[tuple[int, int, int], tuple[PasswordHasher, str]] = {}


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    """The hasher with the configured Argon2 parameters, and a hash verified against when the shoulder
    number is unknown (made with the same parameters, so both paths cost the same)."""
    cfg = current_app.config if has_app_context() else {}
    params = (int(cfg.get("ARGON2_TIME_COST", 3)), int(cfg.get("ARGON2_MEMORY_COST", 65536)),
              int(cfg.get("ARGON2_PARALLELISM", 4)))
    if params not in _HASHERS:
        hasher = PasswordHasher(time_cost=params[0], memory_cost=params[1], parallelism=params[2])
        _HASHERS[params] = (hasher, hasher.hash("beatbook-timing-equaliser"))
    return _HASHERS[params]


def _hasher() -> PasswordHasher:
    return _hasher_and_dummy()[0]
# Not an argon2 hash: verify refuses every password against it.
NO_PASSWORD = "!no-local-password"


class Officer(db.Model):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shoulder_number: Mapped[str] = mapped_column(String(16), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set by an administrator's reset: until the officer chooses their own, only changing it is allowed.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    password_hash: Mapped[str] = mapped_column(String(255))
    # The identity provider's stable id for the person (Entra ID's oid), set at their first sign-in
    # through it; never the email, which changes and is reassigned.
    provider_object_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher().hash(password)

    def set_no_password(self) -> None:
        """For an officer who signs in only through the identity provider: no password matches."""
        self.password_hash = NO_PASSWORD

    def check_password(self, password: str) -> bool:
        try:
            ok = _hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return ok

    def needs_rehash(self) -> bool:
        """The stored hash was made with other Argon2 parameters than today's."""
        try:
            return _hasher().check_needs_rehash(self.password_hash)
        except InvalidHashError:
            return True

    @staticmethod
    def burn_password_check(password: str) -> None:
        try:
            hasher, dummy = _hasher_and_dummy()
            hasher.verify(dummy, password)
        except VerificationError:
            pass

    def __repr__(self) -> str:
        return f"<Officer {self.shoulder_number} {self.role}>"


class LoginSession(db.Model):
    """A server-side session: revocable, with idle and absolute timeouts."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=lambda: secrets.token_urlsafe(32))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    officer: Mapped[Officer] = relationship(lazy="joined")
