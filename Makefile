# Two commands matter: `make run` (the demo on SQLite at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: messages run test test-sqlite test-postgres lint install system-deps browser-deps demo migrate bench bench-large fuzz clean

run: $(STAMP)
	$(BIN)/idmevents demo
	$(BIN)/idmevents serve --host $(HOST) --port $(PORT)

# The SQLite and PostgreSQL runs share nothing (each has its own database, temporary directory and
# free ports), so they run side by side. Each spends much of its time waiting on servers, Chromium
# and sleeps: even on two cores both together take far less than one after the other. Each run's
# output goes to a log, printed as soon as that run ends; `make test` fails if either run fails.
# `make test-sqlite` and `make test-postgres` still run one engine alone.
TEST_RUNS := test-sqlite test-postgres
test: $(STAMP) system-deps browser-deps lint
	@logs=$$(mktemp -d); \
	for run in $(TEST_RUNS); do \
		( started=$$(date +%s); \
		  $(MAKE) --no-print-directory $$run > $$logs/$$run.log 2>&1; status=$$?; \
		  echo "$$status $$(( $$(date +%s) - started ))" > $$logs/$$run.part; \
		  mv $$logs/$$run.part $$logs/$$run.status ) & \
	done; \
	echo "running $(TEST_RUNS) side by side (logs in $$logs)"; \
	failed=""; left="$(TEST_RUNS)"; \
	while [ -n "$$left" ]; do \
		sleep 1; waiting=""; \
		for run in $$left; do \
			if [ -f $$logs/$$run.status ]; then \
				read status seconds < $$logs/$$run.status; \
				echo; echo "===== make $$run: exit status $$status after $$seconds s ====="; \
				cat $$logs/$$run.log; \
				[ "$$status" = 0 ] || failed="$$failed $$run"; \
			else \
				waiting="$$waiting $$run"; \
			fi; \
		done; \
		left=$$waiting; \
	done; \
	rm -rf $$logs; \
	if [ -n "$$failed" ]; then echo; echo "FAILED:$$failed"; exit 1; fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The suite drives Debian's Chromium and renders PDFs with WeasyPrint (Pango, HarfBuzz, a font);
# the deploy tests run nginx, redis-server, openssl and systemd-analyze; `make bench` runs wrk.
SYSTEM_PACKAGES := chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-noto-core fonts-noto-cjk \
	nginx redis-server openssl wrk
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# axe-core, injected into pages by the accessibility tests.
browser-deps: node_modules/axe-core/axe.min.js
node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

test-sqlite: $(STAMP)
	IDMEVENTS_TEST_ENGINE=sqlite $(BIN)/pytest $(PYTEST_ARGS)

# Runs when IDMEVENTS_TEST_POSTGRES_URL is set (.ci/run sets it).
test-postgres: $(STAMP)
	@if [ -n "$$IDMEVENTS_TEST_POSTGRES_URL" ]; then \
		IDMEVENTS_TEST_ENGINE=postgres $(BIN)/pytest $(PYTEST_ARGS) -m "not browser"; \
	else \
		echo "IDMEVENTS_TEST_POSTGRES_URL is not set: PostgreSQL run skipped"; \
	fi

migrate: $(STAMP)
	$(BIN)/idmevents migrate

demo: $(STAMP)
	$(BIN)/idmevents demo

bench: $(STAMP) system-deps
	$(BIN)/python -m bench

# The long schemathesis run over the whole API (bench/fuzz_api.py; not part of `make test`).
FUZZ_MINUTES ?= 6
fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz_api --minutes $(FUZZ_MINUTES)

# A meeting of 50,000 registrations on SQLite and PostgreSQL, then served (bench/README.md).
bench-large: $(STAMP) system-deps
	$(BIN)/python -m bench.large

clean:
	rm -rf $(VENV) node_modules var .pytest_cache

# Refresh the message catalogs after changing user-facing text.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -o locale/messages.pot --no-location --omit-header src templates
	$(BIN)/pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching
