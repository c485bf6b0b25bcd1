# Rondom: `make run` starts the demo, `make test` runs the whole suite. Nothing else is needed.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
export RONDOM_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test setup bench lint otp lock clean

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

node_modules/.installed: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

src/rondom/locale/nl/LC_MESSAGES/django.mo: src/rondom/locale/nl/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext >/dev/null; }
	msgfmt --check -o $@ $<

# Browser tests drive Debian's Chromium with Playwright (Playwright's own browser download does not work here).
/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# CI runs the suite again with the whole process's clock moved (libfaketime); PDFs embed DejaVu (every Latin letter).
/usr/bin/faketime:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null

/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null

setup: $(VENV)/.installed node_modules/.installed src/rondom/locale/nl/LC_MESSAGES/django.mo /usr/bin/chromium \
       /usr/bin/faketime /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
	@mkdir -p $(RONDOM_VAR_DIR)

run: setup
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py load_demo --history
	@echo
	@echo "Rondom runs at http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/api/docs/)"
	@echo "Stop with Ctrl-C."
	@trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py db_worker --queue-name default >>$(RONDOM_VAR_DIR)/worker.log 2>&1 & \
	  $(PY) manage.py run_scheduler >>$(RONDOM_VAR_DIR)/scheduler.log 2>&1 & \
	  $(BIN)/gunicorn rondom.config.wsgi --pythonpath src --bind $(HOST):$(PORT) --workers 1 --threads 4 \
	    >>$(RONDOM_VAR_DIR)/web.log 2>&1 & \
	  wait

test: setup
	$(PY) -m pytest -q -n 2 $(ARGS)

bench: setup
	$(PY) bench/run.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src

otp: setup
	@$(PY) manage.py demo_otp $(USER)

lock: $(PY)
	$(PY) -m pip install --quiet -r requirements.in
	$(PY) -m pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) node_modules staticfiles var
