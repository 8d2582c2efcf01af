# Beatbook defaults. Every value can be overridden by an environment variable
# of the same name (see server/config.py); secrets only ever come from there.

# SQLite file in the instance folder unless DATABASE_URL is set.
DATABASE_URL = None
REDIS_URL = None

FORCE_TIMEZONE = "Europe/London"

# A sync batch: at most this many shifts + records; and a cap on any request body.
SYNC_MAX_ITEMS = 500
MAX_CONTENT_LENGTH = 5 * 1024 * 1024
# The change feed's cursor stays behind entries younger than this (see sync/routes.py).
CHANGES_SETTLE_SECONDS = 10

# Sessions suited to a shift: idle for up to 4 hours (a long job with no
# signal), never longer than 12 hours from login.
SESSION_IDLE_MINUTES = 240
SESSION_ABSOLUTE_MINUTES = 720
SESSION_COOKIE_NAME = "beatbook_session"
# The cookie only names a server-side LoginSession, which enforces the idle and absolute
# timeouts and revocation itself: re-signing and re-sending an unchanged cookie on every
# response buys nothing (and cost 8% of a one-record sync). The cookie is set at login and
# lives as long as the absolute timeout (server/config.py sets PERMANENT_SESSION_LIFETIME).
SESSION_REFRESH_EACH_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = True

# Argon2id password hashing (argon2-cffi's recommended parameters). A hash made with other
# parameters is made again at the officer's next login, so raising them takes effect as people sign in.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST = 65536  # KiB
ARGON2_PARALLELISM = 4

# Login throttling (per account and per address).
LOGIN_LIMIT_PER_ACCOUNT = "100 per hour"
LOGIN_LIMIT_PER_ADDRESS = "300 per hour"

# Behind a reverse proxy (TLS terminator): how many proxies to trust for
# X-Forwarded-For / X-Forwarded-Proto, so the per-address limit and HSTS see
# the phone's address and https. 0 = served directly.
TRUSTED_PROXY_COUNT = 0

# OpenAPI document, generated from the marshmallow schemas.
API_TITLE = "Beatbook API"
API_VERSION = "1.0"
OPENAPI_VERSION = "3.0.3"
OPENAPI_URL_PREFIX = "/api"
OPENAPI_JSON_PATH = "openapi.json"

# ---- production (README "Production") ----
# The public origin(s) officers open, comma-separated; required in production.
# State-changing requests whose Origin header is not one of them are refused.
ALLOWED_ORIGINS = ""
# /metrics: served to localhost, or to anyone sending "Authorization: Bearer <METRICS_TOKEN>".
METRICS_TOKEN = None
# Logs: "json" (one object per line) or "text".
LOG_FORMAT = "text"
LOG_LEVEL = "INFO"

# ---- hostile input ----
# A body anyone can send (logging in: no session yet) is small; parsing it costs no more than this.
ANON_MAX_BODY_BYTES = 4096
# API requests without a session, per address: generous (a station's phones share one address).
ANON_LIMIT_PER_ADDRESS = "300 per minute"
# SQLite: a writer waits at most this long for the write lock (a backup or the sqlite3 shell may
# hold it), then gets 503 with Retry-After; well under gunicorn's 30 s worker timeout.
SQLITE_WRITE_WAIT_SECONDS = 10.0

# ---- sign-in through the force's identity provider (OpenID Connect, e.g. Microsoft Entra ID) ----
# Off unless OIDC_ISSUER is set (with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET from the app's registration).
OIDC_ISSUER = None
OIDC_CLIENT_ID = None
OIDC_CLIENT_SECRET = None
# The force's tenant: every sign-in's tid claim must be this (required in production).
OIDC_TENANT_ID = None
# Provider app roles -> Beatbook roles, "Beatbook.Officer=officer,Beatbook.Sergeant=sergeant"; the first
# listed that someone holds wins. Someone holding none of them is refused.
OIDC_ROLE_MAP = ""
# The claim that links a first sign-in to an officer already in Beatbook (and names a new one), e.g. a
# shoulder-number claim; and the claim that gives the team (else the team the admin assigned is kept).
OIDC_LINK_CLAIM = None
OIDC_TEAM_CLAIM = None
# On the sign-in button: "Sign in with <name>".
OIDC_PROVIDER_NAME = "your force account"
# Clocks differ: an ID token is accepted this many seconds either side of its times.
OIDC_CLOCK_SKEW_SECONDS = 60
# Shoulder number and password sign-in; a force that signs in only through its provider turns it off.
LOCAL_PASSWORDS = True
