# Beatbook: `make run` to try it, `make test` to check it.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export FLASK_APP := server

.PHONY: run test test-sqlite test-postgres client venv bench migrate demo clean system-tools oidc-provider

# What the suite needs from Debian beyond Python and Node: Chromium for the browser tests,
# wrk for the HTTP benchmark. Installed with apt-get when running as root; otherwise this stops
# at once with the exact command to run (the suite never downloads a browser of its own).
SYSTEM_TOOLS := /usr/bin/chromium:chromium /usr/bin/wrk:wrk
system-tools:
	@missing=""; for pair in $(SYSTEM_TOOLS); do \
		[ -x "$${pair%%:*}" ] || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null \
				|| { echo "apt-get could not install:$$missing" >&2; exit 1; }; \
		else \
			echo "The tests need Debian packages that are missing:$$missing" >&2; \
			echo "Install them, then run make test again:  sudo apt-get install -y$$missing" >&2; exit 1; \
		fi; \
	fi

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The PWA: built with Vite from the npm registry (no CDN), served by Flask at /.
client: client/dist/index.html

client/dist/index.html: $(shell find client -path client/node_modules -prune -o -path client/dist -prune -o -type f -print 2>/dev/null)
	@if [ -f client/package.json ]; then \
		cd client && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build; \
	else echo "client: no package.json yet; Flask serves a placeholder page"; fi

migrate: venv
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask load-demo --if-empty

run: venv client demo
	@$(BIN)/flask demo-logins
	@echo "Beatbook on http://127.0.0.1:8000"
	$(BIN)/gunicorn -c config/gunicorn.conf.py "server:create_app()"

# The test identity provider (the npm registry's oidc-provider) that the sign-in tests run on loopback.
oidc-provider: tests/oidc/node_modules/.package-lock.json

tests/oidc/node_modules/.package-lock.json: tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund

# The PWA's unit tests (outbox and sync logic): Vitest with fake-indexeddb.
.PHONY: test-client
test-client: client
	cd client && npm test

# The whole suite on SQLite, and on PostgreSQL too when TEST_DATABASE_URL is set: the two runs go side by
# side (each its own database and Redis db, so they share nothing) and each run's output is printed whole
# when both are done. (tests/e2e drives Debian's Chromium against gunicorn and the built client.)
SQLITE_REDIS_FOR_TESTS ?= redis://127.0.0.1:6379/14
# The benchmark harness's own test runs the quick bench on SQLite whatever the suite's database: once is enough.
BENCH_HARNESS_TEST := tests/bench/test_bench_quick.py::test_quick_bench_runs_and_writes_its_table_and_json
test: system-tools venv client test-client oidc-provider
	@if [ -z "$$TEST_DATABASE_URL" ]; then exec $(BIN)/pytest -q -p no:cacheprovider; fi; \
	mkdir -p artifacts; \
	echo "== SQLite and PostgreSQL ($$TEST_DATABASE_URL), side by side"; \
	env -u TEST_DATABASE_URL REDIS_URL_FOR_TESTS=$(SQLITE_REDIS_FOR_TESTS) $(BIN)/pytest -q -p no:cacheprovider \
		> artifacts/test-sqlite.log 2>&1 & sqlite=$$!; \
	$(BIN)/pytest -q -p no:cacheprovider --deselect $(BENCH_HARNESS_TEST) > artifacts/test-postgresql.log 2>&1; \
		postgresql=$$?; \
	wait $$sqlite; sqlite=$$?; \
	echo "== SQLite"; cat artifacts/test-sqlite.log; \
	echo "== PostgreSQL: $$TEST_DATABASE_URL"; cat artifacts/test-postgresql.log; \
	echo "== SQLite: exit $$sqlite; PostgreSQL: exit $$postgresql"; \
	[ $$sqlite -eq 0 ] && [ $$postgresql -eq 0 ]

bench: system-tools venv client
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) client/node_modules client/dist instance tests/oidc/node_modules
