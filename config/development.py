# Local development (`make run`): plain http on 127.0.0.1.
SESSION_COOKIE_SECURE = False
