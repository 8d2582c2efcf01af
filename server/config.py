"""Load configuration: config/default.py, then config/<env>.py, then the environment."""
from __future__ import annotations

import math
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
ENVIRONMENTS = ("development", "testing", "production")
# Read from the environment when set; ints and bools are converted.
ENV_KEYS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FORCE_TIMEZONE", "SYNC_MAX_ITEMS",
            "SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_MINUTES", "SESSION_COOKIE_SECURE",
            "LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS", "MAX_CONTENT_LENGTH",
            "TRUSTED_PROXY_COUNT", "ANON_MAX_BODY_BYTES", "ANON_LIMIT_PER_ADDRESS", "SQLITE_WRITE_WAIT_SECONDS")


class ConfigError(click.ClickException, RuntimeError):
    """A setting is missing or wrong. On the command line (`flask ...`, systemd's ExecStartPre)
    it prints one line, "Error: <message>", and exits 78 (EX_CONFIG), which the systemd unit
    does not restart."""
    exit_code = 78


# Settings that may be fractions (a short idle timeout in a test or a demo: 0.5 minutes).
FRACTIONAL_KEYS = frozenset({"SESSION_IDLE_MINUTES", "SQLITE_WRITE_WAIT_SECONDS"})


def _coerce(current, value: str, key: str = "setting"):
    if isinstance(current, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if key in FRACTIONAL_KEYS:
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{key} must be a number, not {value!r}.") from None
    if isinstance(current, int):
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{key} must be a whole number, not {value!r}.") from None
    return value


# Production: see validate_production_settings below and README "Production".
ENV_KEYS += ("ALLOWED_ORIGINS", "TRUSTED_PROXY_COUNT", "METRICS_TOKEN", "LOG_FORMAT", "LOG_LEVEL")
# Sign-in through the force's identity provider (server/auth/oidc.py).
ENV_KEYS += ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_TENANT_ID", "OIDC_ROLE_MAP",
             "OIDC_LINK_CLAIM", "OIDC_TEAM_CLAIM", "OIDC_PROVIDER_NAME", "OIDC_CLOCK_SKEW_SECONDS", "LOCAL_PASSWORDS")


