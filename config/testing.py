TESTING = True
SESSION_COOKIE_SECURE = False
# Most tests read the change feed immediately; test_sync covers the settle window itself.
CHANGES_SETTLE_SECONDS = 0
# The suite logs in a great deal from 127.0.0.1; tests of the limit itself lower it.
ANON_LIMIT_PER_ADDRESS = "100000 per minute"
# The suite hashes and checks thousands of passwords: cheap Argon2 parameters (the same scheme).
ARGON2_TIME_COST = 1
ARGON2_MEMORY_COST = 1024
ARGON2_PARALLELISM = 1
