# 泸惠托 — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test serve install install-test lint format messages clean-var help
.DEFAULT_GOAL := help

help:
	@echo "make run    the platform with demo data on embedded PostgreSQL (http://127.0.0.1:8000/)"
	@echo "make test   the whole test suite (browser tests too when Chromium is installed)"
	@echo "make serve  production processes against DATABASE_URL / REDIS_URL"
	@echo "make lint   ruff;  make messages   update and compile translations"

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(TEST_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev,test]'
	@touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)
install-test: $(TEST_STAMP)

run: install
	$(BIN)/python -m luhuituo.launcher run

test: install-test
	$(BIN)/python -m luhuituo.launcher test $(PYTEST_ARGS)

serve: install
	$(BIN)/python -m luhuituo.launcher serve

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	LUHUITUO_DEV=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	LUHUITUO_DEV=1 $(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	LUHUITUO_DEV=1 $(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean-var:
	@echo "This deletes var/ (the embedded database, keys, uploads). Ctrl-C to keep it."; sleep 5
	rm -rf var
