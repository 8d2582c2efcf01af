"""The deployment files in config/ agree with the app (headers, limits, exit codes, settings)."""
from __future__ import annotations

import re
import runpy

from server.core.security import CSP
from tests.conftest import ROOT

CONFIG = ROOT / "config"


def test_nginx_serves_static_files_with_the_apps_own_security_headers():
    snippet = (CONFIG / "nginx" / "beatbook-headers.conf").read_text()
    csp = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', snippet).group(1)
    assert csp == CSP  # keep config/nginx/beatbook-headers.conf in step with server/core/security.py
    for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
                   "Permissions-Policy", "Strict-Transport-Security"):
        assert f"add_header {header} " in snippet


def test_nginx_site_caches_assets_for_ever_and_the_service_worker_never():
    site = (CONFIG / "nginx" / "beatbook.conf").read_text()
    assets = site.split("location /assets/", 1)[1].split("}", 1)[0]
    assert 'Cache-Control "public, max-age=31536000, immutable"' in assets
    shell = site.split(r"location ~ ^/(sw\.js|index\.html|manifest\.webmanifest|manifest\.json)$", 1)[1].split("}", 1)[0]
    assert 'Cache-Control "no-cache"' in shell
    api = site.split("location /api/", 1)[1].split("}", 1)[0]
    for line in ("proxy_pass http://beatbook_app;", "X-Forwarded-For $proxy_add_x_forwarded_for",
                 "X-Forwarded-Proto $scheme", "X-Request-ID $request_id"):
        assert line in api
    assert "location = /metrics { return 404; }" in site
    assert "ssl_certificate " in site and "return 301 https://" in site


def test_default_body_limit_matches_nginx():
    """nginx and the app refuse the same bodies: a smaller nginx cap would answer a sync batch the app takes
    with nginx's own HTML page, a larger one would pass bodies only to have the app refuse them."""
    settings = runpy.run_path(str(CONFIG / "default.py"))
    site = (CONFIG / "nginx" / "beatbook.conf").read_text()
    units = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}
    caps = {int(n) * units[unit.lower()]
            for n, unit in re.findall(r"^\s*client_max_body_size\s+(\d+)([kmgKMG]?);", site, re.MULTILINE)}
    assert caps == {settings["MAX_CONTENT_LENGTH"]}


def test_gunicorn_config_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GUNICORN_WORKERS", "7")
    monkeypatch.setenv("BEATBOOK_ENV", "production")
    monkeypatch.delenv("GUNICORN_ACCESSLOG", raising=False)
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # (setenv, not delenv: undone even if it was unset)
    conf = runpy.run_path(str(CONFIG / "gunicorn.conf.py"))
    assert conf["workers"] == 7
    assert conf["accesslog"] is None  # the app logs requests itself
    assert conf["logconfig_dict"]["loggers"]["gunicorn.access"]["handlers"] == []
    assert conf["logconfig_dict"]["formatters"]["json"]["()"] == "pythonjsonlogger.json.JsonFormatter"
    import os
    assert os.path.isdir(os.environ["PROMETHEUS_MULTIPROC_DIR"])  # set for the workers to inherit
    monkeypatch.setenv("GUNICORN_ACCESSLOG", "-")
    monkeypatch.setenv("BEATBOOK_ENV", "development")
    conf = runpy.run_path(str(CONFIG / "gunicorn.conf.py"))
    assert conf["accesslog"] == "-" and "logconfig_dict" not in conf
    assert "%(q)s" not in conf["access_log_format"] and "%(r)s" not in conf["access_log_format"]  # no query strings


def test_systemd_unit_migrates_safely_before_starting_and_does_not_loop_on_bad_config():
    unit = (CONFIG / "systemd" / "beatbook.service").read_text()
    assert "ExecStartPre=/opt/beatbook/.venv/bin/flask --app server migrate-safely" in unit
    assert "ExecStart=/opt/beatbook/.venv/bin/gunicorn -c config/gunicorn.conf.py server:create_app()" in unit
    assert "RestartPreventExitStatus=78" in unit
    assert "os._exit(78)" in (CONFIG / "gunicorn.conf.py").read_text()
    assert "PROMETHEUS_MULTIPROC_DIR=/run/beatbook/prometheus" in unit and "RuntimeDirectory=beatbook" in unit
    oneshot = (CONFIG / "systemd" / "beatbook-migrate.service").read_text()
    assert "Type=oneshot" in oneshot and "migrate-safely" in oneshot


def test_example_environment_names_every_required_setting():
    example = (CONFIG / "beatbook.env.example").read_text()
    for key in ("DATABASE_URL=", "REDIS_URL=", "SECRET_KEY=", "ALLOWED_ORIGINS=", "FORCE_TIMEZONE=", "TRUSTED_PROXY_COUNT="):
        assert re.search(rf"^{key}", example, re.M), key
