# gunicorn settings for `make run` and production; override with GUNICORN_* env vars.
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", min(4, multiprocessing.cpu_count() * 2)))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Phones upload batches; cap header sizes, the app caps bodies.
limit_request_line = 8190
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# Never log query strings' cookies or bodies; the default format has neither.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
