# Switchboard developer commands. GNU make; every recipe runs in bash with -euo pipefail.
#
#   make run     install the locked environment, migrate, load the demo, serve on :8000
#   make test    the whole suite on SQLite, then again on a throwaway PostgreSQL cluster
#   make lint    ruff (lint + format), mypy --strict, import layers, alembic check
#   make ci      lint + test (what .ci/run does after installing system packages)
#
# uv is found on PATH or installed on first use (scripts/uv). Knobs:
#   SWITCHBOARD_PORT, SWITCHBOARD_DATA_DIR   for `make run` (read by the app itself)
#   PYTEST_ARGS="-x -k tickets"              extra pytest arguments for both passes
#   SKIP_POSTGRES=1                          run only the SQLite pass of `make test`

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --no-print-directory

UV := scripts/uv
RUN := $(UV) run --frozen
PYTEST_ARGS ?=
LINT_PATHS := src tests bench scripts

.PHONY: help run sync system-packages test test-sqlite test-postgres lint format ci bench clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

sync: ## create .venv and install exactly the locked dependencies
	$(UV) sync --locked

run: sync ## migrate, load the demo unless present, serve on 127.0.0.1:8000 (SWITCHBOARD_PORT)
	$(RUN) switchboard serve --demo

system-packages: ## install PostgreSQL, Chromium and Dovecot from Debian if missing (root), else explain
	scripts/ensure-system-packages

test: sync system-packages ## the whole suite on SQLite, then on PostgreSQL (both run; fails if either fails)
	@status=0; \
	$(MAKE) test-sqlite || status=1; \
	if [[ -n "$${SKIP_POSTGRES:-}" ]]; then echo "SKIP_POSTGRES set: PostgreSQL pass skipped"; \
	else $(MAKE) test-postgres || status=1; fi; \
	exit $$status

test-sqlite: ## one pass on SQLite (each test copies a migrated template file)
	@echo "==> test suite on SQLite"
	env -u SWITCHBOARD_TEST_DATABASE_URL $(RUN) pytest $(PYTEST_ARGS)

test-postgres: ## one pass on a throwaway PostgreSQL cluster (scripts/postgres-test-cluster)
	@echo "==> test suite on PostgreSQL"
	scripts/postgres-test-cluster run -- $(RUN) pytest $(PYTEST_ARGS)

lint: sync ## every static check; reports all failures, not just the first
	@failed=(); \
	step() { echo "==> $$*"; "$$@" || failed+=("$$*"); }; \
	step $(RUN) ruff check --output-format=concise $(LINT_PATHS); \
	step $(RUN) ruff format --check --output-format=concise $(LINT_PATHS); \
	step $(RUN) mypy; \
	step $(RUN) lint-imports --no-logo; \
	step $(RUN) python scripts/check_migrations.py; \
	if (( $${#failed[@]} )); then printf 'lint FAILED: %s\n' "$${failed[@]}"; exit 1; fi; \
	echo "lint: all checks passed"

format: sync ## apply ruff's fixes and formatting
	$(RUN) ruff check --fix $(LINT_PATHS)
	$(RUN) ruff format $(LINT_PATHS)

ci: lint test ## what CI runs after installing system packages

bench: sync ## API benchmark (bench/api.py); BENCH_ARGS passes options through
	$(RUN) python bench/api.py $(BENCH_ARGS)

clean: ## remove caches and build output (keeps .venv and the var/ data directory)
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis .import_linter_cache build dist bench/results
	find . -path ./.venv -prune -o -type d -name __pycache__ -exec rm -rf {} +
	find . -path ./.venv -prune -o -type d -name '*.egg-info' -exec rm -rf {} +

distclean: clean ## also remove .venv and var/ (the demo database)
	rm -rf .venv var
