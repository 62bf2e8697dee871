# Two commands: `make run` sets up and starts the platform with demo data; `make test` sets up and
# runs the whole test suite. Everything else here is what those two need.

PYTHON ?= python3
UV_VERSION := 0.13.8
# Use the machine's uv when there is one, otherwise a private copy bootstrapped from PyPI.
UV := $(shell command -v uv 2>/dev/null || echo .uv/bin/uv)
VENV_BIN := .venv/bin

.PHONY: run test lint format env test-env manifest browsers clean

run: env manifest
	$(VENV_BIN)/voter-platform up

test: test-env lint browsers manifest
	$(VENV_BIN)/pytest

# The lint gate `make test` runs first: ruff (lint and format) over the Python, sqlfluff over the dbt project.
lint: test-env
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	@$(SQLFLUFF) lint dbt

# What lint reports, fixed where the tools can (review the diff): ruff's formatting and safe fixes, sqlfluff fix.
format: test-env
	$(VENV_BIN)/ruff check --fix .
	$(VENV_BIN)/ruff format .
	@$(SQLFLUFF) fix dbt

# sqlfluff's dbt templater compiles every model as dbt does: against an empty scratch warehouse, with
# placeholders for what the platform sets at run time (the analysis window, the voter-key salt), so it needs no
# built warehouse and leaves dbt/target alone.
SQLFLUFF = scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && mkdir "$$scratch/warehouse" && \
	VOTER_PLATFORM_DATA="$$scratch" DBT_TARGET_PATH="$$scratch/target" DBT_LOG_PATH="$$scratch/logs" \
	VOTER_PLATFORM_FIRST_ANALYSIS_DATE=2026-11-03 VOTER_PLATFORM_LAST_ANALYSIS_DATE=2026-11-03 \
	VOTER_PLATFORM_KEY_SALT=lint-only-not-a-secret $(VENV_BIN)/sqlfluff

env: $(UV)
	$(UV) sync --frozen

test-env: $(UV)
	$(UV) sync --frozen --extra test

# The dbt manifest the code location is built from, prepared the way dagster-dbt intends (`dbt parse` on the
# project this module declares); importing the definitions never does it. dagster-dbt runs `dbt` from PATH.
manifest:
	PATH="$(CURDIR)/$(VENV_BIN):$$PATH" $(VENV_BIN)/dagster-dbt project prepare-and-package --file voter_platform/defs/marts/project.py

.uv/bin/uv:
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet "uv==$(UV_VERSION)"

# Headless Chromium and chromedriver for the browser tests, from Debian, when missing and root.
browsers:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing chromium and chromium-driver from Debian..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "chromium/chromedriver not found and not root: install them to run the browser tests" >&2; \
	fi

# Remove generated data and environments (keeps the vendored data/reference, samples, layouts).
clean:
	rm -rf .venv .uv dbt/target dbt/logs data/landing data/warehouse data/published data/dagster_home