def load_config(app: Flask, overrides: dict | None = None) -> None:
    env = (overrides or {}).get("BEATBOOK_ENV") or os.environ.get("BEATBOOK_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"BEATBOOK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    app.config["BEATBOOK_ENV"] = env
    app.config.from_pyfile(str(CONFIG_DIR / "default.py"))
    app.config.from_pyfile(str(CONFIG_DIR / f"{env}.py"))
    for key in ENV_KEYS:
        if key in os.environ:
            app.config[key] = _coerce(app.config.get(key), os.environ[key], key)
    if overrides:
        app.config.update(overrides)
    # The session cookie is set once, at login (SESSION_REFRESH_EACH_REQUEST = False): it must
    # last as long as a session can (the absolute timeout), and no longer.
    if not (overrides and "PERMANENT_SESSION_LIFETIME" in overrides):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["SESSION_ABSOLUTE_MINUTES"]))

    url = app.config.get("DATABASE_URL")
    if url:
        _check_database_url(url)
    if not url:
        if env == "production":
            raise ConfigError("DATABASE_URL is required in production (a postgresql+psycopg:// URL).")
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(app.instance_path) / 'beatbook.db'}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3 driver
    if env == "production" and url.startswith("sqlite"):
        raise ConfigError("Production runs on PostgreSQL; DATABASE_URL points at SQLite.")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    # hide_parameters: a failed statement's error (and so the log) never carries the values,
    # e.g. intelligence text being inserted.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True, "hide_parameters": True})

    if not app.config.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError("SECRET_KEY is required in production (at least 32 random bytes).")
        app.config["SECRET_KEY"] = _instance_secret(app)
    if env == "production" and len(app.config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY is too short; use at least 32 random characters.")
    if env == "production" and not app.config.get("REDIS_URL"):
        raise ConfigError("REDIS_URL is required in production (rate limits shared by all workers).")
    validate_production_settings(app.config, env)


def _instance_secret(app: Flask) -> str:
    """Development only: a random key kept in the instance folder, never in the repo."""
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


# ---- validation of the production settings -------------------------------------

LOG_FORMATS = ("json", "text")


def _check_database_url(url) -> None:
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        raise ConfigError("DATABASE_URL is not a database URL; expected e.g. "
                          "postgresql+psycopg://beatbook:PASSWORD@db.internal:5432/beatbook.") from None
    if not parsed.drivername.startswith(("postgresql", "postgres", "sqlite")):
        raise ConfigError(f"DATABASE_URL must be a PostgreSQL (or, outside production, SQLite) URL, "
                          f"not {parsed.drivername!r}.")
    if parsed.drivername.startswith("postgres") and (not parsed.host or not parsed.database):
        raise ConfigError("DATABASE_URL must name a host and a database, "
                          "e.g. postgresql+psycopg://beatbook:PASSWORD@db.internal:5432/beatbook.")


def _check_redis_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss", "unix"):
        raise ConfigError("REDIS_URL must start with redis://, rediss:// or unix://, "
                          "e.g. redis://redis.internal:6379/0.")
    if parts.scheme == "unix":
        if not parts.path:
            raise ConfigError("REDIS_URL: a unix:// URL needs a socket path, e.g. unix:///run/redis/redis.sock.")
        return
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ConfigError("REDIS_URL has a port that is not a number.") from None
    if not parts.hostname:
        raise ConfigError("REDIS_URL must name a host, e.g. redis://redis.internal:6379/0.")
    db = parts.path.lstrip("/")
    if db and not db.isdigit():
        raise ConfigError(f"REDIS_URL: the database after the last / must be a number, not {db!r}.")


def parse_origins(value) -> list[str]:
    """"https://a.example, https://b.example" -> ["https://a.example", "https://b.example"]."""
    items = value if isinstance(value, (list, tuple)) else str(value or "").replace(" ", ",").split(",")
    origins = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        parts = urlsplit(item)
        try:
            parts.port  # noqa: B018
        except ValueError:
            raise ConfigError(f"ALLOWED_ORIGINS: {item!r} has a port that is not a number.") from None
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.path not in ("", "/") \
                or parts.query or parts.fragment or parts.username:
            raise ConfigError(f"ALLOWED_ORIGINS: {item!r} is not an origin; give scheme and host only, "
                              "e.g. https://beatbook.example.police.uk (comma-separated for several).")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return origins


def validate_production_settings(config, env: str) -> None:
    """Everything that can be wrong in the environment is refused here, at start,
    with a message that names the variable (see tests/ops/test_config.py)."""
    tz = config.get("FORCE_TIMEZONE")
    try:
        if not tz:
            raise ZoneInfoNotFoundError
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"FORCE_TIMEZONE must be an IANA time zone such as Europe/London, not {tz!r}.") from None

    if config.get("REDIS_URL"):
        _check_redis_url(str(config["REDIS_URL"]))

    origins = parse_origins(config.get("ALLOWED_ORIGINS"))
    if env == "production":
        if not origins:
            raise ConfigError("ALLOWED_ORIGINS is required in production: the address(es) officers open, "
                              "e.g. https://beatbook.example.police.uk (comma-separated for several).")
        plain = [o for o in origins if o.startswith("http://")]
        if plain:
            raise ConfigError(f"ALLOWED_ORIGINS must be https:// in production, not {', '.join(plain)}.")
        if not config.get("SESSION_COOKIE_SECURE"):
            raise ConfigError("SESSION_COOKIE_SECURE cannot be turned off in production.")
    config["ALLOWED_ORIGINS"] = origins

    proxies = config.get("TRUSTED_PROXY_COUNT") or 0
    try:
        proxies = int(proxies)
        if not 0 <= proxies <= 5:
            raise ValueError
    except (TypeError, ValueError):
        raise ConfigError(f"TRUSTED_PROXY_COUNT is the number of reverse proxies in front of the app "
                          f"(0 to 5; 1 behind one nginx), not {config.get('TRUSTED_PROXY_COUNT')!r}.") from None
    config["TRUSTED_PROXY_COUNT"] = proxies

    for key, low, high, unit in (("SQLITE_WRITE_WAIT_SECONDS", 0.1, 25, "seconds, under gunicorn's 30 s worker timeout"),
                                 ("SESSION_IDLE_MINUTES", 0.05, 24 * 60, "minutes")):
        value = _positive_number(config.get(key))
        if value is None or not low <= value <= high:
            raise ConfigError(f"{key} must be a number from {low} to {high} ({unit}), not {config.get(key)!r}.")
        config[key] = value
    for key in ("ANON_LIMIT_PER_ADDRESS", "LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS"):
        _check_rate_limit(key, config.get(key))
    body = config.get("ANON_MAX_BODY_BYTES")
    if not isinstance(body, int) or isinstance(body, bool) or not 256 <= body <= int(config.get("MAX_CONTENT_LENGTH") or body):
        raise ConfigError(f"ANON_MAX_BODY_BYTES must be a whole number of bytes from 256 to MAX_CONTENT_LENGTH, "
                          f"not {body!r}.")

    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if url.startswith("sqlite"):
        from .core.writer_queue import sqlite_engine_options
        config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_engine_options(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {},
                                                                    config["SQLITE_WRITE_WAIT_SECONDS"])
    if url.startswith("postgresql") and "connect_timeout" not in url:
        # An unreachable database host fails a request (and /readyz) in seconds, not minutes.
        options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("connect_timeout", 10)

    log_format = str(config.get("LOG_FORMAT") or "").lower()
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {config.get('LOG_FORMAT')!r}.")
    config["LOG_FORMAT"] = log_format

    token = config.get("METRICS_TOKEN")
    if token and len(str(token)) < 16:
        raise ConfigError("METRICS_TOKEN is too short; use at least 16 random characters (or leave it unset "
                          "to serve /metrics to localhost only).")

    validate_identity_provider(config, env)


