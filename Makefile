# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test checkers lint check fixture backup restore clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## run: install, migrate SQLite, load the official 2022 catalogue if the database is empty, serve on :8000
## beside the background worker (imports, download files, county catalogues), which stops with the server
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_official
	$(PY) manage.py run_huey & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

## test: install if needed and run the whole suite (with the page checkers when npm is there, see `checkers`);
## bytecode is written even where the environment says not to: pytest keeps the ~380 plugin modules it
## rewrites in that cache, and without it each of the three processes rewrote them again (~1.7 s each)
test: $(STAMP)
	@if command -v npm >/dev/null 2>&1; then $(MAKE) -s checkers; else echo "没有 npm：HTML 与无障碍检查将跳过"; fi
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest $(PYTEST_ARGS)

## checkers: the Nu HTML Checker and axe-core from the npm registry (package-lock.json), for the tests only
checkers: node_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## check: Django's system checks and no missing migration
check: $(STAMP)
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

## fixture: rebuild fixtures/shuozhou_2022.json from sources/
fixture: $(STAMP)
	$(PY) manage.py build_fixture

## backup: dump the register (SQLite or PostgreSQL, whichever DATABASE_URL names) to backups/
backup: $(STAMP)
	$(PY) manage.py backup_register

## restore FILE=backups/register-….json.gz: replace the database's data by that backup
restore: $(STAMP)
	@test -n "$(FILE)" || (echo "用法：make restore FILE=backups/register-….json.gz" && exit 2)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py restore_register "$(FILE)" --yes

clean:
	rm -rf $(VENV) node_modules db.sqlite3 staticfiles test-output
