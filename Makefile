# Reelflow developer commands. Every target installs what it needs into .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SOURCES := requirements/dev.txt requirements/constraints.txt contracts/pyproject.toml kit/pyproject.toml \
           $(wildcard services/*/pyproject.toml) tools/reelctl/pyproject.toml
PYTEST_ARGS ?=

.PHONY: help install demo test lint asyncapi fuzz infra-up infra-down up down status lock clean

help:
	@echo "make demo        install, start everything, turn a sample script and a premise into MP4s in out/"
	@echo "make test        install, start a throwaway embedded stack, run every test, stop it"
	@echo "make lint        ruff (lint and format check) over the repo, mypy (strict but for the gateway) over the packages; make test runs it first"
	@echo "make asyncapi    write docs/asyncapi.yaml from contracts/ (a unit test fails while it differs)"
	@echo "make fuzz        schemathesis against a throwaway stack, longer than the run in make test (FUZZ_EXAMPLES=...)"
	@echo "make infra-up    start Kafka (Tansu), MongoDB (SecantusDB) and S3 (SeaweedFS) under var/"
	@echo "make infra-down  stop them"
	@echo "make up          infra-up, then every service in the background (logs in var/log/)"
	@echo "make status      health of every server and service"
	@echo "make down        stop services and servers"

install: $(STAMP)

$(STAMP): $(SOURCES)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -r requirements/dev.txt
	@touch $(STAMP)

demo: up
	$(PY) deploy/demo/run.py

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

LINT_PATHS := contracts kit services tools tests bench deploy docs/examples
TYPED := contracts/reelflow_contracts kit/reelflow_kit $(foreach s,script scene image video gateway,services/$(s)/reelflow_$(s)) tools/reelctl/reelflow_ops

lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINT_PATHS)
	$(VENV)/bin/ruff format --check $(LINT_PATHS)
	$(VENV)/bin/mypy $(TYPED)

asyncapi: $(STAMP)
	$(PY) -m reelflow_gateway.apidoc.asyncapi_page > docs/asyncapi.yaml

FUZZ_EXAMPLES ?= 40
FUZZ_SEED ?= $(shell date +%s)

fuzz: $(STAMP)
	REELFLOW_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) REELFLOW_FUZZ_SEED=$(FUZZ_SEED) REELFLOW_FUZZ_TIMEOUT_S=3600 \
		$(PY) -m pytest tests/e2e/test_fuzz_api.py -s $(PYTEST_ARGS)

infra-up: $(STAMP)
	$(PY) deploy/embedded/stack.py up

infra-down: $(STAMP)
	$(PY) deploy/embedded/stack.py down

up: infra-up
	$(PY) deploy/embedded/services.py up

down: $(STAMP)
	$(PY) deploy/embedded/services.py down
	$(PY) deploy/embedded/stack.py down

status: $(STAMP)
	@$(PY) deploy/embedded/stack.py status; s=$$?; $(PY) deploy/embedded/services.py status; exit $$(( s | $$? ))

lock: $(STAMP)
	@{ head -n 2 requirements/constraints.txt; $(PY) -m pip freeze --exclude-editable | grep -v '^-e'; } > requirements/constraints.tmp
	@mv requirements/constraints.tmp requirements/constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
