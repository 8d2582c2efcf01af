TESTING = True
SESSION_COOKIE_SECURE = False
# Most tests read the change feed immediately; test_sync covers the settle window itself.
CHANGES_SETTLE_SECONDS = 0
