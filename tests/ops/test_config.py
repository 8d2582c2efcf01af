"""Production settings come from the environment only, and a wrong one stops the start
with a message naming it."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from server import create_app
from server.config import ConfigError, ENV_KEYS
from tests.conftest import ROOT, free_port

GOOD = {
    "BEATBOOK_ENV": "production",
    "DATABASE_URL": "postgresql+psycopg://beatbook:pw@db.internal:5432/beatbook",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "SECRET_KEY": "k" * 48,
    "ALLOWED_ORIGINS": "https://beatbook.example.police.uk",
    "FORCE_TIMEZONE": "Europe/London",
}


@pytest.fixture
def prod_env(monkeypatch, restore_logging):
    """A complete, valid production environment; change(KEY=value or None) edits it."""
    for key in (*ENV_KEYS, "BEATBOOK_ENV"):
        monkeypatch.delenv(key, raising=False)
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)

    def change(**changes):
        for key, value in changes.items():
            if value is None:
                monkeypatch.delenv(key, raising=False)
            else:
                monkeypatch.setenv(key, value)

    return change


def test_a_complete_production_environment_starts(prod_env):
    prod_env(ALLOWED_ORIGINS="https://beatbook.example.police.uk, https://Beatbook-DR.example.police.uk:8443",
             TRUSTED_PROXY_COUNT="1", DATABASE_URL="postgres://beatbook:pw@db.internal/beatbook")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://beatbook:pw@db.internal/beatbook"
    assert app.config["ALLOWED_ORIGINS"] == ["https://beatbook.example.police.uk",
                                             "https://beatbook-dr.example.police.uk:8443"]
    assert app.config["TRUSTED_PROXY_COUNT"] == 1
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["LOG_FORMAT"] == "json"
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"connect_timeout": 10}
    # The production log handler writes JSON lines.
    handler = [h for h in logging.getLogger().handlers if getattr(h, "_beatbook_handler", False)][0]
    record = logging.LogRecord("beatbook.test", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    line = json.loads(handler.format(record))
    assert line["message"] == "hello world" and line["level"] == "INFO" and line["logger"] == "beatbook.test"


REFUSALS = [
    ({"DATABASE_URL": None}, "DATABASE_URL is required in production"),
    ({"DATABASE_URL": "sqlite:////var/lib/beatbook/beatbook.db"}, "Production runs on PostgreSQL"),
    ({"DATABASE_URL": "db.internal:5432/beatbook"}, "DATABASE_URL is not a database URL"),
    ({"DATABASE_URL": "mysql://beatbook@db.internal/beatbook"}, "DATABASE_URL must be a PostgreSQL"),
    ({"DATABASE_URL": "postgresql+psycopg://beatbook@/beatbook"}, "DATABASE_URL must name a host and a database"),
    ({"SECRET_KEY": None}, "SECRET_KEY is required in production"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY is too short"),
    ({"REDIS_URL": None}, "REDIS_URL is required in production"),
    ({"REDIS_URL": "http://redis.internal:6379"}, "REDIS_URL must start with redis://"),
    ({"REDIS_URL": "redis://redis.internal:63x9/0"}, "REDIS_URL has a port that is not a number"),
    ({"REDIS_URL": "redis://redis.internal:6379/zero"}, "REDIS_URL: the database after the last / must be a number"),
    ({"REDIS_URL": "redis://"}, "REDIS_URL must name a host"),
    ({"FORCE_TIMEZONE": "Europe/Lundon"}, "FORCE_TIMEZONE must be an IANA time zone"),
    ({"FORCE_TIMEZONE": "../../etc/passwd"}, "FORCE_TIMEZONE must be an IANA time zone"),
    ({"FORCE_TIMEZONE": ""}, "FORCE_TIMEZONE must be an IANA time zone"),
    ({"ALLOWED_ORIGINS": None}, "ALLOWED_ORIGINS is required in production"),
    ({"ALLOWED_ORIGINS": "beatbook.example.police.uk"}, "is not an origin"),
    ({"ALLOWED_ORIGINS": "https://beatbook.example.police.uk/app"}, "is not an origin"),
    ({"ALLOWED_ORIGINS": "https://beatbook.example.police.uk:44x3"}, "has a port that is not a number"),
    ({"ALLOWED_ORIGINS": "http://beatbook.example.police.uk"}, "ALLOWED_ORIGINS must be https:// in production"),
    ({"TRUSTED_PROXY_COUNT": "two"}, "TRUSTED_PROXY_COUNT must be a whole number"),
    ({"TRUSTED_PROXY_COUNT": "9"}, "TRUSTED_PROXY_COUNT is the number of reverse proxies"),
    ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be one of json, text"),
    ({"METRICS_TOKEN": "1234"}, "METRICS_TOKEN is too short"),
    ({"SESSION_COOKIE_SECURE": "false"}, "SESSION_COOKIE_SECURE cannot be turned off in production"),
    ({"SYNC_MAX_ITEMS": "lots"}, "SYNC_MAX_ITEMS must be a whole number"),
    ({"BEATBOOK_ENV": "prod"}, "BEATBOOK_ENV must be one of development, testing, production"),
]


@pytest.mark.parametrize("changes,message", REFUSALS, ids=[m for _, m in REFUSALS])
def test_a_missing_or_wrong_setting_is_refused_with_a_message_naming_it(prod_env, changes, message):
    prod_env(**changes)
    with pytest.raises(ConfigError) as err:
        create_app()
    assert message in str(err.value)


def test_outside_production_the_same_mistakes_are_still_caught(monkeypatch):
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("FORCE_TIMEZONE", "Europe/Lundon")
    with pytest.raises(ConfigError, match="FORCE_TIMEZONE"):
        create_app({"BEATBOOK_ENV": "testing"})
    monkeypatch.setenv("FORCE_TIMEZONE", "Europe/London")
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    with pytest.raises(ConfigError, match="REDIS_URL must start with"):
        create_app({"BEATBOOK_ENV": "testing"})


def test_gunicorn_refuses_to_start_with_one_clear_line(tmp_path):
    """The gunicorn config checks the environment in the master before any worker starts."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(GOOD, SECRET_KEY="", GUNICORN_BIND=f"127.0.0.1:{free_port()}", GUNICORN_WORKERS="1",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "server:create_app()"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 78  # EX_CONFIG: systemd does not restart it (RestartPreventExitStatus)
    assert "Beatbook configuration error: SECRET_KEY is required in production" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_flask_commands_refuse_a_bad_setting_with_one_line_and_exit_78():
    """systemd's ExecStartPre (flask migrate-safely) fails the same clear way."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(GOOD, FORCE_TIMEZONE="Europe/Lundon")
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "server", "migrate-safely"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 78
    assert "Error: FORCE_TIMEZONE must be an IANA time zone such as Europe/London, not 'Europe/Lundon'." in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_idle_timeout_may_be_a_fraction_of_a_minute(monkeypatch):
    from flask import Flask
    from server.config import ConfigError, load_config
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "0.5")
    monkeypatch.setenv("SQLITE_WRITE_WAIT_SECONDS", "2.5")
    app = Flask("t")
    load_config(app, {"BEATBOOK_ENV": "testing", "SECRET_KEY": "x" * 40})
    assert app.config["SESSION_IDLE_MINUTES"] == 0.5 and app.config["SQLITE_WRITE_WAIT_SECONDS"] == 2.5
    for key, value, named in (("SESSION_IDLE_MINUTES", "soon", "SESSION_IDLE_MINUTES"),
                              ("SQLITE_WRITE_WAIT_SECONDS", "40", "SQLITE_WRITE_WAIT_SECONDS"),
                              ("ANON_LIMIT_PER_ADDRESS", "lots", "ANON_LIMIT_PER_ADDRESS"),
                              ("ANON_MAX_BODY_BYTES", "12", "ANON_MAX_BODY_BYTES")):
        monkeypatch.setenv(key, value)
        with pytest.raises(ConfigError, match=named):
            load_config(Flask("t"), {"BEATBOOK_ENV": "testing", "SECRET_KEY": "x" * 40})
        monkeypatch.delenv(key)
