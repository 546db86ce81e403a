# Reelflow developer commands. Every target installs what it needs into .venv first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SOURCES := requirements/dev.txt requirements/constraints.txt contracts/pyproject.toml kit/pyproject.toml \
           $(wildcard services/*/pyproject.toml) tools/reelctl/pyproject.toml
PYTEST_ARGS ?=

.PHONY: help install demo test test-apache-kafka lint asyncapi fuzz infra-up infra-down up down status lock clean

help:
	@echo "make demo        install, start everything, turn a sample script and a premise into MP4s in out/"
	@echo "make test        install, start a throwaway embedded stack, run every test, stop it; then test-apache-kafka"
	@echo "make test-apache-kafka  the bus, outbox, crash, dead-letter, replay, reelctl, subscriber examples and one whole"
	@echo "                 operation on Apache Kafka"
	@echo "                 (KRaft, jars from Maven Central); skipped with a message without java and mvn"
	@echo "make lint        ruff (lint and format check) over the repo, mypy (strict but for the gateway) over the packages; make test runs it first"
	@echo "make asyncapi    write docs/asyncapi.yaml from contracts/ (a unit test fails while it differs)"
	@echo "make fuzz        schemathesis against a throwaway stack, longer than the run in make test (FUZZ_EXAMPLES=...)"
	@echo "make infra-up    start Kafka (Tansu), MongoDB (SecantusDB) and S3 (SeaweedFS) under var/"
	@echo "                 (REELFLOW_STACK_KAFKA=apache before up, demo or a bench: Apache Kafka instead of Tansu)"
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
	@$(MAKE) --no-print-directory test-apache-kafka

# The compatibility run: what depends on the broker's semantics, on Apache Kafka in one stack.
APACHE_KAFKA_TESTS := tests/integration/test_apache_kafka.py tests/integration/test_kit_bus.py \
	tests/integration/test_kit_outbox.py tests/integration/test_kit_crash.py tests/e2e/test_read_model_consumer.py \
	tests/e2e/test_scenes.py::test_replaying_script_approved_creates_no_duplicate_scenes \
	tests/e2e/test_restarts.py::test_read_model_rebuilds_exactly_from_the_events \
	tests/e2e/test_operations.py::test_a_script_becomes_a_video_in_one_call \
	tests/e2e/test_reelctl.py tests/integration/test_subscriber_examples.py tests/integration/test_service_metrics.py

test-apache-kafka: $(STAMP)
	@if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then \
		echo "compatibility run on Apache Kafka (REELFLOW_STACK_KAFKA=apache)"; \
		REELFLOW_STACK_KAFKA=apache $(PY) -m pytest $(APACHE_KAFKA_TESTS); \
	else \
		echo "SKIPPED the compatibility run on Apache Kafka: it needs java (17+) and mvn on PATH" \
			"(java: $$(command -v java || echo missing), mvn: $$(command -v mvn || echo missing))"; \
	fi

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
