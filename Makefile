# Suara Warga. Quickstart: `make run` (the portal on http://127.0.0.1:8000) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/suarawarga
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
PORT ?= 8000

.PHONY: run test fuzz bench vendor services browser messages makemessages lint clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core is vendored for the browser tests only (they inject it into the page); no template loads it.
# Bootstrap and Leaflet come from the npm registry (package.json pins them); the copies in
# static/vendor are committed so that `make run` needs Python alone. The source maps come too:
# the minified files name them, and collectstatic's manifest storage refuses a missing one.
vendor:
	npm ci --no-audit --no-fund
	mkdir -p static/vendor/bootstrap static/vendor/leaflet/images
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map \
	  node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map \
	  static/vendor/bootstrap/
	cp node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map \
	  static/vendor/leaflet/
	cp node_modules/leaflet/dist/images/*.png static/vendor/leaflet/images/
	mkdir -p static/vendor/axe-core
	cp node_modules/axe-core/axe.min.js node_modules/axe-core/LICENSE static/vendor/axe-core/

messages: $(VENV)/.installed
	if command -v msgfmt >/dev/null; then $(MANAGE) compilemessages --ignore=.venv -v 0; else echo "msgfmt not found: using the committed .mo files"; fi

makemessages: $(VENV)/.installed
	$(MANAGE) makemessages -l id -l en --ignore=.venv --ignore=node_modules --ignore=tests --no-obsolete

run: $(VENV)/.installed messages
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo --size small --if-empty
	@# Links in e-mails point at this server: SITE_URL follows PORT unless it is set.
	@export SITE_URL="$${SITE_URL:-http://127.0.0.1:$(PORT)}"; \
	if [ -n "$$REDIS_URL" ]; then \
	  echo "Starting a Celery worker and beat (REDIS_URL is set)"; \
	  $(VENV)/bin/celery -A balikpapan_pb worker -B -Q celery,tally,notifications --loglevel=INFO --concurrency=2 & \
	  trap "kill $$!" EXIT; \
	  $(MANAGE) runserver 127.0.0.1:$(PORT); \
	else \
	  $(MANAGE) runserver 127.0.0.1:$(PORT); \
	fi

# PostgreSQL and Redis must answer; start them when they are installed but stopped.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || (pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2)
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || (redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log && sleep 1)
	@pg_isready -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; }
	@command -v msgfmt >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }

# The suite runs in TEST_PROCESSES pytest-xdist processes, each with its own database and Redis
# database (balikpapan_pb/settings/test.py); worksteal hands a process that finishes early the
# tests still waiting on the other, so the long browser and worker tests do not end the run alone.
# TEST_PROCESSES=0 runs it in this one process.
TEST_PROCESSES ?= 2
test: $(VENV)/.installed browser services messages
	DJANGO_SETTINGS_MODULE=balikpapan_pb.settings.test DATABASE_URL=$(PG_TEST_URL) REDIS_URL=$(REDIS_TEST_URL) \
	  $(PY) -m pytest -n $(TEST_PROCESSES) --dist worksteal $(TEST_ARGS)

# The property tests (Hypothesis) with random search and five times the examples; `make test`
# runs them derandomized (the same examples every time). Pass FUZZ_ARGS for more, e.g. -x.
FUZZ_TESTS ?= tests/voting/tally/test_properties.py tests/voting/tally/test_add1_jumps.py tests/accounts/test_nik.py
fuzz: $(VENV)/.installed services
	HYPOTHESIS_PROFILE=fuzz DJANGO_SETTINGS_MODULE=balikpapan_pb.settings.test DATABASE_URL=$(PG_TEST_URL) \
	  REDIS_URL=$(REDIS_TEST_URL) $(PY) -m pytest $(FUZZ_TESTS) $(FUZZ_ARGS)

# The benchmarks seed their own database (500,000 ballots), kept between runs.
BENCH_DB ?= suarawarga_bench
BENCH_REDIS ?= redis://127.0.0.1:6379/14
bench: $(VENV)/.installed services
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$(BENCH_DB)'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres $(BENCH_DB)
	DJANGO_SETTINGS_MODULE=balikpapan_pb.settings.test DATABASE_URL=postgres://postgres@127.0.0.1:5432/$(BENCH_DB) \
	  REDIS_URL=$(BENCH_REDIS) $(PY) -m bench $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var
