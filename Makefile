# Inagara: the targets a newcomer needs. `make help` lists them.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The distributions: the backbone, each service, and the workspace (tooling, local, test extras).
DISTS  := shared/pyproject.toml services/submission/pyproject.toml services/review/pyproject.toml services/notification/pyproject.toml services/results/pyproject.toml clients/python/pyproject.toml
EDITABLE := $(foreach d,$(DISTS),-e ./$(dir $(d)))
# The lock files with hashes (requirements/*.lock, written by `make lock` from the pyproject files).
LOCKS  := requirements/dev.lock requirements/build.lock
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(DISTS) $(LOCKS) | cksum | cut -d' ' -f1)

.DEFAULT_GOAL := help
.PHONY: help install lock run demo-clean test test-faults test-kafka test-cluster test-releases contracts lint audit unit integration e2e browser test-contended docs translations first-account mail sms whatsapp replay-dlq bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# Every third-party package from requirements/dev.lock, each checked against its hashes (pip
# refuses a file whose hash is not in the lock, and any package the lock does not name); then
# the project's own distributions, editable, without their dependencies and built with the
# locked build backends only (no build isolation: nothing is fetched unchecked).
$(STAMP): pyproject.toml $(DISTS) $(LOCKS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation $(EDITABLE) -e .
	$(BIN)/python -m pip check
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)  ## create .venv from requirements/dev.lock (hashes checked): the backbone and every service editable, the local and test extras

lock: $(STAMP)  ## rewrite requirements/*.in from the pyproject files and resolve them into requirements/*.lock with hashes (needs the package index; UPGRADE=1 takes the newest allowed)
	$(BIN)/python -m tools.lock $(if $(UPGRADE),--upgrade)

run: $(STAMP)  ## start the whole system locally (broker, 4 services behind nginx, mail catcher); Ctrl-C stops it
	sh deploy/local/ensure-nginx.sh
	$(BIN)/python -m deploy.local.stack

demo-clean: $(STAMP)  ## remove the demo data make run seeded (agency DEMO-DINKES, accounts @example.org, their proposals) from every service's database
	$(BIN)/python -m deploy.local.demo clean $(ARGS)

# The fault tests (tests/faults: workers killed at random, a frozen broker, poison, the
# review database away) take minutes of outages each: make test-kafka runs them in CI on
# Apache Kafka, make test-faults on the local broker.
#
# make test runs pytest in TEST_WORKERS pytest-xdist workers (tests/scheduling.py): the
# whole-stack tests one after another in one of them, the unit and integration tests module
# by module in whichever is free. TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2
test: $(STAMP) lint audit  ## lint, audit, then the unit, integration and end-to-end tests on the local broker and SQLite (+ PostgreSQL if TEST_DATABASE_URL); Apache Kafka's and the fault tests are make test-kafka's
	sh deploy/local/ensure-chromium.sh
	sh deploy/local/ensure-nginx.sh
	sh deploy/local/ensure-pgbouncer.sh
	$(BIN)/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) -m "not apache_kafka" --ignore=tests/faults $(PYTEST_ARGS)

test-faults: $(STAMP)  ## the fault tests on the local broker (kills, a frozen broker, poison, the review database away)
	sh deploy/local/ensure-nginx.sh
	$(BIN)/python -m pytest -p no:cacheprovider tests/faults $(PYTEST_ARGS)

# The broker-facing tiers again on one Apache Kafka node (deploy/local/apache_kafka.py: Java 17+
# and Maven resolve Kafka from Maven Central once). The browser, schemathesis and slow-client
# tests exercise the HTTP side only: make test runs them, on Tansu.
NOT_BROKER_FACING := --deselect tests/e2e/test_review_browser.py \
	--deselect tests/e2e/test_schemathesis_all_checks.py --deselect tests/e2e/test_slow_clients.py
# Of the integration tests only those that talk to the broker run again (the others use HTTP
# and the database only: tests/conftest.py), with the tests that start Apache Kafka themselves
# (marked apache_kafka: the launcher, the SASL_SSL listener), which make test leaves out.
test-kafka: $(STAMP)  ## integration, end-to-end and fault tests on single-node Apache Kafka (SQLite, + PostgreSQL if TEST_DATABASE_URL)
	sh deploy/local/ensure-nginx.sh
	INAGARA_TEST_BROKER=kafka INAGARA_TEST_BROKER_FACING=1 $(BIN)/python -m pytest -p no:cacheprovider \
		tests/e2e tests/faults tests/integration $(NOT_BROKER_FACING) $(PYTEST_ARGS)

test-cluster: $(STAMP)  ## fault tests on a three-node Apache Kafka cluster (kills, a freeze, below min ISR), with their figures
	INAGARA_TEST_BROKER=kafka-cluster $(BIN)/python -m pytest -p no:cacheprovider -rP tests/cluster $(PYTEST_ARGS)

