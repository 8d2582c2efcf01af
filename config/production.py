# Production: everything that differs comes from the environment
# (DATABASE_URL, REDIS_URL, SECRET_KEY, ...); see README "Production".
SESSION_COOKIE_SECURE = True
LOG_FORMAT = "json"
