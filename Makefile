# Two commands matter: `make run` (the demo on SQLite at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: messages run test test-sqlite test-postgres lint install system-deps browser-deps demo migrate bench clean

run: $(STAMP)
	$(BIN)/idmevents demo
	$(BIN)/idmevents serve --host $(HOST) --port $(PORT)

test: $(STAMP) system-deps browser-deps lint test-sqlite test-postgres

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

clean:
	rm -rf $(VENV) node_modules var .pytest_cache

# Refresh the message catalogs after changing user-facing text.
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext -k ngettext:1,2 -o locale/messages.pot --no-location --omit-header src templates
	$(BIN)/pybabel update -i locale/messages.pot -d locale --no-fuzzy-matching