def parse_role_map(value) -> dict[str, str]:
    """"Beatbook.Officer=officer, Beatbook.Sergeant=sergeant" -> {app role: Beatbook role}, in that order
    (the order decides when someone holds several: the first one listed wins)."""
    from .core.security import ROLES
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = []
        for item in (i.strip() for i in str(value or "").split(",")):
            if not item:
                continue
            if "=" not in item:
                raise ConfigError(f"OIDC_ROLE_MAP: {item!r} is not provider-role=beatbook-role, "
                                  "e.g. Beatbook.Officer=officer,Beatbook.Sergeant=sergeant.")
            pairs.append(tuple(part.strip() for part in item.split("=", 1)))
    mapping = {}
    for provider_role, role in pairs:
        if not provider_role or role not in ROLES:
            raise ConfigError(f"OIDC_ROLE_MAP: {provider_role!r} maps to {role!r}; a Beatbook role is one of "
                              f"{', '.join(ROLES)}.")
        mapping[provider_role] = role
    return mapping


def validate_identity_provider(config, env: str) -> None:
    issuer = str(config.get("OIDC_ISSUER") or "").strip().rstrip("/")
    config["OIDC_ISSUER"] = issuer or None
    config["OIDC_ROLE_MAP"] = parse_role_map(config.get("OIDC_ROLE_MAP"))
    skew = config.get("OIDC_CLOCK_SKEW_SECONDS")
    if isinstance(skew, bool) or not isinstance(skew, int) or not 0 <= skew <= 300:
        raise ConfigError(f"OIDC_CLOCK_SKEW_SECONDS must be a whole number of seconds from 0 to 300, not {skew!r}.")
    if not issuer:
        if not config.get("LOCAL_PASSWORDS"):
            raise ConfigError("LOCAL_PASSWORDS is off but no OIDC_ISSUER is set: nobody could sign in. "
                              "Set OIDC_ISSUER (with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET) or turn LOCAL_PASSWORDS on.")
        return
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"OIDC_ISSUER must be the provider's issuer URL, e.g. "
                          f"https://login.microsoftonline.com/<tenant id>/v2.0, not {issuer!r}.")
    if parts.scheme == "http" and (env == "production" or parts.hostname not in ("127.0.0.1", "localhost", "::1")):
        raise ConfigError(f"OIDC_ISSUER must be https:// (plain http only on this machine, outside production), "
                          f"not {issuer!r}.")
    for key in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
        if not config.get(key):
            raise ConfigError(f"{key} is required when OIDC_ISSUER is set (from the app's registration "
                              "at the identity provider).")
    if not config["OIDC_ROLE_MAP"]:
        raise ConfigError("OIDC_ROLE_MAP is required when OIDC_ISSUER is set: which provider app roles give which "
                          "Beatbook role, e.g. Beatbook.Officer=officer,Beatbook.Sergeant=sergeant.")
    if env == "production" and not config.get("OIDC_TENANT_ID"):
        raise ConfigError("OIDC_TENANT_ID is required in production when OIDC_ISSUER is set (the force's "
                          "tenant id, checked against every sign-in's tid claim).")


def _positive_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return None
    return value


def _check_rate_limit(key: str, value) -> None:
    from limits import parse_many
    try:
        parse_many(str(value))
    except ValueError:
        raise ConfigError(f"{key} must be a rate such as \"300 per minute\", not {value!r}.") from None


def check_environment() -> None:
    """Load the configuration from the environment exactly as the app will, without building
    the app: gunicorn's master calls it so a bad setting stops the start with one clear line."""
    load_config(Flask("beatbook-config-check", instance_path=str(ROOT / "instance")))
