# gunicorn settings for `make run` and production; override with GUNICORN_* env vars.
#   gunicorn -c config/gunicorn.conf.py "server:create_app()"
# See README "Production" and config/systemd/beatbook.service.
import multiprocessing
import os
import sys
import tempfile

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: one request at a time each; size to the cores (and the database's connections:
# each worker holds a SQLAlchemy pool of up to 5 + 10 connections).
workers = int(os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY")
              or min(4, multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Restart workers now and then (jittered, so never all at once) to bound any slow leak. Not
# often: a restart re-imports the app (about a second of CPU), so at 5,000 a busy server spent
# a tenth of its time booting workers and every restart showed in the p99 latency (bench/).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 100000))
max_requests_jitter = max_requests // 10
# Phones upload batches; cap header sizes, the app caps bodies.
limit_request_line = 8190
# nginx on the same host sets X-Forwarded-Proto; the app's ProxyFix (TRUSTED_PROXY_COUNT) does the rest.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The app writes one JSON line per request itself (server/ops/logs.py: request id, user id,
# timings), so gunicorn's access log is off unless GUNICORN_ACCESSLOG is set ("-" = stderr).
# It never has the query string (%(U)s is the path alone), cookies or bodies.
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
access_log_format = ('{"logger": "gunicorn.access", "remote_addr": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
                     '"status": %(s)s, "response_bytes": "%(B)s", "duration_ms": %(M)s, '
                     '"request_id": "%({x-request-id}o)s"}')
errorlog = "-"
# gunicorn's control socket (gunicornc) only where asked for, e.g. /run/beatbook/gunicorn.ctl:
# by default it lands in $HOME, shared by every gunicorn of the same user.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "/nonexistent/gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")

_env = os.environ.get("BEATBOOK_ENV", "development")
if (os.environ.get("LOG_FORMAT") or ("json" if _env == "production" else "text")) == "json":
    # gunicorn's own lines (boot, worker exits, timeouts) as JSON too.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "pythonjsonlogger.json.JsonFormatter",
                                "fmt": "%(levelname)s %(name)s %(message)s", "timestamp": "time",
                                "rename_fields": {"levelname": "level", "name": "logger"}},
                       "access": {"format": "%(message)s"}},
        "handlers": {"error": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"},
                     "access": {"class": "logging.StreamHandler", "formatter": "access",
                                "stream": "ext://sys.stdout"}},
        "root": {"level": "WARNING", "handlers": []},  # the app installs its own handler in each worker
        "loggers": {"gunicorn.error": {"handlers": ["error"], "level": loglevel.upper(), "propagate": False},
                    # with a logconfig gunicorn always emits access lines: keep them off unless asked for
                    "gunicorn.access": {"handlers": ["access"] if accesslog else [],
                                        "level": "INFO" if accesslog else "CRITICAL", "propagate": False}},
    }

# Prometheus: every worker writes its samples to files here and /metrics adds them up.
# It must be set before a worker imports prometheus_client, so it is decided here, in the
# master; systemd sets it to /run/beatbook/prometheus (RuntimeDirectory=).
_own_metrics_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="beatbook-prometheus-")


def on_starting(server):
    """In the master, before any worker: stop at once, with one clear line, on a bad setting;
    and start the metrics from zero (files of a previous run would be added in)."""
    from server.config import ConfigError, check_environment
    try:
        check_environment()
    except ConfigError as exc:
        print(f"Beatbook configuration error: {exc}", file=sys.stderr, flush=True)
        os._exit(78)  # EX_CONFIG: systemd does not restart (RestartPreventExitStatus=78)
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _own_metrics_dir:  # the temporary directory made above, not one the environment named
        import shutil
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)


def post_worker_init(worker):
    """The app's own objects (routes, schemas, mappers) live as long as the worker: gc.freeze()
    moves them out of the garbage collector's way, so its sweeps during requests walk only what
    requests made (shorter, rarer pauses)."""
    import gc
    gc.collect()  # what loading the app left behind, before the rest is frozen
    gc.freeze()
