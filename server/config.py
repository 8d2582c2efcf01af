"""Load configuration: config/default.py, then config/<env>.py, then the environment."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
ENVIRONMENTS = ("development", "testing", "production")
# Read from the environment when set; ints and bools are converted.
ENV_KEYS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FORCE_TIMEZONE", "SYNC_MAX_ITEMS",
            "SESSION_IDLE_MINUTES", "SESSION_ABSOLUTE_MINUTES", "SESSION_COOKIE_SECURE",
            "LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS", "MAX_CONTENT_LENGTH",
            "TRUSTED_PROXY_COUNT")


class ConfigError(RuntimeError):
    pass


def _coerce(current, value: str):
    if isinstance(current, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(current, int):
        return int(value)
    return value


def load_config(app: Flask, overrides: dict | None = None) -> None:
    env = (overrides or {}).get("BEATBOOK_ENV") or os.environ.get("BEATBOOK_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"BEATBOOK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    app.config["BEATBOOK_ENV"] = env
    app.config.from_pyfile(str(CONFIG_DIR / "default.py"))
    app.config.from_pyfile(str(CONFIG_DIR / f"{env}.py"))
    for key in ENV_KEYS:
        if key in os.environ:
            app.config[key] = _coerce(app.config.get(key), os.environ[key])
    if overrides:
        app.config.update(overrides)
    # The session cookie is set once, at login (SESSION_REFRESH_EACH_REQUEST = False): it must
    # last as long as a session can (the absolute timeout), and no longer.
    if not (overrides and "PERMANENT_SESSION_LIFETIME" in overrides):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config["SESSION_ABSOLUTE_MINUTES"]))

    url = app.config.get("DATABASE_URL")
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


def _instance_secret(app: Flask) -> str:
    """Development only: a random key kept in the instance folder, never in the repo."""
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
