"""Rate limits: login throttling, and a cap on requests without a session.

Logins are counted per account (the shoulder number tried) and per address, in Redis when
REDIS_URL is set so every gunicorn worker shares the count (production requires it), in
memory otherwise (development, tests), and in each worker's memory while Redis is unreachable.

Each attempt is counted before its password is checked, in one atomic step per limit (the
moving window's check-and-add is one Lua script in Redis): parallel guesses can never get
more than the limit evaluated, as a count made after the answer allowed (16 parallel guesses
had 102 evaluated against 100). A successful login then gives its count back, so only failures
use up the budget: a station's shared address at shift change, or an officer who finally
types the right password, is never slowed down. Once an account or address has used up its
failures, every login attempt on it is refused with 429 and Retry-After until the window moves on.

Requests without a session (anyone on the internet) are also limited per address
(ANON_LIMIT_PER_ADDRESS, generous: phones behind one station address log in together),
before their body is read: an anonymous request must stay cheap.
"""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, request, session
from flask_login import current_user
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from .errors import ApiError
from .security import is_public_request
from .seclog import security_event

log = logging.getLogger(__name__)

ACCOUNT_MESSAGE = "Too many failed logins for this shoulder number; try again later."
ADDRESS_MESSAGE = "Too many failed logins from this address; try again later."
ANON_MESSAGE = "Too many requests without a session from this address; try again later."
# After Redis failed, use this worker's memory for a while before trying Redis again.
STORAGE_RETRY_SECONDS = 30


def account_key(shoulder_number: str) -> str:
    """The shoulder number tried, normalised as login does."""
    return "account:" + shoulder_number.strip().upper()[:16]


def address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


class Throttle:
    """Moving-window counters with an atomic hit, a refund, and an in-memory fallback."""

    def __init__(self, storage, prefix: str, strategy=MovingWindowRateLimiter):
        self.prefix = prefix
        self.storage = storage
        self.primary = strategy(storage)
        self.fallback_storage = MemoryStorage()
        self.fallback = strategy(self.fallback_storage)
        self._dead_until = 0.0

    def _pick(self):
        if time.monotonic() < self._dead_until:
            return self.fallback, self.fallback_storage
        return self.primary, self.storage

    def _run(self, action):
        strategy, storage = self._pick()
        try:
            return action(strategy, storage)
        except Exception as exc:  # Redis unreachable: count in this worker's memory meanwhile
            if strategy is self.fallback:
                raise
            log.warning("rate limit storage unreachable (%s); counting in memory", type(exc).__name__)
            self._dead_until = time.monotonic() + STORAGE_RETRY_SECONDS
            return action(self.fallback, self.fallback_storage)

    def hit(self, item: RateLimitItem, *ids: str) -> bool:
        """Count one attempt if the limit allows it (check and count are one step)."""
        return self._run(lambda strategy, _: strategy.hit(item, self.prefix, *ids))

    def refund(self, item: RateLimitItem, *ids: str) -> None:
        """Give back one counted attempt (the latest)."""
        key = item.key_for(self.prefix, *ids)

        def give_back(_, storage):
            if isinstance(storage, RedisStorage):
                storage.get_connection().lpop(storage.prefixed_key(key))
            elif isinstance(storage, MemoryStorage):
                with storage.locks[key]:
                    events = storage.events.get(key)
                    if events:
                        events.pop(0)
        self._run(give_back)

    def retry_after(self, item: RateLimitItem, *ids: str) -> int:
        """Seconds until the window lets one more attempt through."""
        try:
            reset_at = self._run(lambda strategy, _: strategy.get_window_stats(item, self.prefix, *ids).reset_time)
        except Exception:  # noqa: BLE001  (storage unreachable: a safe guess)
            return 60
        return max(1, math.ceil(reset_at - time.time()))

    def reset(self) -> None:
        self._run(lambda _, storage: storage.reset())
        self.fallback_storage.reset()


def _throttle() -> Throttle:
    return current_app.extensions["beatbook_throttle"]


def _refuse(throttle: Throttle, item: RateLimitItem, message: str, ids: tuple[str, ...], event: str) -> ApiError:
    security_event(event, logging.WARNING, limit=str(item), key=ids[-1])
    return ApiError(429, message, code="too_many_requests",
                    headers={"Retry-After": str(throttle.retry_after(item, *ids))})


class LoginAttempt:
    """One login attempt, counted against both limits before the password is checked."""

    def __init__(self, counted: list[tuple[RateLimitItem, tuple[str, ...]]]):
        self.counted = counted

    def succeeded(self) -> None:
        """Only failures use up the budget: give the counts back."""
        for item, ids in self.counted:
            _throttle().refund(item, *ids)
        self.counted = []


def count_login_attempt(shoulder_number: str) -> LoginAttempt:
    """Count the attempt per account and per address, or refuse it with 429 (nothing counted)."""
    cfg = current_app.config
    throttle = _throttle()
    limits = ((parse(cfg["LOGIN_LIMIT_PER_ACCOUNT"]), ("login-account", account_key(shoulder_number)), ACCOUNT_MESSAGE),
              (parse(cfg["LOGIN_LIMIT_PER_ADDRESS"]), ("login-address", address_key()), ADDRESS_MESSAGE))
    counted: list[tuple[RateLimitItem, tuple[str, ...]]] = []
    for item, ids, message in limits:
        if not throttle.hit(item, *ids):
            LoginAttempt(counted).succeeded()  # not evaluated: the other limit's count goes back
            raise _refuse(throttle, item, message, ids, "login_throttled")
        counted.append((item, ids))
    return LoginAttempt(counted)


def limit_anonymous_requests() -> None:
    """before_request: an API request without a session counts against ANON_LIMIT_PER_ADDRESS
    (checked before the access policy and before any body is read)."""
    if not request.path.startswith("/api/"):
        return
    # A signed-in request to a view that needs a session loads it anyway (the access policy);
    # a public view never loads it here (the OpenAPI document answers with the database down).
    if "_user_id" in session and not is_public_request() and current_user.is_authenticated:
        return
    item = parse(current_app.config["ANON_LIMIT_PER_ADDRESS"])
    ids = ("anonymous", address_key())
    throttle = current_app.extensions["beatbook_anonymous_throttle"]
    if not throttle.hit(item, *ids):
        raise _refuse(throttle, item, ANON_MESSAGE, ids, "anonymous_throttled")


def init_limits(app: Flask) -> Throttle:
    """The counters, on Redis (REDIS_URL) or in memory."""
    cfg = app.config
    cfg.setdefault("RATELIMIT_STORAGE_URI", cfg.get("REDIS_URL") or "memory://")
    storage = storage_from_string(cfg["RATELIMIT_STORAGE_URI"])
    throttle = Throttle(storage, "beatbook")
    app.extensions["beatbook_limiter"] = throttle  # tests reset it (and so the shared storage) between tests
    app.extensions["beatbook_throttle"] = throttle
    # A fixed window (one counter per address and minute) for the generous cap: a moving window
    # keeps an entry per request, costly at hundreds a minute.
    app.extensions["beatbook_anonymous_throttle"] = Throttle(storage, "beatbook", FixedWindowRateLimiter)
    app.before_request(limit_anonymous_requests)
    return throttle