# The last release of each service (releases/releases.toml) built from its commit into
# .venv-releases/ (once, then reused) and run beside the current code (docs/OPERATE.md: Releases).
test-releases: $(STAMP)  ## mixed releases on the local broker: each service's last release against the current others and back, a DLQ replay, a rolling upgrade under load
	INAGARA_TEST_RELEASES=1 $(BIN)/python -m pytest -p no:cacheprovider -rP tests/releases $(PYTEST_ARGS)

contracts: $(STAMP)  ## the events and APIs of this tree against the last releases (make test runs it too)
	$(BIN)/python -m tools.release check

lint: $(STAMP)  ## ruff (lint and format check), mypy on shared/, bandit (high severity, high confidence)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared
	$(BANDIT) shared services tools deploy

# Static analysis fails on what bandit rates high severity AND high confidence (-lll -iii);
# lower findings are read, not gating (README: "What make lint checks").
BANDIT := $(BIN)/bandit --quiet --recursive --severity-level high --confidence-level high
# Every installed package (pip freeze, less the project) against PyPI's vulnerability feed;
# deploy/audit/policy.py says what fails and what is only reported, deploy/audit/ignore.txt
# holds the reviewed exceptions, each with its reason.
audit: $(STAMP)  ## dependency vulnerability audit (PyPI's feed): fails on any known vulnerability or unchecked runtime dependency
	$(BIN)/python -m deploy.audit

unit: $(STAMP)  ## only the fast unit tests
	$(BIN)/python -m pytest -p no:cacheprovider tests/unit

integration: $(STAMP)  ## only the integration tests (real broker, real database)
	sh deploy/local/ensure-pgbouncer.sh
	$(BIN)/python -m pytest -p no:cacheprovider tests/integration

e2e: $(STAMP)  ## only the end-to-end tests (real processes)
	sh deploy/local/ensure-nginx.sh
	$(BIN)/python -m pytest -p no:cacheprovider tests/e2e

browser: $(STAMP)  ## only the review UI browser tests (finds or, as root, installs Chromium; screenshots in test-artifacts/)
	sh deploy/local/ensure-chromium.sh
	$(BIN)/python -m pytest -p no:cacheprovider tests/e2e/test_review_browser.py

# Not part of `make test`: it takes both cores for minutes (README: "Tests on a busy machine").
test-contended: $(STAMP)  ## the crash and fault tests with stress-ng holding every core, RUNS times in a row (default 10), stopping at the first failure
	$(BIN)/python -m deploy.local.contended --runs $(or $(RUNS),10) $(TESTS)

docs: $(STAMP)  ## regenerate docs/asyncapi.json, docs/openapi/*.json, the Python client (clients/python) and deploy/nginx/compose.conf
	$(BIN)/python -m tools.asyncapi
	$(BIN)/python -m tools.openapi
	$(BIN)/python -m tools.client
	$(BIN)/python -m deploy.local.proxy

translations: $(STAMP)  ## the review pages' catalogs: extract the strings, update services/review/translations/*/messages.po, compile the .mo
	$(BIN)/python -m tools.translations

first-account: $(STAMP)  ## the first secretariat account of a real deployment: make first-account EMAIL=sekretariat@example.go.id [NAME="Sekretariat"] [ARGS=--again]; prints a one-time link to set its password
	@test -n "$(EMAIL)" || { echo "usage: make first-account EMAIL=<email> [NAME=<name>] [ARGS=--again]"; exit 2; }
	$(BIN)/python -m services.review.bootstrap --email "$(EMAIL)" --name "$(or $(NAME),Sekretariat)" $(ARGS)

mail: $(STAMP)  ## list the emails the local mail catcher kept (var/mail)
	$(BIN)/python -m deploy.local.mailcatcher list --dir var/mail

sms: $(STAMP)  ## list the SMS the local SMS gateway kept (var/sms)
	$(BIN)/python -m deploy.local.smsgateway list --dir var/sms

whatsapp: $(STAMP)  ## list the WhatsApp messages the local Cloud API stand-in accepted (var/whatsapp)
	$(BIN)/python -m deploy.local.whatsapp list --dir var/whatsapp

replay-dlq: $(STAMP)  ## replay a dead-letter topic to its topic once the cause is fixed: make replay-dlq TOPIC=inagara.proposals.dlq [ARGS=--dry-run]
	@test -n "$(TOPIC)" || { echo "usage: make replay-dlq TOPIC=<topic>.dlq [ARGS='--dry-run --limit N']"; exit 2; }
	$(BIN)/python -m tools.dlq replay $(TOPIC) $(ARGS)

bench: $(STAMP)  ## the benchmarks of docs/PERFORMANCE.md: ingest (wrk), pipeline (10,000 proposals), scale-out
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements/bench.lock
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.scaleout

clean:  ## remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
