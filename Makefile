# SiapKop: `make run` serves the app, `make test` runs the whole suite. Both set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
export FLASK_APP := wsgi

PO := $(wildcard translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)
ROOT_USER := $(shell [ "$$(id -u)" = 0 ] && echo yes)

# The national benchmark: SQLite (a fresh file each run) unless BENCH_DATABASE_URL names PostgreSQL,
# which is seeded once (an interrupted seed resumes) and reused. BENCH_CLUSTER=1 (PostgreSQL only) also
# runs the load against one app server and nginx in front of two (bench/cluster.py).
BENCH_SQLITE := $(CURDIR)/bench/tmp/bench.sqlite3
BENCH_ENV = FLASK_APP=bench.cli DATABASE_URL="$${BENCH_DATABASE_URL:-sqlite:///$(BENCH_SQLITE)}" \
  SESSION_COOKIE_SECURE=0 SIAPKOP_INSTANCE=$(CURDIR)/bench/tmp/instance

.PHONY: run test bench bench-phone install install-dev system-test-deps translations extract-messages clean

run: install $(MO)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@echo "SiapKop: http://127.0.0.1:$(PORT)"
	@# A plain-http demo on this machine: session cookies may not be HTTPS-only here (the default is).
	SESSION_COOKIE_SECURE=$${SESSION_COOKIE_SECURE:-0} $(BIN)/gunicorn --workers 2 --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

# The quick inner loop: make test PYTEST_ARGS='-m "not slow and not browser"'
test: install-dev $(MO) system-test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install $(MO)
	@mkdir -p bench/tmp/instance
	@[ -n "$$BENCH_DATABASE_URL" ] || rm -f $(BENCH_SQLITE) $(BENCH_SQLITE)-wal $(BENCH_SQLITE)-shm
	$(BENCH_ENV) $(BIN)/flask db upgrade
	@start=$$(date +%s); $(BENCH_ENV) $(BIN)/flask bench seed && \
	  $(BENCH_ENV) $(BIN)/flask bench run --seed-seconds $$(( $$(date +%s) - start )) \
	  $(if $(filter-out 0,$(BENCH_CLUSTER)),--cluster)

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { [ "$(ROOT_USER)" = yes ] && apt-get update -qq && \
	  apt-get install -y -qq python3-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.installed $@

# Catalogs are compiled here, never committed as binaries.
translations: $(MO)
%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# After changing UI text: refresh the template and merge it into each catalog.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

# Debian's Chromium for the browser tests, PostgreSQL's server binaries, and nginx and Redis for the deploy/ and
# cluster tests (tests/cluster.py starts its own in temporary folders); installed when missing (as root).
system-test-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing="$$missing nginx"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || [ -x /usr/bin/redis-server ] || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$(ROOT_USER)" = yes ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "Please install:$$missing (sudo apt-get install -y$$missing)"; exit 1; fi; \
	fi

clean:
	rm -rf $(VENV) $(MO) .pytest_cache tests/artifacts

# How long a facilitator waits on a weak signal (cold, and returning): Chromium against the demo.
bench-phone: install-dev $(MO) system-test-deps
	$(BIN)/python bench/phone.py
