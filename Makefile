# Questline: `make run` starts the whole system, `make test` runs every test.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PY := .venv/bin/python

.PHONY: install install-test install-bench install-images images run test chaos lint format unit web-unit integration e2e contracts clean help token audit

help:
	@echo "make run    install what is missing, start Kafka, PostgreSQL and all services"
	@echo "            (KAFKA_BROKERS=3: a Kafka cluster of three brokers)"
	@echo "make test   install what is missing, lint, then unit, integration and e2e tests"
	@echo "make lint   ruff, mypy, import-linter, the contracts check, eslint and tsc (web/)"
	@echo "make audit  check invariants 1-6 across the running system, read-only (ARGS=\"--wait 60\")"
	@echo "make bench  benchmark the whole system (BENCH_ARGS=\"--quick\" for a smoke run)"
	@echo "make chaos  5 minutes of kills, pauses and cut links under load, then the audit (CHAOS_ARGS=...)"
	@echo "make images build the container images with podman (IMAGES=\"reward gift\", BASE_IMAGE=...)"
	@echo "make clean  remove local data (.data)"
	@echo "make token ARGS=\"--player alice\"  print an access token (also --operator, --game-backend)"

install:
	@bash infra/install.sh

install-test:
	@bash infra/install.sh --test

# KAFKA_BROKERS=3: a Kafka cluster of three (RF 3, min ISR 2); one broker by default.
run: install
	@$(if $(KAFKA_BROKERS),QUESTLINE_KAFKA_BROKERS=$(KAFKA_BROKERS) )$(PY) -m questline.devstack run

test: install-test lint web-unit
	@$(PY) -m pytest

lint:
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy
	@.venv/bin/lint-imports --no-cache --no-logo
	@$(PY) -m questline.contracts check
	@cd web && npm run --silent lint && npm run --silent typecheck

# An access token for the running system, and nothing else on stdout: TOKEN=$(make -s token …)
token:
	@$(PY) -m questline.auth token $(ARGS)

# Invariants 1-6 of SYSTEM.md across the service databases, through a read-only role;
# exit 0 clean, 1 violations, 2 cannot read. Right after load: ARGS="--wait 60".
audit:
	@$(PY) -m questline.audit $(ARGS)

format:
	@$(PY) -m ruff format .
	@$(PY) -m ruff check --fix .

unit: web-unit
	@$(PY) -m pytest -m "not integration and not e2e"

# The web app's Vitest suite (components, API client, stream reader); the browser tests
# run in pytest's e2e ring (tests/e2e/test_web.py) against the running system.
web-unit:
	@cd web && npm test --silent

integration:
	@$(PY) -m pytest -m integration

e2e:
	@$(PY) -m pytest -m e2e

contracts:
	@$(PY) -m questline.contracts generate

# Starts its own system in .data/bench; tables on stdout, JSON in bench/results/.
install-bench:
	@bash infra/install.sh --bench

bench: install-bench
	@$(PY) -m bench run $(BENCH_ARGS)

# A system of its own on loopback; report on stdout and in chaos/results/ (see docs/reliability.md).
chaos: install-test
	@$(PY) -m chaos run $(CHAOS_ARGS)

# The container images (deploy/images, docs/deploy.md#images), in podman's storage under
# .cache/containers: IMAGES="reward gift" builds some, BASE_IMAGE=... sets the base image.
install-images:
	@bash infra/install.sh --images

images: install-images
	@bash deploy/images/build.sh

clean:
	rm -rf .data
